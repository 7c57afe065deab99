# Over 400 lines: the import's one transaction, read export to publish, on one importer holding its state.
"""
Import an OLX course export into Learning Core, through its public API only.

The whole export is read and checked first (``compile.olx_export``, then :mod:`.preflight`);
then, in one transaction, every block is compared with the entity's current draft and gets a new
version only if it changed, and the result is published. Re-importing an unchanged export
therefore writes nothing and publishes nothing, and a changed export publishes exactly what
changed, which is what keeps compiles incremental downstream.

Every failure is an :class:`OlxImportError` naming the file (and line, and key when there is
one), after which nothing has been written but the import's report (:mod:`.reports`) and the
database connection is as usable as before: a Celery worker or a shell can import the next course.
The export's problems that do not stop an import (values a field cannot read, what the reader
found) are all listed, with file, line and block, in ``ImportResult.problems`` and the report;
``strict=True`` refuses an export that has any of severity error or warning.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from opaque_keys.edx.keys import CourseKey
from openedx_content import api as content_api
from openedx_content.models_api import (
    Component,
    ComponentVersionMedia,
    Container,
    ContainerVersion,
    EntityListRow,
    LearningPackage,
    PublishableEntity,
    Section,
    Subsection,
    Unit,
)
from tqdm import tqdm

from compile.fields import RealizedFields, realize_fields
from compile.import_report import ERROR, WARNING, ImportProblem
from compile.olx_export import (
    OlxBlock,
    OlxCourse,
    OlxError,
    olx_export_folder,
    read_course_export,
    serialize_element,
)
from compile.static_files import CourseFiles, read_static_files
from compile.vocabulary import OUTLINE_LEVELS, ROOT_KEY

from .. import conf
from ..courses.models import BlockEntity, CourseBinding, CourseOutline, VersionFieldData
from ..storage.course_files import forget_cached_files
from .course_files import FileCounts, FileWriter, without_oversized
from .outline_levels import held_by_learning_core, written_order
from .preflight import (
    check_columns,
    component_code,
    container_code,
    course_key_of,
    export_limits,
    import_problems,
    title_of,
)
from .reports import ImportAttempt, record_imported, record_refused, refusal_problem

__all__ = ["ImportResult", "OlxImportError", "StrictRefusal", "import_course", "import_olx"]

OlxImportError = OlxError

_LEVEL_CLASSES: dict[str, type[Container]] = {
    "course": CourseOutline,
    "chapter": Section,
    "sequential": Subsection,
    "vertical": Unit,
}
_CONTAINER_CLASSES: dict[str, type[Container]] = {
    tag: _LEVEL_CLASSES[level] for tag, level in OUTLINE_LEVELS.items()
}


@dataclass(slots=True)
class ImportResult:
    course_key: CourseKey
    learning_package_id: int
    publish_log_id: int | None  # None when the export matched what was already published
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    # Every problem of the export, each naming its file, line and block and saying what the
    # import did instead (fields restricting access fail closed); also stored in the report.
    problems: list[ImportProblem] = field(default_factory=list)
    report_id: int | None = None  # the stored ImportReport
    files: FileCounts = field(default_factory=FileCounts)  # the course files (static/)

    @property
    def blocks(self) -> int:
        return self.created + self.changed + self.unchanged


class StrictRefusal(OlxError):
    """``strict=True`` and the export has problems of severity error or warning."""


def import_olx(
    path: str | Path,
    course_key: str | CourseKey | None = None,
    *,
    user_id: int | None = None,
    progress: bool | None = None,
    strict: bool = False,
) -> ImportResult:
    """
    Import (or re-import) the export at ``path`` (a folder or a ``.tar.gz``) and publish it.

    The course key defaults to the export's own org/course/run. Raises :class:`OlxImportError`
    naming the file and line of the first problem; nothing is written in that case but the
    import's report. ``strict`` refuses an export with any problem of severity error or warning
    (notes do not count), listing them all. Either way the import is reported
    (:class:`~.models.ImportReport`).
    """
    attempt = ImportAttempt(str(path), user_id, strict)
    with ExitStack() as unpacked:
        try:
            limits = export_limits()
            folder = unpacked.enter_context(olx_export_folder(Path(path), limits))
            course = read_course_export(folder, limits, error_blocks=conf.IMPORT_ERROR_BLOCKS.value)
            files = read_static_files(folder, limits)
        except OlxError as exc:
            record_refused(
                attempt, "" if course_key is None else str(course_key), exc, [refusal_problem(exc)]
            )
            raise
        # While the folder exists: the course files of an unpacked archive are read as they are written.
        return _import_read(course, course_key, attempt, progress, files, folder)


def import_course(
    course: OlxCourse,
    course_key: str | CourseKey | None = None,
    *,
    user_id: int | None = None,
    progress: bool | None = None,
    strict: bool = False,
    source: str = "",
    files: CourseFiles | None = None,
    folder: Path | None = None,
) -> ImportResult:
    """
    Import (or re-import) a course already read (``compile.olx_export``) and publish it: what
    :func:`import_olx` does once the export is read, for callers holding an ``OlxCourse``.
    ``source`` is what the report names as where the course came from; ``files`` the course files
    read from the export at ``folder`` (``compile.static_files``), none when not given.
    """
    attempt = ImportAttempt(source, user_id, strict)
    return _import_read(course, course_key, attempt, progress, files or CourseFiles((), ()), folder)


def _import_read(
    course: OlxCourse,
    course_key: str | CourseKey | None,
    attempt: ImportAttempt,
    progress: bool | None,
    files: CourseFiles,
    folder: Path | None,
) -> ImportResult:
    key_text = "" if course_key is None else str(course_key)
    problems: list[ImportProblem] = []
    try:
        key = course_key_of(course, course_key)
        key_text = str(key)
        held = held_by_learning_core(course, _CONTAINER_CLASSES)
        # Children before parents, each block once however many parents list it; cycles refused
        # here, before anything else walks the course.
        blocks = written_order(held)
        check_columns(course)
        storable, too_big = without_oversized(files)
        problems = [*import_problems(course), *files.problems, *too_big]
        if attempt.strict:
            _refuse_if_any(problems)
        show_progress = sys.stderr.isatty() if progress is None else progress
        return _import(held, blocks, key, attempt, problems, show_progress, (storable, folder))
    except OlxError as exc:
        refused = problems if isinstance(exc, StrictRefusal) else [*problems, refusal_problem(exc)]
        record_refused(attempt, key_text, exc, refused)
        raise


def _import(
    course: OlxCourse,
    blocks: list[OlxBlock],
    key: CourseKey,
    attempt: ImportAttempt,
    problems: list[ImportProblem],
    progress: bool,
    files: tuple[CourseFiles, Path | None],
) -> ImportResult:
    try:
        with transaction.atomic():
            result = _Importer(course, blocks, key, attempt.user_id, progress, files).run(problems)
            if attempt.strict:  # problems the writing found (a file that could not be read)
                _refuse_if_any(result.problems)
            result.report_id = record_imported(attempt, result).id
            touched = [(str(key), name) for name in result.files.touched]
            transaction.on_commit(lambda: forget_cached_files(touched), robust=True)
            return result
    except Exception:
        # Learning Core caches ContainerType rows on its classes; the first import of a database
        # creates them, and rolling it back would leave every later import pointing at rows that
        # no longer exist.
        Container.reset_cache()
        raise


def _refuse_if_any(problems: list[ImportProblem]) -> None:
    refusing = [problem for problem in problems if problem.severity in (ERROR, WARNING)]
    if refusing:
        listed = "\n".join(f"  {problem}" for problem in refusing)
        raise StrictRefusal(
            "--strict",
            f"{len(refusing)} problem(s) of severity error or warning refuse the import:\n{listed}",
        )


@dataclass(slots=True)
class _Current:
    """What an entity's draft holds now, to decide whether the import changes it."""

    entity_id: int
    version_id: int | None
    title: str = ""
    olx: str | None = None
    children: list[int] = field(default_factory=list)
    fields: tuple[dict[str, Any], dict[str, Any]] | None = None
    xml_filenames: dict[str, list[str | None]] = field(default_factory=dict)


class _Importer:
    def __init__(
        self,
        course: OlxCourse,
        blocks: list[OlxBlock],
        key: CourseKey,
        user_id: int | None,
        progress: bool,
        files: tuple[CourseFiles, Path | None] = (CourseFiles((), ()), None),
    ) -> None:
        self.course = course
        self.files, self.folder = files
        self.blocks = blocks
        self.key = key
        self.user_id = user_id
        self.progress = progress
        self.now = datetime.now(tz=UTC)
        self.result: ImportResult
        self._media_types: dict[str, int] = {}
        self._component_types: dict[str, Any] = {}
        self._mapped: list[BlockEntity] = []  # written at the end of each level
        self._fields: list[VersionFieldData] = []
        self._moved: dict[int, dict[str, list[str | None]]] = {}  # entity id -> its new xml_filenames

    def run(self, problems: list[ImportProblem]) -> ImportResult:
        binding = self.binding()
        lp_id = binding.learning_package_id
        # The caller's own list: if the writing adds problems and is refused, the report has them.
        self.result = ImportResult(self.key, lp_id, None, problems=problems)
        current = self.current_state(binding)
        entities: dict[tuple[str, str], int] = {}
        levels = _by_level(self.blocks)

        def components_and_files() -> None:
            self.write_level(binding, levels[0], current, entities)
            writer = FileWriter(binding, self.folder, self.now, self.user_id, self.result.problems)
            self.result.files = writer.write(self.files)

        # One draft change log per outline level, deepest first: when Learning Core computes a
        # log's side effects (for every entity it names, the drafts that list it), the containers
        # this import creates do not exist yet, so it finds none to record for them. In one log,
        # that walk up the tree was half of the import's queries.
        self.in_change_log(lp_id, components_and_files)  # always: the files decide their own changes
        for level in levels[1:]:
            plans = [(block, self.container_plan(block, current.get(block.key), entities)) for block in level]
            if all(isinstance(plan, int) for _, plan in plans):  # unchanged: the entity ids
                entities.update((block.key, cast(int, plan)) for block, plan in plans)
            else:
                self.in_change_log(lp_id, partial(self.write_containers, binding, plans, entities))
        gone = [s.entity_id for k, s in current.items() if k not in entities and s.version_id is not None]
        if gone:
            self.in_change_log(lp_id, partial(self.delete, gone))
        root = _entity(entities[ROOT_KEY])
        if binding.root_id != root:
            binding.root_id = root
            binding.save(update_fields=["root"])
        if content_api.get_entities_with_unpublished_changes(lp_id, include_deleted_drafts=True).exists():
            log = content_api.publish_all_drafts(
                lp_id, message=f"OLX import of {self.key}", published_at=self.now, published_by=self.user_id
            )
            self.result.publish_log_id = log.id
        return self.result

    def in_change_log(self, lp_id: int, write: Callable[[], None]) -> None:
        """Run ``write`` in a draft change log of its own."""
        failure: Exception | None = None
        with content_api.bulk_draft_changes_for(
            cast(LearningPackage.ID, lp_id), changed_by=self.user_id, changed_at=self.now
        ):
            # Learning Core's context runs queries on exit, even after an error, and skips closing
            # its own atomic block if they fail: an error escaping it leaves the connection inside a
            # broken transaction for good. So errors are caught inside a savepoint, rolled back to
            # it, and raised once the context has exited on a usable connection.
            try:
                with transaction.atomic():
                    write()
            except Exception as exc:
                failure = exc
        if failure is not None:
            raise failure

    def write_level(
        self,
        binding: CourseBinding,
        blocks: list[OlxBlock],
        current: dict[tuple[str, str], _Current],
        entities: dict[tuple[str, str], int],
    ) -> None:
        for block in tqdm(blocks, desc=str(self.key), unit="block", disable=not self.progress):
            now = current.get(block.key)
            entities[block.key] = self.guarded(block, partial(self.write_component, binding, block, now))
        self.flush(binding)

    def write_containers(
        self,
        binding: CourseBinding,
        plans: list[tuple[OlxBlock, int | _ContainerPlan]],
        entities: dict[tuple[str, str], int],
    ) -> None:
        for block, plan in plans:
            if isinstance(plan, int):  # unchanged
                entities[block.key] = plan
            else:
                entities[block.key] = self.guarded(block, partial(self.write_container, binding, block, plan))
        self.flush(binding)

    def delete(self, gone: list[int]) -> None:
        for entity_id in gone:
            content_api.soft_delete_draft(_entity(entity_id), deleted_by=self.user_id)
            self.result.deleted += 1

    def flush(self, binding: CourseBinding) -> None:
        """The project's own rows of the level just written, in one insert each."""
        try:
            BlockEntity.objects.bulk_create(self._mapped, batch_size=conf.INSERT_BATCH_SIZE.value)
            VersionFieldData.objects.bulk_create(self._fields, batch_size=conf.INSERT_BATCH_SIZE.value)
            for entity_id, filenames in self._moved.items():  # rare: a block read from another file
                BlockEntity.objects.filter(entity_id=_entity(entity_id)).update(xml_filenames=filenames)
        except DatabaseError as exc:  # a constraint the checks before writing did not foresee
            names = ", ".join(f"{row.block_type}/{row.block_id}" for row in self._mapped[:5])
            raise OlxError(
                self.course.root.source,
                f"the database refused the blocks {names}...: ({type(exc).__name__}: {exc})",
            ) from exc
        self._mapped.clear()
        self._fields.clear()
        self._moved.clear()

    # --- the binding and what is there already --------------------------------------------

    def binding(self) -> CourseBinding:
        wanted = str(self.key)
        binding = self.existing_binding(wanted)
        if binding is not None:
            return binding
        try:
            with transaction.atomic():  # a savepoint: another first import of the course may win
                return self.new_binding(wanted)
        except (IntegrityError, ValidationError):
            # That import created the course first; the database made this one wait until it
            # committed, then refused the duplicate (or Learning Core's check saw it committed).
            # Import over it, as a re-import would.
            binding = self.existing_binding(wanted)
            if binding is None:
                raise
            return binding

    def existing_binding(self, wanted: str) -> CourseBinding | None:
        """The course's binding, locked until the import commits: imports of a course queue here."""
        binding = CourseBinding.matching(wanted).select_for_update().first()
        if binding is not None and str(binding.course_key) != wanted:
            raise OlxError(wanted, f"a course {binding.course_key} already exists (keys differ only by case)")
        return binding

    def new_binding(self, wanted: str) -> CourseBinding:
        package_ref = f"lc-modulestore:{wanted}"
        if content_api.learning_package_exists(package_ref):
            package = content_api.get_learning_package_by_ref(package_ref)
        else:
            package = content_api.create_learning_package(
                package_ref, title=title_of(self.course.root), created=self.now
            )
        return CourseBinding.objects.create(course_key=self.key, learning_package_id=package.id)

    def current_state(self, binding: CourseBinding) -> dict[tuple[str, str], _Current]:
        """Every mapped block's draft, read in a fixed number of queries."""
        rows = BlockEntity.objects.filter(binding=binding).values_list(
            "block_type",
            "block_id",
            "entity_id",
            "entity__draft__version_id",
            "entity__draft__version__title",
            "xml_filenames",
        )
        state = {
            (t, i): _Current(e, v, title or "", xml_filenames=filenames)
            for t, i, e, v, title, filenames in rows
        }
        by_version = {s.version_id: s for s in state.values() if s.version_id is not None}
        for version_id, text in ComponentVersionMedia.objects.filter(
            component_version_id__in=by_version, path="block.xml"
        ).values_list("component_version_id", "media__text"):
            by_version[version_id].olx = text
        lists = dict(ContainerVersion.objects.filter(pk__in=by_version).values_list("pk", "entity_list_id"))
        children: dict[int, list[int]] = {}
        for list_id, entity_id in (
            EntityListRow.objects.filter(entity_list_id__in=set(lists.values()))
            .order_by("entity_list_id", "order_num")
            .values_list("entity_list_id", "entity_id")
        ):
            children.setdefault(list_id, []).append(entity_id)
        for version_id, list_id in lists.items():
            by_version[version_id].children = children.get(list_id, [])
        for version_id, settings, content in VersionFieldData.objects.filter(
            version_id__in=by_version
        ).values_list("version_id", "settings", "content"):
            by_version[version_id].fields = (settings, content)
        return state

    # --- writing ------------------------------------------------------------------------

    def guarded(self, block: OlxBlock, write: Callable[[], int]) -> int:
        """``write()``, its errors named by the block's file, line and key."""
        try:
            return write()
        except ValidationError as exc:
            raise OlxError(
                block.source,
                f"{block.block_type}/{block.block_id}: {'; '.join(exc.messages)}",
                key=block.block_id,
            ) from exc
        except DatabaseError as exc:  # a constraint the checks before writing did not foresee
            raise OlxError(
                block.source,
                f"{block.block_type}/{block.block_id}: the database refused it ({type(exc).__name__}: {exc})",
                key=block.block_id,
            ) from exc

    def write_component(self, binding: CourseBinding, block: OlxBlock, now: _Current | None) -> int:
        olx = serialize_element(block.element)
        title = title_of(block)
        same_files = now is not None and self.same_xml_filenames(block, now)
        if (
            now is not None
            and now.version_id is not None
            and (now.olx, now.title) == (olx, title)
            and same_files
        ):
            self.result.unchanged += 1
            return now.entity_id
        lp_id = binding.learning_package_id
        media_type_id = self.media_type_id(block.block_type)
        media = content_api.get_or_create_text_media(lp_id, media_type_id, text=olx, created=self.now)
        if now is not None:
            content_api.create_next_component_version(
                cast(Component.ID, now.entity_id),
                media_to_replace={"block.xml": media.id},
                created=self.now,
                title=title,
                created_by=self.user_id,
            )
            self.result.changed += 1
            return now.entity_id
        component_type = self.component_type(block.block_type)
        component, _ = content_api.create_component_and_version(
            lp_id,
            component_type=component_type,
            component_code=component_code(block.block_id),
            title=title,
            created=self.now,
            created_by=self.user_id,
            media={"block.xml": media.id},
        )
        self.map_block(binding, block, component.id)
        self.result.created += 1
        return component.id

    def container_plan(
        self, block: OlxBlock, now: _Current | None, entities: dict[tuple[str, str], int]
    ) -> int | _ContainerPlan:
        """The container's entity id when the export leaves it as it is, else what to write."""
        # Every level below is written by now: a child still missing sits at this level or above.
        stray = [c for c in block.children if c.key not in entities]
        if stray:
            raise OlxError(
                block.source,
                f"{block.block_type}/{block.block_id}: {stray[0].block_type}/{stray[0].block_id} cannot be"
                f" a child of a {block.block_type} (each container lists blocks of the level below it)",
                key=block.block_id,
            )
        children = [entities[c.key] for c in block.children]
        settings, content = self.container_fields(block)
        title = title_of(block)
        if now is not None and now.version_id is not None:
            same_children = now.children == children
            same_files = self.same_xml_filenames(block, now)
            if same_children and now.title == title and now.fields == (settings, content) and same_files:
                self.result.unchanged += 1
                return now.entity_id
        return _ContainerPlan(now, children, title, settings, content)

    def write_container(self, binding: CourseBinding, block: OlxBlock, plan: _ContainerPlan) -> int:
        now, children = plan.now, plan.children
        # Learning Core needs only the ids of the entities it lists.
        ordered = [PublishableEntity(id=_entity(entity_id)) for entity_id in children]
        if now is not None:
            version = content_api.create_next_container_version(
                cast(Container.ID, now.entity_id),
                title=plan.title,
                entities=None if now.version_id is not None and now.children == children else ordered,
                created=self.now,
                created_by=self.user_id,
            )
            entity_id = now.entity_id
            self.result.changed += 1
        else:
            code = container_code(block.block_type, block.block_id)
            container, version = content_api.create_container_and_version(
                binding.learning_package_id,
                code,
                title=plan.title,
                container_cls=_CONTAINER_CLASSES[block.block_type],
                entities=ordered,
                created=self.now,
                created_by=self.user_id,
            )
            entity_id = container.id
            self.map_block(binding, block, entity_id)
            self.result.created += 1
        self._fields.append(
            VersionFieldData(version_id=version.pk, settings=plan.settings, content=plan.content)
        )
        return entity_id

    def media_type_id(self, block_type: str) -> int:
        """Looked up once per type and import: thousands of components share a handful of types."""
        if block_type not in self._media_types:
            media_type = content_api.get_or_create_media_type(
                f"application/vnd.openedx.xblock.v1.{block_type}+xml"
            )
            self._media_types[block_type] = media_type.id
        return self._media_types[block_type]

    def component_type(self, block_type: str) -> Any:
        if block_type not in self._component_types:
            self._component_types[block_type] = content_api.get_or_create_component_type(
                "xblock.v1", block_type
            )
        return self._component_types[block_type]

    def container_fields(self, block: OlxBlock) -> tuple[dict[str, Any], dict[str, Any]]:
        """Settings from the OLX attributes, then policy.json on top (already JSON-typed there)."""
        realized: RealizedFields = realize_fields(block.block_type, block.element, block.policy)
        settings = dict(realized.settings)
        content = dict(realized.content)
        if block.block_type == "course":
            content["grading_policy"] = self.course.grading_policy
        return settings, content

    def same_xml_filenames(self, block: OlxBlock, now: _Current) -> bool:
        """Whether the block was read from the same files as last time (else :meth:`flush` records them)."""
        filenames = _xml_filenames(block)
        if now.xml_filenames == filenames:
            return True
        self._moved[now.entity_id] = filenames
        return False

    def map_block(self, binding: CourseBinding, block: OlxBlock, entity_id: int) -> None:
        """Inserted with the rest of its level's (:meth:`flush`)."""
        self._mapped.append(
            BlockEntity(
                binding=binding,
                block_type=block.block_type,
                block_id=block.block_id,
                entity_id=entity_id,
                xml_filenames=_xml_filenames(block),
            )
        )


@dataclass(slots=True)
class _ContainerPlan:
    """A container the export changes (or adds): what its new version holds."""

    now: _Current | None
    children: list[int]
    title: str
    settings: dict[str, Any]
    content: dict[str, Any]


def _by_level(blocks: list[OlxBlock]) -> list[list[OlxBlock]]:
    """
    ``blocks`` (children before parents) grouped by outline level, deepest first: components,
    then units, subsections, sections and the course. Each container lists only entities of the
    level below it (Learning Core's rule, :mod:`.outline_levels`), so each group is written after
    everything it lists.
    """
    depth = {cls: level for level, cls in enumerate(_LEVEL_CLASSES.values())}
    grouped: list[list[OlxBlock]] = [[] for _ in range(len(depth) + 1)]
    for block in blocks:
        cls = _CONTAINER_CLASSES.get(block.block_type)
        grouped[len(depth) - (depth[cls] if cls is not None else len(depth))].append(block)
    return [grouped[0], *(level for level in grouped[1:] if level)]


def _xml_filenames(block: OlxBlock) -> dict[str, list[str | None]]:
    """As the JSON column holds them (lists), so that they compare with what it holds."""
    return {key: list(filename) for key, filename in block.xml_filenames.items()}


def _entity(entity_id: int) -> PublishableEntity.ID:
    return cast(PublishableEntity.ID, entity_id)
