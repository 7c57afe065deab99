"""
``CONTENTSTORE["ENGINE"] = "lc_modulestore.contentstore.LearningCoreContentStore"``: course files
(``/static/`` links, transcripts, ``python_lib.zip``, the course image) without MongoDB's GridFS.

The platform's ``contentstore()`` builds one engine per process and every course's files go
through it. This one answers for the courses Learning Core serves (the modulestore's own per-course
decision, so one flag flips a course's structure and its files together) from their published asset
components, with ``StaticContent``/``StaticContentStream`` exactly as ``MongoContentStore`` returns
them; every other course goes to the engine it replaces (``fallback_engine``, built on first use
from the same options). Writes to a Learning Core course raise :class:`ReadOnlyContentStoreError`;
the others reach the fallback. README.rst ("Serving courses to the LMS") shows the configuration,
which :func:`lc_modulestore.operations.contentstore_settings.serve_files_from_learning_core` writes.

This module imports the platform's contentstore classes: it is loaded inside the LMS or Studio only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import IO, Any

from xmodule.contentstore.content import ContentStore, StaticContent, StaticContentStream
from xmodule.exceptions import NotFoundError

from .exceptions import ReadOnlyContentStoreError
from .serving.course_files import CourseFileReader, file_document, matches, sorted_documents
from .serving.fallback import load_object
from .serving.flags import DEFAULT_FLAG_NAME
from .storage.course_files import FileRecord, open_file

__all__ = ["LearningCoreContentStore"]

# What MongoContentStore leaves out of an export's assets.json (GridFS's own bookkeeping).
_NOT_IN_POLICY = frozenset({"_id", "md5", "uploadDate", "length", "chunkSize", "asset_key"})


class LearningCoreContentStore(ContentStore):
    """A read-only ``ContentStore`` for Learning Core courses over the site's own for the others."""

    def __init__(
        self, fallback_engine: str | None = None, flag_name: str = DEFAULT_FLAG_NAME, **options: Any
    ):
        self.fallback_engine = fallback_engine
        self._fallback_options = options
        self._fallback: Any = None
        self.files = CourseFileReader(flag_name)

    @property
    def fallback(self) -> Any:
        """The replaced engine (``MongoContentStore`` in a real LMS), built when a course first needs it."""
        if self._fallback is None:
            if self.fallback_engine is None:
                raise NotFoundError("no fallback contentstore is configured for courses not in Learning Core")
            self._fallback = load_object(self.fallback_engine)(**self._fallback_options)
        return self._fallback

    def serves(self, course_key: Any) -> bool:
        return self.files.serves(course_key)

    # --- reads ------------------------------------------------------------------------------------------

    def find(self, location: Any, throw_on_not_found: bool = True, as_stream: bool = False) -> Any:
        """As MongoContentStore: a seekable ``StaticContentStream`` or ``StaticContent``, or NotFoundError."""
        if not self.serves(location.course_key):
            return self.fallback.find(location, throw_on_not_found, as_stream)
        record = self.files.record(location)
        if record is None:
            if throw_on_not_found:
                raise NotFoundError(str(location.for_branch(None)))
            return None
        return _content(location, record, as_stream)

    def get_all_content_for_course(
        self,
        course_key: Any,
        start: int = 0,
        maxresults: int = -1,
        sort: Any = None,
        filter_params: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """The files' documents and their count before paging, as MongoContentStore returns them."""
        if not self.serves(course_key):
            return self.fallback.get_all_content_for_course(
                course_key, start=start, maxresults=maxresults, sort=sort, filter_params=filter_params
            )
        query = dict(filter_params or {})
        query.pop("user_language", None)
        documents = [doc for doc in self.files.documents(course_key) if matches(doc, query)]
        documents = sorted_documents(documents, sort)
        count = len(documents)
        documents = documents[max(start, 0) :]
        return (documents[:maxresults] if maxresults > 0 else documents), count

    def get_all_content_thumbnails_for_course(self, course_key: Any) -> list[dict[str, Any]]:
        """No thumbnails are made for files imported into Learning Core."""
        if not self.serves(course_key):
            return self.fallback.get_all_content_thumbnails_for_course(course_key)
        return []

    def get_attrs(self, location: Any) -> dict[str, Any]:
        """The file's document (built-in attributes included); NotFoundError when there is none."""
        if not self.serves(location.course_key):
            return self.fallback.get_attrs(location)
        record = self.files.record(location)
        if record is None:
            raise NotFoundError(str(location.for_branch(None)))
        document = file_document(location.course_key, record)
        del document["asset_key"]
        return document

    def get_attr(self, location: Any, attr: str, default: Any = None) -> Any:
        return self.get_attrs(location).get(attr, default)

    def export(self, location: Any, output_directory: str) -> None:
        """Write one file where an export puts it (its ``import_path`` folder), as MongoContentStore does."""
        if not self.serves(location.course_key):
            self.fallback.export(location, output_directory)
            return
        content = self.find(location)
        if content.import_path:
            output_directory = os.path.join(output_directory, os.path.dirname(content.import_path))
        os.makedirs(output_directory, exist_ok=True)
        name = content.name.replace("/", "_").replace("\\", "_")
        with open(os.path.join(output_directory, name), "wb") as target:
            target.write(content.data)

    # --- writes: the fallback's courses only --------------------------------------------------------------

    def _write(self, operation: str, course_key: Any, *args: Any, **kwargs: Any) -> Any:
        if self.serves(course_key):
            raise ReadOnlyContentStoreError(operation, course_key)
        return getattr(self.fallback, operation)(*args, **kwargs)

    def save(self, content: Any) -> Any:
        return self._write("save", content.location.course_key, content)

    def delete(self, location_or_id: Any) -> Any:
        course_key = getattr(location_or_id, "course_key", None)
        if course_key is None:  # a raw GridFS id: only the fallback can hold it
            return self.fallback.delete(location_or_id)
        return self._write("delete", course_key, location_or_id)

    def set_attr(self, asset_key: Any, attr: str, value: Any = True) -> Any:
        return self._write("set_attr", asset_key.course_key, asset_key, attr, value)

    def set_attrs(self, location: Any, attr_dict: dict[str, Any]) -> Any:
        return self._write("set_attrs", location.course_key, location, attr_dict)

    def delete_all_course_assets(self, course_key: Any) -> Any:
        return self._write("delete_all_course_assets", course_key, course_key)

    def copy_all_course_assets(self, source_course_key: Any, dest_course_key: Any) -> Any:
        if self.serves(source_course_key):
            raise ReadOnlyContentStoreError("copy_all_course_assets (from)", source_course_key)
        return self._write("copy_all_course_assets", dest_course_key, source_course_key, dest_course_key)

    def generate_thumbnail(self, content: Any, tempfile_path: Any = None, dimensions: Any = None) -> Any:
        return self._write(
            "generate_thumbnail", content.location.course_key, content, tempfile_path, dimensions
        )

    def export_all_for_course(self, course_key: Any, output_directory: str, assets_policy_file: str) -> Any:
        if not self.serves(course_key):
            return self.fallback.export_all_for_course(course_key, output_directory, assets_policy_file)
        policy: dict[str, dict[str, Any]] = {}
        for document in self.get_all_content_for_course(course_key)[0]:
            self.export(document["asset_key"], output_directory)
            policy[document["asset_key"].block_id] = {
                name: value for name, value in document.items() if name not in _NOT_IN_POLICY
            }
        with open(assets_policy_file, "w") as target:
            json.dump(policy, target, sort_keys=True, indent=4, default=str)
        return None

    def __getattr__(self, name: str) -> Any:
        """Whatever else a caller uses (``ensure_indexes``, ``fs_files``...) is the fallback's."""
        if name.startswith("__") or name in ("_fallback", "fallback_engine", "_fallback_options", "files"):
            raise AttributeError(name)
        return getattr(self.fallback, name)


def _content(location: Any, record: FileRecord, as_stream: bool) -> Any:
    facts = {
        "last_modified_at": record.last_modified_at,
        "import_path": record.import_path,
        "length": record.length,
        "locked": record.locked,
        "content_digest": record.content_digest,
    }
    if as_stream:
        return StaticContentStream(
            location, record.display_name, record.content_type, _FileOnFirstUse(record), **facts
        )
    with open_file(record) as handle:
        return StaticContent(location, record.display_name, record.content_type, handle.read(), **facts)


class _FileOnFirstUse:
    """
    A stream's file, opened when first read (or seeked). The rewrite of a page's ``/static/`` links
    finds each file as a stream only to read its digest and ``locked``, and the contentserver
    answers 304s, 301s and 403s without reading: opening every file found (a storage object, an
    open; on S3 a HEAD request each) would be most of what those cost.
    """

    __slots__ = ("_closed", "_file", "_record")

    def __init__(self, record: FileRecord) -> None:
        self._record = record
        self._file: IO[bytes] | None = None
        self._closed = False

    def _opened(self) -> IO[bytes]:
        if self._file is None:
            if self._closed:
                raise ValueError("I/O operation on closed file.")
            self._file = open_file(self._record)
        return self._file

    def read(self, size: int = -1) -> bytes:
        return self._opened().read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._opened().seek(offset, whence)

    def close(self) -> None:
        self._closed = True
        if self._file is not None:
            self._file.close()

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._opened())

    def __enter__(self) -> _FileOnFirstUse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        """Whatever else a caller asks of a file (``tell``, ``name``, ``seekable``...): the opened file's."""
        if name.startswith("_"):  # a slot not set yet (copy, pickle): never open the file for one
            raise AttributeError(name)
        return getattr(self._opened(), name)
