"""
The public Python API of lc-modulestore. Everything not listed in ``__all__`` is internal.

Import a course (:func:`import_olx`), compile its latest publish (:func:`compile_course`; this also
happens by itself after every Learning Core publish), and read what was compiled
(:func:`compiled_course`) or what is published right now (:func:`published_course`), and what
the last import of a course found (:func:`last_import_report`). Each course also has a draft
branch (its drafts, for the LMS preview), compiled after every draft change and publish:
``branch=DRAFT_BRANCH`` in the same calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator

from compile.import_report import ImportProblem
from compile.snapshot import SnapshotError
from compile.structure import compile_snapshot
from compile.vocabulary import DRAFT_BRANCH, PUBLISHED_BRANCH, ROOT_KEY

from .compiling.compile_draft import compile_bound_drafts
from .compiling.compile_publish import CompileReport, compile_bound_course, course_published
from .compiling.published_state import read_published_state
from .courses.models import CourseBinding
from .importing.course_files import FileCounts
from .importing.importer import ImportResult, OlxImportError, import_olx
from .importing.models import ImportReport
from .importing.reports import last_report
from .operations.course_files import course_file_list
from .storage.codec import decode_definition, decode_structure
from .storage.course_files import FileRecord
from .storage.models import CompiledDefinition, CourseIndex

__all__ = [
    "DRAFT_BRANCH",
    "PUBLISHED_BRANCH",
    "BlockView",
    "CompileReport",
    "CourseNotFound",
    "CourseView",
    "FileCounts",
    "FileRecord",
    "ImportProblem",
    "ImportReport",
    "ImportResult",
    "OlxImportError",
    "SnapshotError",
    "compile_course",
    "compiled_course",
    "course_files",
    "course_published",
    "get_binding",
    "import_olx",
    "last_import_report",
    "published_course",
]


class CourseNotFound(LookupError):
    """No course with that key is served from Learning Core (or it has not been compiled)."""


@dataclass(slots=True)
class BlockView:
    block_type: str
    block_id: str
    fields: dict[str, Any]  # explicitly set settings fields (Split's block ``fields``), children excluded
    children: list[str]  # "type/id", in order
    definition: dict[str, Any] = field(default_factory=dict)  # content fields

    @property
    def display_name(self) -> str | None:
        return self.fields.get("display_name")

    def as_json(self) -> dict[str, Any]:
        return {"fields": self.fields, "children": self.children, "definition": self.definition}


@dataclass(slots=True)
class CourseView:
    """A course as Split documents describe it, keyed ``"type/id"``; the root is ``course/course``."""

    course_key: str
    structure_id: str
    publish_log_id: int  # on the draft branch: of the published structure it was compared with
    blocks: dict[str, BlockView]
    branch: str = PUBLISHED_BRANCH
    draft_change_log_id: int | None = None  # the draft branch's

    @property
    def root(self) -> BlockView:
        return self.blocks["/".join(ROOT_KEY)]

    def outline(self) -> list[str]:
        """The outline a learner would see, indented by depth, then the detached pages."""
        source = f"PublishLog {self.publish_log_id}"
        if self.branch == DRAFT_BRANCH:
            source = f"{self.branch}: DraftChangeLog {self.draft_change_log_id}, against {source}"
        lines = [f"{self.course_key}  structure {self.structure_id}  ({source})"]
        reachable: set[str] = set()

        def visit(key: str, depth: int) -> None:
            reachable.add(key)
            block = self.blocks.get(key)
            if block is None:  # a show target the course does not hold: the LMS skips it too
                return
            lines.append(
                f"{'  ' * depth}{block.block_type:<16} {block.display_name or ''}  [{block.block_id}]"
            )
            for child in block.children:
                visit(child, depth + 1)

        visit("/".join(ROOT_KEY), 0)
        detached = [key for key in self.blocks if key not in reachable]
        if detached:
            lines.append("detached: " + ", ".join(detached))
        return lines

    def as_json(self) -> dict[str, Any]:
        drafts = {"draft_change_log_id": self.draft_change_log_id} if self.branch == DRAFT_BRANCH else {}
        return {
            "course_key": self.course_key,
            "structure_id": self.structure_id,
            "publish_log_id": self.publish_log_id,
            **drafts,
            "blocks": {key: block.as_json() for key, block in self.blocks.items()},
        }


def get_binding(course_key: str | CourseKey, /) -> CourseBinding:
    """The binding of a course key (case-insensitive, as Split matches course keys)."""
    try:
        key = course_key if isinstance(course_key, CourseKey) else CourseKey.from_string(course_key)
    except InvalidKeyError as exc:
        raise CourseNotFound(f"{course_key!r} is not a valid course key") from exc
    if not isinstance(key, CourseLocator):
        raise CourseNotFound(f"{key} is not a course-v1 key")
    bare_key = str(key.for_branch(None).replace(version_guid=None))
    binding = CourseBinding.matching(bare_key).select_related("learning_package").first()
    if binding is None:
        raise CourseNotFound(f"no course {key} in Learning Core")
    return binding


def last_import_report(course_key: str | CourseKey, /) -> ImportReport | None:
    """
    The newest report of the course's imports, or None: refused imports too (a refused first
    import leaves a report and no course). Its ``problems`` are :class:`ImportProblem` records.
    """
    return last_report(str(course_key))


def compile_course(
    course_key: str | CourseKey, /, *, full: bool = False, branch: str = PUBLISHED_BRANCH
) -> CompileReport:
    """
    Compile the course's latest publish now (a no-op when already current, unless ``full``); on
    the draft branch, its latest drafts against its live published structure.
    """
    binding = get_binding(course_key)
    if branch == DRAFT_BRANCH:
        return compile_bound_drafts(binding, full=full)
    return compile_bound_course(binding, full=full)


def compiled_course(
    course_key: str | CourseKey, /, *, definitions: bool = True, branch: str = PUBLISHED_BRANCH
) -> CourseView:
    """What the store serves: the live compiled structure (and its definitions) of the course."""
    binding = get_binding(course_key)
    pointer = "draft_structure" if branch == DRAFT_BRANCH else "published_structure"
    index = CourseIndex.objects.select_related(pointer).filter(binding=binding).first()
    row = getattr(index, pointer) if index is not None else None
    if row is None:
        raise CourseNotFound(f"{binding.course_key} has no compiled {branch}")
    structure = decode_structure(bytes(row.data))
    contents: dict[str, dict[str, Any]] = {}
    if definitions:
        for object_id, data in CompiledDefinition.objects.filter(binding=binding).values_list(
            "object_id", "data"
        ):
            contents[object_id] = decode_definition(bytes(data))["fields"]
    view = _view(str(binding.course_key), row.publish_log_id, structure, contents)
    view.branch, view.draft_change_log_id = row.branch, row.draft_change_log_id
    return view


def published_course(course_key: str | CourseKey, /) -> CourseView:
    """The course as published in Learning Core right now, compiled in memory (nothing stored)."""
    binding = get_binding(course_key)
    snapshot = read_published_state(binding)
    compiled = compile_snapshot(snapshot)
    contents = {str(oid): doc["fields"] for oid, doc in compiled.definitions.items()}
    return _view(str(binding.course_key), snapshot.publish_log_id, compiled.structure, contents)


def _view(
    course_key: str, publish_log_id: int, structure: dict[str, Any], contents: dict[str, Any]
) -> CourseView:
    blocks: dict[str, BlockView] = {}
    for block in structure["blocks"]:
        fields = dict(block["fields"])
        children = [f"{t}/{i}" for t, i in fields.pop("children", [])]
        blocks[f"{block['block_type']}/{block['block_id']}"] = BlockView(
            block["block_type"],
            block["block_id"],
            fields,
            children,
            contents.get(str(block["definition"]), {}),
        )
    return CourseView(course_key, str(structure["_id"]), publish_log_id, blocks)


def course_files(course_key: str | CourseKey) -> list[FileRecord]:
    """
    The course's published files (``static/`` of its export), in name order: what the LMS's
    contentstore serves for it once its flag is on (``lc_modulestore.contentstore``).
    """
    return course_file_list(str(course_key))
