"""
Write an export's course files into Learning Core, in the import's own transaction and publish.

Each file is one asset component (``compile.vocabulary``'s type) holding one file media under its
asset name, as openedx-core's proposed design has it; the facts Open edX keeps unversioned
(display name, ``locked``, content type, the md5 of its versioned URLs) are a
:class:`~lc_modulestore.courses.models.CourseFile` row. A re-import costs what changed: the same
bytes make no new version, new bytes make one, a file gone from the export is deleted (its row and
component stay, so that importing it again continues its history). A file that cannot be stored
(over Learning Core's size limit, unreadable, or leading out of the export) is reported with its
name, and the rest of the course imports.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final, cast

from openedx_content import api as content_api
from openedx_content.models_api import Component, ComponentVersionMedia, Media, PublishableEntity

from compile.export_files import ExportFiles, OlxError
from compile.import_report import ERROR, ImportProblem
from compile.static_files import CourseFiles, StaticFile
from compile.vocabulary import ASSET_COMPONENT_NAMESPACE, ASSET_COMPONENT_TYPE

from ..courses.models import CourseBinding, CourseFile
from .preflight import component_code

__all__ = ["FileCounts", "FileWriter", "without_oversized"]

_OCTET_STREAM: Final = "application/octet-stream"
# MediaType splits "type/subtype+suffix"; anything it could not store is served as a download.
_MEDIA_TYPE: Final = re.compile(r"^[\w.-]+/[\w.+-]+$")


@dataclass(slots=True)
class FileCounts:
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    bytes_written: int = 0
    # Asset names whose published bytes or facts this import changed: the platform's asset cache
    # must forget them once the import commits.
    touched: list[str] = field(default_factory=list)


def without_oversized(files: CourseFiles) -> tuple[CourseFiles, list[ImportProblem]]:
    """The files Learning Core can store (the others kept as they were), and a problem for each other."""
    limit = Media.MAX_FILE_SIZE
    too_big = [f for f in files.files if f.size > limit]
    problems = [
        ImportProblem(
            ERROR,
            f.where,
            0,
            f.name,
            f"is {f.size:,} bytes, over Learning Core's limit of {limit:,} bytes per file",
            "the file is not imported (serve it from a CDN or split it)",
        )
        for f in too_big
    ]
    storable = tuple(f for f in files.files if f.size <= limit)
    kept = files.kept | {f.name for f in too_big}
    return replace(files, files=storable, kept=kept), problems


@dataclass(slots=True)
class _Row:
    """A course file already imported, with its current draft's media (None when deleted)."""

    row: CourseFile
    draft_media_id: int | None


class FileWriter:
    def __init__(
        self,
        binding: CourseBinding,
        root: Path | None,
        now: datetime,
        user_id: int | None,
        problems: list[ImportProblem],
    ) -> None:
        self.binding = binding
        self.lp_id = binding.learning_package_id
        self.files = ExportFiles(root) if root is not None else None
        self.now = now
        self.user_id = user_id
        self.problems = problems
        self.counts = FileCounts()
        self._media_types: dict[str, int] = {}
        self._component_type: Any = None

    def write(self, files: CourseFiles) -> FileCounts:
        """
        Write the export's files; delete what the course had that the export no longer has, except
        what ``files.kept`` names (files it has but that could not be imported this time), and
        nothing at all when ``static/`` could not be read completely.
        """
        current = self._current()
        codes = {row.row.entity.component.component_code for row in current.values()}  # kept ones too
        for name in files.kept:
            current.pop(name, None)
        for static in files.files:
            data = self._read(static)
            if data is not None:
                self._write_one(static, data, current.pop(static.name, None), codes)
            else:
                current.pop(static.name, None)  # unreadable this time: what was there stays
        for gone in current.values() if files.complete else ():
            if gone.draft_media_id is not None:
                content_api.soft_delete_draft(_entity(gone.row.entity_id), deleted_by=self.user_id)
                self.counts.deleted += 1
                self.counts.touched.append(gone.row.legacy_path)
        return self.counts

    def _current(self) -> dict[str, _Row]:
        rows = {
            row.legacy_path: _Row(row, None)
            for row in CourseFile.objects.filter(binding=self.binding).select_related("entity__component")
        }
        by_entity: dict[int, _Row] = {r.row.entity_id: r for r in rows.values()}
        for entity_id, path, media_id in ComponentVersionMedia.objects.filter(
            component_version__component_id__in=list(by_entity),
            component_version__publishable_entity_version__draft__isnull=False,
        ).values_list("component_version__component_id", "path", "media_id"):
            found = by_entity[entity_id]
            if path == found.row.legacy_path:
                found.draft_media_id = media_id
        return rows

    def _read(self, static: StaticFile) -> bytes | None:
        if self.files is None:
            self._problem(static, "the export's folder is gone; the file cannot be read")
            return None
        try:
            return self.files.read_bytes(static.source, static.where)
        except OlxError as exc:
            self._problem(static, exc.message)
            return None

    def _problem(self, static: StaticFile, message: str) -> None:
        self.problems.append(
            ImportProblem(ERROR, static.where, 0, static.name, message, "the file is not imported")
        )

    def _write_one(self, static: StaticFile, data: bytes, now: _Row | None, codes: set[str]) -> None:
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        facts: dict[str, Any] = {
            "import_path": static.import_path,
            "display_name": static.display_name,
            "content_type": static.content_type,
            "locked": static.locked,
        }
        # The draft holds the media the row's md5 was computed for (None, a deleted draft, never does).
        if now is not None and now.draft_media_id == now.row.media_id and now.row.md5 == md5:
            self._update_facts(now.row, facts)
            return
        media = content_api.get_or_create_file_media(
            self.lp_id, self._media_type_id(static.content_type), data=data, created=self.now
        )
        self.counts.bytes_written += len(data)
        self.counts.touched.append(static.name)
        if now is not None:
            content_api.create_next_component_version(
                cast(Component.ID, now.row.entity_id),
                media_to_replace={static.name: media.id},
                created=self.now,
                title=static.display_name,
                created_by=self.user_id,
                ignore_previous_media=True,
            )
            CourseFile.objects.filter(pk=now.row.pk).update(md5=md5, size=len(data), media=media, **facts)
            self.counts.changed += 1
            return
        component, _ = content_api.create_component_and_version(
            self.lp_id,
            component_type=self._asset_type(),
            component_code=self._code(static.name, codes),
            title=static.display_name,
            created=self.now,
            created_by=self.user_id,
            media={static.name: media.id},
        )
        CourseFile.objects.create(
            entity_id=component.id, binding=self.binding, legacy_path=static.name, md5=md5, size=len(data),
            media=media, **facts,
        )  # fmt: skip
        self.counts.created += 1

    def _update_facts(self, row: CourseFile, facts: dict[str, Any]) -> None:
        """Same bytes: no new version; the unversioned facts updated in place when they changed."""
        if all(getattr(row, name) == value for name, value in facts.items()):
            self.counts.unchanged += 1
            return
        CourseFile.objects.filter(pk=row.pk).update(**facts)
        self.counts.changed += 1
        self.counts.touched.append(row.legacy_path)

    def _code(self, name: str, codes: set[str]) -> str:
        """The name as a Learning Core code (ADR 0013), as block ids get theirs; unique in the course."""
        code = component_code(name)
        if code in codes:  # only a name spelled like another's slug could get here
            code = f"{code}.{hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:12]}"
        codes.add(code)
        return code

    def _asset_type(self) -> Any:
        """Looked up once per import, not once per new file."""
        if self._component_type is None:
            self._component_type = content_api.get_or_create_component_type(
                ASSET_COMPONENT_NAMESPACE, ASSET_COMPONENT_TYPE
            )
        return self._component_type

    def _media_type_id(self, content_type: str | None) -> int:
        wanted = content_type if content_type and _MEDIA_TYPE.match(content_type) else _OCTET_STREAM
        if wanted not in self._media_types:
            self._media_types[wanted] = content_api.get_or_create_media_type(wanted).id
        return self._media_types[wanted]


def _entity(entity_id: int) -> PublishableEntity.ID:
    return cast(PublishableEntity.ID, entity_id)
