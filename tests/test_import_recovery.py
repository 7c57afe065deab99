"""
A failed import never poisons the process: run as a Celery worker or a shell runs them, outside
any test transaction (``transaction=True``), a bad import raises the importer's error and leaves
the connection usable, and the next import in the same process works. On SQLite and MariaDB.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from lc_modulestore.api import OlxImportError, import_olx, published_course
from lc_modulestore.models import CourseBinding

from .conftest import SAMPLE_COURSE

KEY = "course-v1:LCDemo+LC101+2026"


def stray_chapter(export: Path) -> None:
    """
    Learning Core refuses a section inside a subsection (a level above, which no implicit
    container can fill): an error found while writing.
    """
    seq_file = export / "sequential/intro_seq.xml"
    seq_file.write_text(
        seq_file.read_text().replace(
            '<vertical url_name="welcome_vert"/>',
            '<vertical url_name="welcome_vert"/><chapter url_name="stray"><sequential url_name="stray_s">'
            '<vertical url_name="stray_v"><html url_name="stray_h">hi</html></vertical>'
            "</sequential></chapter>",
            1,
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_bad_import_then_a_good_one_in_the_same_process(sample_copy: Path, run_import: Any) -> None:
    stray_chapter(sample_copy)
    with pytest.raises(
        OlxImportError, match=r"^sequential/intro_seq\.xml:\d+: sequential/intro_seq: .*stray"
    ) as error:
        import_olx(sample_copy)
    assert error.value.file == "sequential/intro_seq.xml"
    assert not connection.in_atomic_block and not connection.needs_rollback
    assert not CourseBinding.objects.filter(course_key=KEY).exists()

    result = run_import(SAMPLE_COURSE)
    assert result.created > 0 and result.publish_log_id is not None
    assert published_course(KEY).root.children


@pytest.mark.django_db(transaction=True)
def test_a_bad_reimport_keeps_the_course_and_the_next_one_works(sample_copy: Path, run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    served = published_course(KEY).as_json()
    stray_chapter(sample_copy)
    for _ in range(2):  # the same failure twice: the first left nothing behind to trip over
        with pytest.raises(OlxImportError, match="stray"):
            import_olx(sample_copy)
    assert published_course(KEY).as_json() == served
    assert not connection.in_atomic_block and not connection.needs_rollback

    # ... and the next import works: the export fixed (and changed), imported, published, served.
    fixed = sample_copy.parent / "fixed"
    shutil.copytree(SAMPLE_COURSE, fixed)
    html = fixed / "html" / "welcome_html.html"
    html.write_text(html.read_text() + "<p>after the failures</p>")
    result = run_import(fixed)
    assert result.changed >= 1 and result.publish_log_id is not None
    assert "after the failures" in str(published_course(KEY).as_json())
