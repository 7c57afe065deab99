"""
Where a course stands, for ``lc_status`` and the admin: bound or not, compiled from which
PublishLog, served or not and which level of the flag decides, its published files, the last
compile, import and failure. Read-only; evaluated outside a request (the global flag counts only
when on for everyone).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.db.models.functions import Length
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey
from openedx_content.models_api import PublishLog

from compile.vocabulary import PUBLISHED_BRANCH

from ..compiling.published_state import latest_publish_logs
from ..courses.models import CourseBinding
from ..importing.models import ImportReport
from ..importing.reports import last_report
from ..serving.flags import DEFAULT_FLAG_NAME, ServingFlag, normalize_course_key
from ..storage.models import CompiledErrorBlock, CompiledStructure, CompileFailure
from .course_files import file_totals
from .models import LastCompile

__all__ = ["CourseStatus", "Summary", "course_status", "summarize"]


@dataclass
class CourseStatus:
    course_key: str
    bound: bool
    served: bool
    reason: str  # why it is served or not, naming what decides
    flag: str  # the flag's value and the level that decided it, e.g. "on (course override: ...)"
    flag_source: str
    learning_package: str | None = None
    latest_publish_log_id: int | None = None  # Learning Core's newest publish of the package
    compiled_publish_log_id: int | None = None  # what the live structure was compiled from
    structure_id: str | None = None
    blocks: int | None = None
    structure_bytes: int | None = None
    compiled_at: datetime | None = None
    compile_seconds: float | None = None
    # The publishes after the compiled one changed course files only: they compile no new
    # structure (the live one is still the course's), so the course is not behind.
    only_files_since: bool = False
    # The published course files (what the LMS's contentstore serves), and their total size.
    files: int | None = None
    file_bytes: int | None = None
    last_failure: dict[str, Any] | None = None
    last_import: dict[str, Any] | None = None
    # Components the live structure serves as error blocks (their block.xml could not be compiled).
    error_blocks: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def compiled(self) -> bool:
        return self.structure_id is not None

    @property
    def current(self) -> bool:
        return self.compiled and (
            self.compiled_publish_log_id == self.latest_publish_log_id or self.only_files_since
        )

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["compiled"], data["current"] = self.compiled, self.current
        data["compiled_at"] = self.compiled_at.isoformat() if self.compiled_at else None
        return data


def course_status(course_key: str | CourseKey, flag_name: str = DEFAULT_FLAG_NAME) -> CourseStatus:
    """Raises ValueError for a string that names no course."""
    try:
        key = normalize_course_key(course_key)
    except InvalidKeyError as exc:
        raise ValueError(f"{course_key!r} is not a course key") from exc
    if key is None:
        raise ValueError(f"{course_key!r} names no course (org, course and run)")
    decision = ServingFlag(flag_name).explain(key)
    binding = CourseBinding.matching(str(key)).select_related("learning_package").first()
    status = CourseStatus(str(key), binding is not None, False, "", str(decision), decision.source)
    if binding is None:
        status.reason = "not bound to a learning package: the fallback store (Split) serves it"
        _fill_import(status)
        return status
    status.course_key = str(binding.course_key)
    status.learning_package = str(binding.learning_package.package_ref)
    _fill_compiled(status, binding)
    totals = file_totals(binding)
    status.files, status.file_bytes = totals.files, totals.bytes
    _fill_import(status)
    if not decision.enabled:
        status.reason = f"flag {decision}: the fallback store serves it"
    elif not status.compiled:
        status.reason = (
            f"flag {decision}, but nothing compiled: the fallback store serves it (run lc_compile)"
        )
        status.problems.append("flag on, nothing compiled")
    else:
        status.served = True
        status.reason = f"served from Learning Core: flag {decision}"
    if status.compiled and not status.current and status.latest_publish_log_id is not None:
        status.problems.append(
            f"PublishLog {status.latest_publish_log_id} is newer than the compiled"
            f" {status.compiled_publish_log_id} (compile queued, or failed)"
        )
    if status.last_failure and status.last_failure["after_live"]:
        status.problems.append("the last compile failed")
    status.error_blocks = [
        {"block": f"{row.block_type}/{row.block_id}", "message": row.message}
        for row in CompiledErrorBlock.objects.filter(binding=binding).order_by("block_type", "block_id")
    ]
    if status.error_blocks:
        status.problems.append(f"{len(status.error_blocks)} component(s) served as error blocks (lc_show)")
    return status


def _fill_compiled(status: CourseStatus, binding: CourseBinding) -> None:
    status.latest_publish_log_id = PublishLog.objects.filter(
        learning_package_id=binding.learning_package_id
    ).aggregate(latest=Max("id"))["latest"]
    live = (
        CompiledStructure.objects.filter(binding=binding, branch=PUBLISHED_BRANCH)
        .annotate(size=Length("data"))
        .values("object_id", "publish_log_id", "block_count", "size", "created")
        .first()
    )
    if live is not None:
        status.structure_id = live["object_id"]
        status.compiled_publish_log_id = live["publish_log_id"]
        status.blocks = live["block_count"]
        status.structure_bytes = live["size"]
        status.compiled_at = live["created"]
    if live is not None and status.latest_publish_log_id != live["publish_log_id"]:
        status.only_files_since = _only_files_since(binding, live["publish_log_id"])
    last = LastCompile.objects.filter(binding=binding).first()
    if last is not None and last.structure_id == status.structure_id:
        status.compile_seconds = round(last.seconds, 3)
    failure = CompileFailure.objects.filter(binding=binding).order_by("-created", "-id").first()
    if failure is not None:
        status.last_failure = {
            "publish_log_id": failure.publish_log_id,
            "created": failure.created.isoformat(),
            "message": failure.message,
            # A failure before the live structure was compiled has been fixed since.
            "after_live": status.compiled_at is None or failure.created >= status.compiled_at,
        }


def _only_files_since(binding: CourseBinding, publish_log_id: int) -> bool:
    """Whether the compile's latest publish (the newest that changed a block) is ``publish_log_id``."""
    return latest_publish_logs(binding).latest.id == publish_log_id


def _fill_import(status: CourseStatus) -> None:
    """The last import's report without its problems (``lc_show`` lists them), and their count."""
    imported = last_report(status.course_key)
    if imported is None:
        return
    status.last_import = imported.as_json(problems=False) | {
        "problem_count": imported.problem_count,
        "summary": imported.counts_text(),
    }
    if imported.outcome == ImportReport.REFUSED:
        status.problems.append(f"the last import was refused (lc_show): {imported.message.splitlines()[0]}")


@dataclass
class Summary:
    courses: list[CourseStatus]

    def counts(self) -> dict[str, int]:
        return {
            "bound": sum(s.bound for s in self.courses),
            "compiled": sum(s.compiled for s in self.courses),
            "served": sum(s.served for s in self.courses),
            "behind": sum(s.compiled and not s.current for s in self.courses),
            "with_problems": sum(bool(s.problems) for s in self.courses),
        }

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts(), "courses": [s.as_json() for s in self.courses]}


def summarize(flag_name: str = DEFAULT_FLAG_NAME) -> Summary:
    """Every bound course, by course key."""
    keys = sorted(str(k) for k in CourseBinding.objects.values_list("course_key", flat=True))
    return Summary([course_status(key, flag_name) for key in keys])
