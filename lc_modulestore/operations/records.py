"""Keeping :class:`LastCompile` up to date (imports write their own reports, ``importing.reports``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ..compiling.compile_publish import CompileReport
from ..courses.models import CourseBinding
from .models import LastCompile

__all__ = ["on_compile_finished"]

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
