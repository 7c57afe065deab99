"""Keeping :class:`LastCompile` and :class:`LastImport` up to date."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ..compiling.compile_publish import CompileReport
from ..courses.models import CourseBinding
from ..importing.importer import ImportResult
from .models import LastCompile, LastImport

__all__ = ["on_compile_finished", "record_import"]

log = logging.getLogger(__name__)


def on_compile_finished(binding: CourseBinding, report: CompileReport, **kwargs: Any) -> None:
    """``compile_finished`` receiver: the compile just stored ``report.structure_id``."""
    LastCompile.objects.update_or_create(
        binding=binding,
        defaults={
            "finished": datetime.now(tz=UTC),
            "seconds": report.seconds,
            "publish_log_id": report.publish_log_id or 0,
            "structure_id": report.structure_id or "",
            "incremental": report.incremental,
            "blocks": report.blocks,
            "structure_bytes": report.structure_bytes,
            "definitions_written": report.definitions_written,
        },
    )


def record_import(result: ImportResult, source: str) -> None:
    binding = CourseBinding.matching(str(result.course_key)).first()
    if binding is None:  # cannot happen after a successful import; nothing to attach the report to
        log.warning("No binding for the package of %s after its import", result.course_key)
        return
    LastImport.objects.update_or_create(
        binding=binding,
        defaults={
            "finished": datetime.now(tz=UTC),
            "source": source[:1024],
            "publish_log_id": result.publish_log_id,
            "created": result.created,
            "changed": result.changed,
            "unchanged": result.unchanged,
            "deleted": result.deleted,
            "notes": list(result.notes),
        },
    )
