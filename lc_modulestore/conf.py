"""
Every ``LC_MODULESTORE_*`` setting, with its default and what it does: the one place that reads
them. Values are read on use, not at import, so ``override_settings`` and a settings change
between tests take effect at once. README.rst lists the same table for operators.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

__all__ = [
    "ALL_SETTINGS",
    "ARCHIVE_MAX_BYTES",
    "ARCHIVE_MAX_MEMBERS",
    "COMPILE_ASYNC",
    "COMPILE_COUNTDOWN",
    "COMPILE_DRAFTS",
    "COMPILE_QUEUE",
    "COMPILE_RETRIES",
    "IMPORT_ERROR_BLOCKS",
    "IMPORT_FILE_MAX_BYTES",
    "IMPORT_MAX_BLOCKS",
    "IMPORT_REPORTS_KEPT",
    "INSERT_BATCH_SIZE",
    "PARSE_WITH_XBLOCK_CLASSES",
    "RECENT_COMPILES_LRU_SIZE",
    "SERVE",
    "STRUCTURE_CACHE",
    "STRUCTURE_CACHE_CHUNK_SIZE",
    "STRUCTURE_INFO_LRU_SIZE",
    "STRUCTURE_LRU_BYTES",
    "STRUCTURE_LRU_SIZE",
    "Setting",
]


@dataclass(frozen=True, slots=True)
class Setting[T]:
    """One Django setting of this project: its name, its default, and a line on what it does."""

    name: str
    default: T
    help: str

    @property
    def value(self) -> T:
        value: T = getattr(settings, self.name, self.default)
        return value


SERVE = Setting(
    "LC_MODULESTORE_SERVE",
    False,
    "Read by the platform plugin as settings load: put LearningCoreModuleStore in MODULESTORE in place"
    " of Split, and LearningCoreContentStore in CONTENTSTORE in place of MongoContentStore, each over the"
    " store it replaces. Courses are still served from Learning Core only where their flag is on.",
)
COMPILE_ASYNC = Setting(
    "LC_MODULESTORE_COMPILE_ASYNC",
    False,
    "Compile publishes in a Celery task instead of right after the publish commits.",
)
COMPILE_QUEUE: Setting[str | None] = Setting(
    "LC_MODULESTORE_COMPILE_QUEUE",
    None,
    "Celery queue the compile task is sent to (None: the Celery app's own routing decides).",
)
COMPILE_COUNTDOWN = Setting(
    "LC_MODULESTORE_COMPILE_COUNTDOWN",
    0,
    "Seconds a queued compile waits before it runs: publishes within that window compile once.",
)
COMPILE_RETRIES = Setting(
    "LC_MODULESTORE_COMPILE_RETRIES",
    5,
    "Retries of a compile task after a transient database error (deadlock, lost connection).",
)
COMPILE_DRAFTS = Setting(
    "LC_MODULESTORE_COMPILE_DRAFTS",
    True,
    "Compile the draft branch (LMS preview, draft-preferred reads, has_changes) on every draft change"
    " and publish; False: no draft structures (removed at the next publish), preview shows published.",
)
STRUCTURE_CACHE: Setting[str | None] = Setting(
    "LC_MODULESTORE_STRUCTURE_CACHE",
    None,
    "Alias in CACHES for the compressed structure bytes shared by every process (None: no cache).",
)
STRUCTURE_CACHE_CHUNK_SIZE = Setting(
    "LC_MODULESTORE_STRUCTURE_CACHE_CHUNK_SIZE",
    900_000,
    "Largest cache item, in bytes; bigger structures are stored in chunks (memcached refuses 1 MB).",
)
STRUCTURE_LRU_SIZE = Setting(
    "LC_MODULESTORE_STRUCTURE_LRU_SIZE",
    32,
    "Decoded structures kept in each process (one per live course version; 0 keeps none).",
)
STRUCTURE_LRU_BYTES = Setting(
    "LC_MODULESTORE_STRUCTURE_LRU_BYTES",
    256 * 1024**2,
    "Most bytes the decoded structures kept in each process may take (by an estimate above what they"
    " take fully built), and as much for each store's per-structure infos; 0: bounded by count only.",
)
STRUCTURE_INFO_LRU_SIZE = Setting(
    "LC_MODULESTORE_STRUCTURE_INFO_LRU_SIZE",
    16,
    "Per-structure parent maps and subtree edit times kept by each store instance.",
)
RECENT_COMPILES_LRU_SIZE = Setting(
    "LC_MODULESTORE_RECENT_COMPILES_LRU_SIZE",
    8,
    "Structures this process compiled last, kept with their encoder so the next compile patches them.",
)
INSERT_BATCH_SIZE = Setting(
    "LC_MODULESTORE_INSERT_BATCH_SIZE",
    200,
    "Rows per INSERT when a compile stores field data and definitions (MySQL's max_allowed_packet).",
)
IMPORT_REPORTS_KEPT: Setting[int | None] = Setting(
    "LC_MODULESTORE_IMPORT_REPORTS_KEPT",
    50,
    "Import reports kept per course, newest first (older ones are deleted; None keeps every one).",
)
PARSE_WITH_XBLOCK_CLASSES = Setting(
    "LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES",
    True,
    "Read a component whose XBlock class is installed (entry point xblock.v1) with that class's own"
    " parse_xml, as Studio's import does; False: the rule table reads every block. Built-in types"
    " always use the rule table.",
)
ARCHIVE_MAX_BYTES = Setting(
    "LC_MODULESTORE_ARCHIVE_MAX_BYTES",
    8 * 1024**3,
    "Most bytes a .tar.gz export may unpack to (its members' declared sizes); larger is refused.",
)
ARCHIVE_MAX_MEMBERS = Setting(
    "LC_MODULESTORE_ARCHIVE_MAX_MEMBERS",
    100_000,
    "Most files and folders an export (a .tar.gz or a folder) may hold; more is refused.",
)
IMPORT_FILE_MAX_BYTES = Setting(
    "LC_MODULESTORE_IMPORT_FILE_MAX_BYTES",
    8 * 1024**2,
    "Largest file of an export read whole (XML, html bodies, pages, policy JSON): a larger block file"
    " makes an error block, a larger course or policy file refuses the import.",
)
IMPORT_ERROR_BLOCKS = Setting(
    "LC_MODULESTORE_IMPORT_ERROR_BLOCKS",
    False,
    "A block of an export that cannot be read is left out of its parent, as Studio's import leaves it"
    " (named in the import report); True: an error block takes its place, as XMLModuleStore's default"
    " (load_error_blocks) does.",
)
IMPORT_MAX_BLOCKS = Setting(
    "LC_MODULESTORE_IMPORT_MAX_BLOCKS",
    20_000,
    "Most blocks an export may hold (each use of a shared block counted); more is refused.",
)

ALL_SETTINGS: tuple[Setting[object], ...] = (
    SERVE,
    COMPILE_ASYNC,
    COMPILE_QUEUE,
    COMPILE_COUNTDOWN,
    COMPILE_RETRIES,
    COMPILE_DRAFTS,
    STRUCTURE_CACHE,
    STRUCTURE_CACHE_CHUNK_SIZE,
    STRUCTURE_LRU_SIZE,
    STRUCTURE_LRU_BYTES,
    STRUCTURE_INFO_LRU_SIZE,
    RECENT_COMPILES_LRU_SIZE,
    INSERT_BATCH_SIZE,
    IMPORT_REPORTS_KEPT,
    ARCHIVE_MAX_BYTES,
    ARCHIVE_MAX_MEMBERS,
    IMPORT_FILE_MAX_BYTES,
    IMPORT_MAX_BLOCKS,
    IMPORT_ERROR_BLOCKS,
    PARSE_WITH_XBLOCK_CLASSES,
)
