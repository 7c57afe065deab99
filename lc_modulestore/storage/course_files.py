"""
A course's published files, as the LMS asks for them: one query per course, kept for the request.

Every ``/static/`` link of a page, every transcript and the course image is one ``find`` of the
platform's ``contentstore()``; a page with forty images would be forty queries if each looked its
file up. Instead the first ``find`` of a course in a request reads the whole course's index of
files (names, facts, where the bytes are), and the others are dictionary lookups. Outside a
request (Celery, commands) nothing clears a cache, so each call reads the index afresh.

The bytes are never loaded here: a record says where Learning Core's storage keeps them, and the
caller opens them (a seekable file, for byte ranges) only when it serves them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Final

import crum
from django.db.models import F, QuerySet
from edx_django_utils.cache import RequestCache
from openedx_content.models_api import LearningPackage, Media

from ..courses.models import CourseFile

__all__ = [
    "PUBLISHED_SIZE",
    "FileRecord",
    "course_file_index",
    "course_files_among",
    "forget_cached_files",
    "forget_course_files",
    "open_file",
    "published_files",
]

log = logging.getLogger(__name__)

REQUEST_CACHE_NAMESPACE: Final = "lc_modulestore.course_files"
_PUBLISHED: Final = "entity__published__version"
_MEDIA: Final = f"{_PUBLISHED}__componentversion__componentversionmedia"
# The size of a published file's bytes, as a lookup on :func:`published_files` (totals, listings).
PUBLISHED_SIZE: Final = f"{_MEDIA}__media__size"


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One published course file: the platform's ``StaticContent`` facts and where its bytes are."""

    name: str
    import_path: str
    display_name: str
    content_type: str | None
    locked: bool
    # The md5 of the served bytes (Open edX's versioned URLs), None when another tool wrote a
    # version whose digest this project never computed: such a file is served unversioned.
    content_digest: str | None
    length: int
    last_modified_at: datetime
    # Where the bytes are (Learning Core's storage keeps a file by package and digest), kept as the
    # two values: a ``Media`` instance per file would be most of the cost of reading the index.
    package: LearningPackage
    hash_digest: str

    @property
    def media(self) -> Media:
        """The file's ``Media``, not loaded: enough of it (package, digest) to find the bytes."""
        return Media(
            learning_package=self.package, hash_digest=self.hash_digest, size=self.length, has_file=True
        )


def course_file_index(course_key: object) -> dict[str, FileRecord]:
    """
    The published files of the course, by asset name: request-cached, one query otherwise. A
    branch or version on the key is ignored (the files are the course's, whatever the branch, as
    Mongo's are); a version-only key names no course, and so no files.
    """
    cache = RequestCache(REQUEST_CACHE_NAMESPACE) if crum.get_current_request() is not None else None
    key = _course_id(course_key)
    if cache is not None:
        hit = cache.get_cached_response(key)
        if hit.is_found:
            index: dict[str, FileRecord] = hit.value
            return index
    index = _read_index(key)
    if cache is not None:
        cache.set(key, index)
    return index


def _course_id(course_key: object) -> str:
    """The course's key as the CourseFile rows hold it: no branch, no version (Split's keys carry them)."""
    if getattr(course_key, "org", None) is not None and hasattr(course_key, "version_agnostic"):
        return str(course_key.for_branch(None).version_agnostic())  # type: ignore[attr-defined]
    return str(course_key)


def forget_course_files() -> None:
    """Drop this request's indexes (a publish in the same request must be seen by the next find)."""
    RequestCache(REQUEST_CACHE_NAMESPACE).clear()


def open_file(record: FileRecord) -> IO[bytes]:
    """The bytes, opened for reading from Learning Core's storage (seekable on every Django storage)."""
    handle: IO[bytes] = record.media.read_file()
    return handle


def course_files_among(entity_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(course key, asset name) of the course files among ``entity_ids`` (what a publish changed)."""
    return [
        (str(course_key), name)
        for course_key, name in CourseFile.objects.filter(entity_id__in=list(entity_ids)).values_list(
            "binding__course_key", "legacy_path"
        )
    ]


def published_files() -> QuerySet[CourseFile]:
    """Course files whose published version holds their bytes (one row per file), in any course."""
    return CourseFile.objects.filter(**{f"{_PUBLISHED}__isnull": False, f"{_MEDIA}__path": F("legacy_path")})


def _read_index(course_key: str) -> dict[str, FileRecord]:
    rows = (
        published_files()
        .filter(binding__course_key=course_key)
        .values_list(
            "legacy_path",
            "import_path",
            "display_name",
            "content_type",
            "locked",
            "md5",
            "media_id",
            f"{_MEDIA}__media_id",
            f"{_MEDIA}__media__size",
            f"{_MEDIA}__media__hash_digest",
            f"{_PUBLISHED}__created",
            "binding__learning_package__uuid",
        )
    )
    # In code point order, as Split's SortedAssetList orders names (sorted here: a database's
    # collation, MariaDB's *_unicode_ci or one without ORDER BY, is not that order).
    index: dict[str, FileRecord] = {}
    package: LearningPackage | None = None
    for (
        name,
        import_path,
        display,
        ctype,
        locked,
        md5,
        md5_media,
        media_id,
        size,
        digest,
        created,
        uuid,
    ) in sorted(rows, key=lambda row: row[0]):
        if package is None:
            package = LearningPackage(uuid=uuid)
        index[name] = FileRecord(
            name=name,
            import_path=import_path,
            display_name=display,
            content_type=ctype,
            locked=locked,
            content_digest=md5 if md5_media == media_id else None,
            length=size,
            last_modified_at=created,
            package=package,
            hash_digest=digest,
        )
    return index


def forget_cached_files(changed: Iterable[tuple[str, str]]) -> None:
    """
    After a commit that changed course files (``(course key, asset name)``): the platform's
    contentserver keeps small files in its ``course_assets`` cache by asset key, bytes, digest and
    ``locked`` included, so each changed one is dropped there (when running inside the platform),
    and this request's indexes are dropped here. Never raises: the cache's own expiry is the backstop.
    """
    changed = list(changed)
    if not changed:
        return
    forget_course_files()
    try:
        from opaque_keys.edx.keys import CourseKey
        from openedx.core.djangoapps.contentserver.caching import del_cached_content
    except ImportError:  # not inside edx-platform: no contentserver cache to drop
        return
    for course_key, name in changed:
        try:
            del_cached_content(CourseKey.from_string(course_key).make_asset_key("asset", name))
        except Exception:
            log.warning(
                "Could not drop %s of %s from the course assets cache", name, course_key, exc_info=True
            )
