"""
Which parser read what: recorded with the field-data cache, told by ``lc_show`` and the import
report, and found stale when the site's classes changed (``lc_compile --stale-parsers``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from lxml import etree

from compile.export_files import split_where
from compile.fields import cached_reading_fresh
from compile.import_report import NOTE, ImportProblem
from compile.olx_export import OlxBlock
from compile.vocabulary import BLOCK_TYPES_WITH_CHILDREN, CONTAINER_TYPES, NON_BLOCK_CHILDREN

from .. import conf
from ..courses.models import BlockEntity, CourseBinding, VersionFieldData
from .classes import BUILT_IN_TYPES
from .site import choice_for

__all__ = [
    "BlockParser",
    "absent_class_note",
    "absent_class_notes",
    "block_parsers",
    "course_parsers",
    "parser_name",
    "stale_readings",
]


def parser_name(parser: str, parser_version: int) -> str:
    """A cached reading's parser, as lc_show prints it."""
    return parser or f"rules/{parser_version}"


def course_parsers(binding: CourseBinding) -> Counter[tuple[str, str]]:
    """
    How many of the course's cached component readings each parser made, per block type (the
    containers' fields are the importer's, always the rule table's, and not counted).
    """
    counts: Counter[tuple[str, str]] = Counter()
    for (block_type, parser, number), n in _readings(binding).items():
        counts[block_type, parser_name(parser, number)] += n
    return counts


def _readings(binding: CourseBinding) -> Counter[tuple[str, str, int]]:
    rows = (
        VersionFieldData.objects.filter(
            version__entity__learning_package_id=binding.learning_package_id,
            version__entity__component__isnull=False,
        )
        .values_list("version__entity__component__component_type__name", "parser", "parser_version")
        .order_by()
    )
    return Counter(rows)


def stale_readings(bindings: Iterable[CourseBinding]) -> dict[CourseBinding, int]:
    """
    The courses holding component readings this process would make otherwise (a class installed,
    upgraded or mixed differently since, a newer rule table), with how many: a full compile reads
    them again.
    """
    stale: dict[CourseBinding, int] = {}
    for binding in bindings:
        count = sum(
            n
            for (block_type, _parser, number), n in _readings(binding).items()
            if not cached_reading_fresh(choice_for(block_type).identity, number)
        )
        if count:
            stale[binding] = count
    return stale


def absent_class_note(file: str, line: int, key: str, block_type: str) -> ImportProblem | None:
    """
    A note for a non-built-in block the rule table will read because its class is not usable
    here (not installed, failing to load); None when its class reads it, or classes are off.
    """
    if block_type in BUILT_IN_TYPES or not conf.PARSE_WITH_XBLOCK_CLASSES.value:
        return None  # classes turned off: the operator's choice, not a surprise to report per block
    choice = choice_for(block_type)
    if choice.block_class is not None:
        return None
    return ImportProblem(
        NOTE,
        file,
        line,
        key,
        f"read by the rule table, not by its XBlock class: {choice.reason}",
        "its attributes are its fields; its other child elements (a rubric, a prompt ...) are not read",
    )


def absent_class_notes(block: OlxBlock) -> list[ImportProblem]:
    """
    The import report's word on a component whose block (or an inline child block) the rule table
    reads because its class is not usable in this process: one note per such block.
    """
    if block.is_container:
        return []
    file, line = split_where(block.source)
    notes: list[ImportProblem] = []
    pending: list[tuple[etree._Element, str]] = [(block.element, "/".join(block.key))]
    while pending:
        element, key = pending.pop()
        note = absent_class_note(file, element.sourceline or line or 0, key, str(element.tag))
        if note is not None:
            notes.append(note)
        if element.tag in CONTAINER_TYPES | BLOCK_TYPES_WITH_CHILDREN:
            pending += [
                (child, f"{child.tag}/{child.get('url_name') or '?'}")
                for child in reversed(element)
                if isinstance(child.tag, str) and child.tag not in NON_BLOCK_CHILDREN
            ]
    return notes


@dataclass(frozen=True, slots=True)
class BlockParser:
    """Who read one published non-built-in component, and how this process would read it now."""

    block_type: str
    block_id: str
    parser: str  # "" when its published version has no reading cached (never compiled)
    now: str  # this process's parser for the type (a class identity, or the rule table and why)
    stale: bool  # a full compile would read it again

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def block_parsers(binding: CourseBinding) -> list[BlockParser]:
    """
    Every published component of a type the platform does not build in (a third-party XBlock's),
    with the parser its cached fields came from: lc_show's answer to "read by its class?".
    """
    rows = (
        BlockEntity.objects.filter(binding=binding, entity__component__isnull=False)
        .exclude(block_type__in=BUILT_IN_TYPES)
        .values_list(
            "block_type",
            "block_id",
            "entity__published__version__lc_field_data__parser",
            "entity__published__version__lc_field_data__parser_version",
        )
        .order_by("block_type", "block_id")
    )
    found: list[BlockParser] = []
    for block_type, block_id, parser, number in rows:
        choice = choice_for(block_type)
        now = choice.identity if choice.block_class is not None else f"{choice.identity}: {choice.reason}"
        name = parser_name(parser, number) if number is not None else ""
        fresh = cached_reading_fresh(choice.identity, number)
        found.append(BlockParser(block_type, block_id, name, now, stale=number is not None and not fresh))
    return found
