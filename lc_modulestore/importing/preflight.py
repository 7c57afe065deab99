"""
What the importer settles before it writes anything: the Learning Core code each block gets,
that every name fits the columns it goes into, and every problem of the export (the reader's,
and the values the course's fields cannot read) for the import's report.

The columns are checked here rather than left to the database because the databases disagree:
SQLite stores a 300-character url_name that MariaDB refuses (or, without strict mode, truncates).
Checked here, both refuse it with the same error, naming the file and the url_name, before the
first row is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

from lxml import etree
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator
from openedx_content.models_api import Component, ComponentType, Container, PublishableEntityVersion

from compile.export_files import ExportLimits, split_where
from compile.fields import RealizedFields, realize_fields
from compile.import_report import NOTE, WARNING, ImportProblem
from compile.olx_export import OlxBlock, OlxCourse, OlxError
from compile.vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES, NON_BLOCK_CHILDREN

from .. import conf
from ..courses.models import BlockEntity, CourseBinding
from ..parsing.records import absent_class_notes

__all__ = [
    "check_columns",
    "component_code",
    "container_code",
    "course_key_of",
    "export_limits",
    "import_problems",
    "title_of",
    "unreadable_problems",
]

_CODE_OK = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _max_length(model: type, name: str) -> int:
    length: int = model._meta.get_field(name).max_length  # type: ignore[attr-defined]  # Django model meta
    return length


_BLOCK_TYPE_MAX = min(_max_length(BlockEntity, "block_type"), _max_length(ComponentType, "name"))
_BLOCK_ID_MAX = _max_length(BlockEntity, "block_id")
_COMPONENT_CODE_MAX = _max_length(Component, "component_code")
_CONTAINER_CODE_MAX = _max_length(Container, "container_code")
_COURSE_KEY_MAX = _max_length(CourseBinding, "course_key")
TITLE_MAX = _max_length(PublishableEntityVersion, "title")


def export_limits() -> ExportLimits:
    """How big an export may be (``compile.export_files.ExportLimits``), from this site's settings."""
    return ExportLimits(
        max_bytes=conf.ARCHIVE_MAX_BYTES.value,
        max_members=conf.ARCHIVE_MAX_MEMBERS.value,
        max_file_bytes=conf.IMPORT_FILE_MAX_BYTES.value,
        max_blocks=conf.IMPORT_MAX_BLOCKS.value,
    )


def component_code(block_id: str) -> str:
    """A Learning Core code for a Split block id: the id itself when it fits, else a stable slug."""
    if _CODE_OK.match(block_id):
        return block_id
    digest = hashlib.blake2b(block_id.encode(), digest_size=4).hexdigest()
    return f"{re.sub(r'[^A-Za-z0-9_.\-]', '_', block_id)}-{digest}"


def container_code(block_type: str, block_id: str) -> str:
    return "course" if block_type == "course" else f"{block_type}.{component_code(block_id)}"


def course_key_of(course: OlxCourse, given: str | CourseKey | None) -> CourseKey:
    """The key to import as: ``given`` (a plain course-v1 key), else the export's own; it must fit."""
    if given is None:
        try:
            own = CourseLocator(course.org, course.course, course.run)
        except InvalidKeyError as exc:
            raise OlxError(
                "course.xml", f"org, course and url_name do not make a valid course key ({exc})"
            ) from exc
        _key_fits(str(own), "course.xml")
        return own
    try:
        key = given if isinstance(given, CourseKey) else CourseKey.from_string(given)
    except InvalidKeyError as exc:
        raise OlxError("--course-key", f"{given!r} is not a valid course key") from exc
    if not isinstance(key, CourseLocator) or key.deprecated or key.branch or key.version_guid:
        raise OlxError("--course-key", f"{given!r}: use a plain course-v1 key, without branch or version")
    _key_fits(str(key), "--course-key")
    return key


def _key_fits(course_key: str, where: str) -> None:
    if len(course_key) > _COURSE_KEY_MAX:
        raise OlxError(
            where,
            f"the course key {course_key!r} is {len(course_key)} characters; at most {_COURSE_KEY_MAX} fit",
            key=course_key,
        )


def check_columns(course: OlxCourse) -> None:
    """Every block's type, id and Learning Core code fit their columns, on every database alike."""
    for block in course.blocks():
        _fits(block, "block type", block.block_type, _BLOCK_TYPE_MAX)
        _fits(block, "url_name", block.block_id, _BLOCK_ID_MAX)
        if block.is_container:
            code = container_code(block.block_type, block.block_id)
            _fits(block, "url_name (as a Learning Core container code)", code, _CONTAINER_CODE_MAX)
        else:
            _fits(
                block,
                "url_name (as a Learning Core component code)",
                component_code(block.block_id),
                _COMPONENT_CODE_MAX,
            )


def _fits(block: OlxBlock, what: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise OlxError(
            block.source,
            f"{block.block_type}/{block.block_id[:60]}...: the {what} is {len(value)} characters long;"
            f" Learning Core holds at most {limit}",
            key=block.block_id,
        )


def title_of(block: OlxBlock) -> str:
    """The entity title (a label; the full display_name stays in the block's fields), cut to fit."""
    return block.display_name[:TITLE_MAX]


def import_problems(course: OlxCourse) -> list[ImportProblem]:
    """
    Every problem of the export, in the report's order: what the reader found, then what the
    importer finds (values the fields cannot read, titles cut), block by block in
    document order. Computed before anything is written, so ``--strict`` refuses an export
    without opening a transaction.
    """
    problems = list(course.problems)
    for block in course.blocks():
        problems.extend(unreadable_problems(block))
        problems.extend(absent_class_notes(block))  # read by the rule table: its XBlock class is absent
        if len(block.display_name) > TITLE_MAX:
            file, line = split_where(block.source)
            problems.append(
                ImportProblem(
                    NOTE,
                    file,
                    line or 0,
                    _key(block.key),
                    f"display_name is {len(block.display_name)} characters",
                    f"Learning Core's title keeps the first {TITLE_MAX}; the block's display_name is whole",
                )
            )
    return problems


def unreadable_problems(block: OlxBlock) -> list[ImportProblem]:
    """
    One warning per value the block's fields cannot read, at the file and line it came from
    (the OLX, or policy.json), saying what was done instead. Components are read here as the
    compiler will read their block.xml, inline children (a split_test's verticals...) included;
    a container, as the importer will store its settings.
    """
    problems: list[ImportProblem] = []
    for key, fields in _realized(block):
        for unreadable in fields.unreadable:
            from_policy = unreadable.from_policy or (
                key == block.key and unreadable.name in block.policy_keys
            )
            where = block.policy_source if from_policy and block.policy_source else block.source
            file, line = split_where(where)
            problems.append(
                ImportProblem(WARNING, file, line or 0, _key(key), unreadable.what(), unreadable.action())
            )
    return problems


def _key(key: tuple[str, str]) -> str:
    return "/".join(key)


def _realized(block: OlxBlock) -> Iterator[tuple[tuple[str, str], RealizedFields]]:
    if block.is_container:
        yield block.key, realize_fields(block.block_type, block.element, block.policy)
        return
    yield from _element_fields(block.key, block.element)


def _element_fields(
    key: tuple[str, str], element: etree._Element
) -> Iterator[tuple[tuple[str, str], RealizedFields]]:
    yield key, realize_fields(key[0], element)
    if key[0] not in CONTAINER_TYPES | BLOCK_TYPES_WITH_CHILDREN:
        return
    for child in element:
        if isinstance(child.tag, str) and child.tag not in NON_BLOCK_CHILDREN:
            yield from _element_fields((child.tag, child.get("url_name") or "?"), child)
