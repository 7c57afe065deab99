"""
What the platform's contentstore answers about a course's files, for the courses Learning Core serves.

The engine the LMS configures (``lc_modulestore.contentstore``) is a thin layer of platform classes
over this module, which needs nothing of the platform: which courses are served from Learning Core
(the same decision as the modulestore's, so one flag flips a course's structure and files
together), a file's record by asset key, and the listings and attribute documents
``MongoContentStore`` returns, in the same shapes (GridFS file documents), so that code written for
it reads them unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Final

from bson.son import SON
from opaque_keys.edx.locator import CourseLocator

from compile.vocabulary import PUBLISHED_BRANCH

from ..storage.backend import LearningCorePersistenceBackend
from ..storage.course_files import FileRecord, course_file_index
from .flags import ServingFlag

__all__ = [
    "ASSET_CATEGORY",
    "CourseFileReader",
    "file_document",
    "file_record",
    "matches",
    "serves_course",
    "sorted_documents",
]

ASSET_CATEGORY: Final = "asset"
# GridFS's default chunk size, which every stored document of MongoContentStore carries.
_CHUNK_SIZE: Final = 255 * 1024
# MongoContentStore's ordering of an asset key's fields in its ``content_son`` (asset_db_key).
_SON_FIELDS: Final = (
    ("category", "block_type"),
    ("name", "block_id"),
    ("course", "course"),
    ("tag", "DEPRECATED_TAG"),
    ("org", "org"),
    ("revision", "branch"),
)


class CourseFileReader:
    """The read side of the engine: the serving decision and the course's file index."""

    def __init__(self, flag_name: str) -> None:
        self.flag = ServingFlag(flag_name)
        self.db_connection = LearningCorePersistenceBackend()

    def serves(self, course_key: Any) -> bool:
        """Learning Core serves this course's files: its flag is on and a published structure is compiled."""
        return serves_course(self.flag, self.db_connection, course_key)

    def record(self, asset_key: Any) -> FileRecord | None:
        return file_record(asset_key)

    def documents(self, course_key: Any) -> list[dict[str, Any]]:
        """Every file of the course as MongoContentStore lists it, in name order."""
        return [file_document(course_key, record) for record in course_file_index(course_key).values()]


def serves_course(flag: ServingFlag, db_connection: LearningCorePersistenceBackend, course_key: Any) -> bool:
    """The modulestore's decision for a course key with an org (see ``LearningCoreModuleStore.serves``)."""
    if not isinstance(course_key, CourseLocator) or course_key.deprecated or course_key.org is None:
        return False
    if not flag.is_enabled(course_key):
        return False
    index = db_connection.get_course_index(course_key, ignore_case=True)
    return index is not None and PUBLISHED_BRANCH in index["versions"]


def file_record(asset_key: Any) -> FileRecord | None:
    """The published file of ``asset_key`` (thumbnails: none are made for these courses)."""
    if asset_key.block_type != ASSET_CATEGORY:
        return None
    return course_file_index(asset_key.course_key).get(asset_key.block_id)


def file_document(course_key: Any, record: FileRecord) -> dict[str, Any]:
    """
    The GridFS file document MongoContentStore would hold for this file, plus its ``asset_key``:
    the same keys and value types (tests/platform/test_course_files.py compares them). PyMongo 4's
    GridFS stores no ``md5``; the digest is ``custom_md5``, which MongoContentStore writes. No
    thumbnails are made, so ``thumbnail_location`` is always None.
    """
    asset_key = course_key.make_asset_key(ASSET_CATEGORY, record.name).for_branch(None)
    son = SON((name, getattr(asset_key, attribute)) for name, attribute in _SON_FIELDS)
    son["run"] = asset_key.run
    return {
        "_id": str(asset_key),
        "filename": str(asset_key),
        "contentType": record.content_type,
        "displayname": record.display_name,
        "content_son": son,
        "thumbnail_location": None,
        "import_path": record.import_path,
        "locked": record.locked,
        "length": record.length,
        "chunkSize": _CHUNK_SIZE,
        "uploadDate": record.last_modified_at,
        "custom_md5": record.content_digest,
        "asset_key": asset_key,
    }


def matches(document: dict[str, Any], query: dict[str, Any]) -> bool:
    """
    Whether a document satisfies a MongoDB query of the kinds Studio's Files page sends as
    ``filter_params`` (equality, ``$in``, ``$nin``, ``$ne``, ``$regex``/``$options``, ``$exists``,
    ``$or``, ``$and``). An operator this does not know raises ValueError rather than match too much.
    """
    for field, condition in query.items():
        if field in ("$or", "$and"):
            results = (matches(document, clause) for clause in condition)
            if not (any(results) if field == "$or" else all(results)):
                return False
        elif not _satisfies(document.get(field), field in document, condition):
            return False
    return True


def _satisfies(value: Any, present: bool, condition: Any) -> bool:
    if not isinstance(condition, dict) or not any(str(name).startswith("$") for name in condition):
        return bool(value == condition)
    flags = re.IGNORECASE if "i" in str(condition.get("$options", "")) else 0
    tests: dict[str, Callable[[Any], bool]] = {
        "$in": lambda wanted: value in wanted,
        "$nin": lambda wanted: value not in wanted,
        "$ne": lambda wanted: value != wanted,
        "$eq": lambda wanted: value == wanted,
        "$exists": lambda wanted: present == bool(wanted),
        "$regex": lambda wanted: isinstance(value, str) and re.search(wanted, value, flags) is not None,
        "$options": lambda wanted: True,
    }
    for operator, wanted in condition.items():
        if operator not in tests:
            raise ValueError(
                f"filter_params: {operator} is not supported for courses served from Learning Core"
            )
        if not tests[operator](wanted):
            return False
    return True


def sorted_documents(documents: Iterable[dict[str, Any]], sort: Any) -> list[dict[str, Any]]:
    """MongoContentStore's ``sort``: (field, ±1) pairs or a dict of them; ``displayname`` ignores case."""
    ordered = list(documents)
    pairs = list(sort.items()) if isinstance(sort, dict) else list(sort or ())
    for field, direction in reversed(pairs):  # a stable sort per key, last key first
        ordered.sort(key=_sort_key(field), reverse=int(direction) < 0)
    return ordered


def _sort_key(field: str) -> Callable[[dict[str, Any]], Any]:
    if field == "displayname":
        return lambda document: str(document.get(field) or "").casefold()
    return lambda document: (document.get(field) is not None, document.get(field) or 0)


# --- asset metadata (the modulestore's find_asset_metadata / get_all_asset_metadata) ------------------

_DESCENDING: Final = 2  # ModuleStoreEnum.SortOrder.descending


def find_asset_metadata(asset_key: Any, **kwargs: Any) -> Any:
    """Split's answer for a course file: its ``AssetMetadata``, None for a name (or type) it lacks."""
    record = file_record(asset_key)
    return None if record is None else _metadata(asset_key, record, **kwargs)


def all_asset_metadata(course_key: Any, asset_type: Any, start: int, maxresults: int, sort: Any) -> list[Any]:
    """
    Split's listing: by file name unless ``sort`` is ``('uploadDate', order)``, ascending unless
    the order is descending, then ``start`` and ``maxresults`` (-1: no limit) over that order.
    """
    if asset_type not in (None, ASSET_CATEGORY):
        return []
    records = list(course_file_index(course_key).values())  # in name order
    if sort and sort[0] == "uploadDate":
        records.sort(key=lambda record: record.last_modified_at)
    if sort and sort[1] == _DESCENDING:
        records.reverse()
    end = None if maxresults < 0 else start + maxresults
    return [
        _metadata(course_key.make_asset_key(ASSET_CATEGORY, record.name), record)
        for record in records[start:end]
    ]


def _metadata(asset_key: Any, record: FileRecord, **kwargs: Any) -> Any:
    folder = record.import_path.rpartition("/")[0]
    return _asset_metadata_class()(
        asset_key,
        pathname=folder or None,
        internal_name=record.media.path,
        locked=record.locked,
        contenttype=record.content_type,
        fields={
            "displayname": record.display_name,
            "import_path": record.import_path,
            "length": record.length,
        },
        curr_version=record.content_digest,
        created_on=record.last_modified_at,
        edited_on=record.last_modified_at,
        **kwargs,
    )


def _asset_metadata_class() -> Any:
    """The platform's ``AssetMetadata``; outside it, a plain record with the same attributes."""
    try:
        from xmodule.assetstore import AssetMetadata
    except ImportError:
        return StandaloneAssetMetadata
    return AssetMetadata


class StandaloneAssetMetadata:
    """``xmodule.assetstore.AssetMetadata``'s attributes, for the store running outside edx-platform."""

    def __init__(self, asset_id: Any, field_decorator: Callable[[Any], Any] | None = None, **attributes: Any):
        self.asset_id = asset_id if field_decorator is None else field_decorator(asset_id)
        for name in ("pathname", "internal_name", "locked", "contenttype", "thumbnail", "fields",
                     "curr_version", "prev_version", "created_by", "created_by_email", "created_on",
                     "edited_by", "edited_by_email", "edited_on"):  # fmt: skip
            setattr(self, name, attributes.get(name))
