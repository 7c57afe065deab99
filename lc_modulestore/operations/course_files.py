"""
A course's published files as operators see them: how many and how many bytes (``lc_status``, the
admin's course bindings) and the list of them (``lc_show``).

The totals are an aggregate query, so that the admin's list of bindings costs one subquery per
column, not one file index per course. "Published" is what the LMS can be served, exactly as
:func:`lc_modulestore.storage.course_files.course_file_index` defines it (the published version
of the asset component holds a file under the asset's name): deleted files keep their
``CourseFile`` row and are not counted. ``tests/test_course_file_operations.py`` checks the two
agree after files are added, changed and deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from ..courses.models import CourseBinding, CourseFile
from ..storage.course_files import PUBLISHED_SIZE, FileRecord, course_file_index, published_files

__all__ = [
    "FileTotals",
    "course_file_list",
    "file_json",
    "file_totals",
    "with_file_totals",
    "with_published_flag",
]


@dataclass(frozen=True, slots=True)
class FileTotals:
    files: int
    bytes: int

    def __str__(self) -> str:
        return f"{self.files} file(s), {self.bytes} bytes"


def file_totals(binding: CourseBinding) -> FileTotals:
    """The number of published files of the course and their total size in bytes."""
    found = published_files().filter(binding=binding).aggregate(n=Count("pk"), size=Sum(PUBLISHED_SIZE))
    return FileTotals(found["n"], found["size"] or 0)


def with_file_totals(bindings: QuerySet[CourseBinding]) -> QuerySet[CourseBinding]:
    """``bindings`` annotated with ``lc_files`` and ``lc_file_bytes`` (0 for a course without files)."""
    per_binding = published_files().filter(binding=OuterRef("pk")).order_by().values("binding")
    return bindings.annotate(
        lc_files=Coalesce(Subquery(per_binding.annotate(n=Count("pk")).values("n")[:1]), 0),
        lc_file_bytes=Coalesce(
            Subquery(
                per_binding.annotate(size=Sum(PUBLISHED_SIZE)).values("size")[:1],
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def with_published_flag(files: QuerySet[CourseFile]) -> QuerySet[CourseFile]:
    """``files`` annotated with ``lc_published``: whether the LMS can be served each one."""
    return files.annotate(lc_published=Exists(published_files().filter(pk=OuterRef("pk"))))


def course_file_list(course_key: str) -> list[FileRecord]:
    """The course's published files in name order, as the LMS's contentstore reads them."""
    return list(course_file_index(course_key).values())


def file_json(record: FileRecord) -> dict[str, Any]:
    """One file for ``--json``: its facts, not where its bytes are."""
    return {
        "name": record.name,
        "size": record.length,
        "content_type": record.content_type,
        "locked": record.locked,
        "md5": record.content_digest,
        "display_name": record.display_name,
        "import_path": record.import_path,
        "last_modified_at": record.last_modified_at.isoformat(),
    }
