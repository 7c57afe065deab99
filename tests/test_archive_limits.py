"""
Issue 19, defect 3: a ``.tar.gz`` bomb (a small archive declaring a huge member, or a flood of
members) is refused before it fills the disk, naming the archive, and leaves nothing behind.
"""

from __future__ import annotations

import gzip
import tarfile
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings

from lc_modulestore.api import OlxImportError, import_olx
from lc_modulestore.models import CourseBinding, ImportReport

from .olx_cases import write_export
from .test_course_files import OUTLINE

pytestmark = pytest.mark.django_db(transaction=True)


def leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("lc-olx-*")}


def bomb(tmp_path: Path, declared: int) -> Path:
    """A few hundred bytes of gzip whose one member's header declares ``declared`` bytes."""
    archive = tmp_path / "bomb.tar.gz"
    info = tarfile.TarInfo("course/static/zeros.bin")
    info.size = declared
    with gzip.open(archive, "wb") as stream:
        stream.write(tarfile.TarInfo("course/course.xml").tobuf())  # an empty course.xml first
        stream.write(info.tobuf())
        stream.write(b"\0" * 1024 * 1024)  # the first MiB of it; the rest is never reached
    return archive


def test_a_member_declaring_more_than_the_limit_is_refused_before_it_is_written(tmp_path: Path) -> None:
    before = leftovers()
    archive = bomb(tmp_path, declared=9 * 1024**3)  # over the 8 GiB default
    assert archive.stat().st_size < 10_000
    with pytest.raises(OlxImportError) as refused:
        import_olx(archive)
    assert str(refused.value).startswith(f"{archive}: unpacks to more than 8,589,934,592 bytes")
    assert "course/static/zeros.bin" in str(refused.value)
    assert leftovers() == before
    assert not CourseBinding.objects.filter(course_key__startswith="course-v1:LCTest").exists()
    assert ImportReport.objects.get(source=str(archive)).outcome == ImportReport.REFUSED


def test_the_limits_are_settings_and_a_real_export_fits_them(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "course", {**OUTLINE, **{f"static/f{n}.txt": b"x" * 1000 for n in range(20)}}
    )
    archive = tmp_path / "course.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(export, arcname="course")
    with override_settings(LC_MODULESTORE_ARCHIVE_MAX_MEMBERS=10), pytest.raises(OlxImportError) as many:
        import_olx(archive)
    assert "holds more than 10 members" in str(many.value)
    with override_settings(LC_MODULESTORE_ARCHIVE_MAX_BYTES=10_000), pytest.raises(OlxImportError) as big:
        import_olx(archive)
    assert "unpacks to more than 10,000 bytes" in str(big.value)
    assert import_olx(archive).files.created == 20  # the defaults
