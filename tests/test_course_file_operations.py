"""
The operators' side of course files: totals that agree with the index the LMS reads, the URL the
LMS writes for a ``/static/`` link, and what the contentserver answers for it (``lc_demo`` prints
both). The platform's own code for the same path is compared in tests/platform/.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from opaque_keys.edx.keys import CourseKey

from lc_modulestore.models import CourseBinding, CourseFile
from lc_modulestore.operations.asset_urls import (
    HTTP_DATE_FORMAT,
    PRIVATE_NO_CACHE,
    contentserver_answer,
    lms_asset_url,
)
from lc_modulestore.operations.course_files import (
    FileTotals,
    file_totals,
    with_file_totals,
    with_published_flag,
)
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.storage.course_files import course_file_index

from .conftest import SAMPLE_COURSE
from .olx_cases import write_export

pytestmark = pytest.mark.django_db

KEY = "course-v1:LCDemo+LC101+2026"
COURSE = CourseKey.from_string(KEY)
NOTES = (SAMPLE_COURSE / "static" / "notes.txt").read_bytes()
NOTES_MD5 = hashlib.md5(NOTES).hexdigest()
NOTES_URL = f"/assets/courseware/v1/{NOTES_MD5}/asset-v1:LCDemo+LC101+2026+type@asset+block/notes.txt"
CDN = "https://cdn.example.com"


def index_totals(course_key: str) -> FileTotals:
    records = course_file_index(course_key).values()
    return FileTotals(len(records), sum(record.length for record in records))


def lock(export: Path, name: str) -> None:
    policy_file = export / "policies" / "assets.json"
    policy = json.loads(policy_file.read_text())
    policy[name]["locked"] = True
    policy_file.write_text(json.dumps(policy))


def test_totals_count_what_the_lms_index_serves(run_import: Any, sample_copy: Path) -> None:
    run_import(SAMPLE_COURSE)
    binding = CourseBinding.objects.get()
    sizes = sum(len(p.read_bytes()) for p in (SAMPLE_COURSE / "static").iterdir())
    assert file_totals(binding) == index_totals(KEY) == FileTotals(2, sizes)
    # One file changed, one gone, one new: the gone one keeps its row but is no longer counted.
    (sample_copy / "static" / "notes.txt").write_bytes(b"shorter")
    (sample_copy / "static" / "intro_video-en.srt").unlink()
    (sample_copy / "static" / "extra.css").write_bytes(b"p{}")
    run_import(sample_copy)
    assert file_totals(binding) == index_totals(KEY) == FileTotals(2, 7 + 3)
    assert CourseFile.objects.filter(binding=binding).count() == 3
    annotated = with_file_totals(CourseBinding.objects.all()).get()
    assert (annotated.lc_files, annotated.lc_file_bytes) == (2, 10)
    flags = dict(with_published_flag(CourseFile.objects.all()).values_list("legacy_path", "lc_published"))
    assert flags == {"notes.txt": True, "extra.css": True, "intro_video-en.srt": False}


def test_a_course_without_files_totals_zero(run_import: Any, tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "bare",
        {
            "course/2026.xml": '<course display_name="Bare"><chapter url_name="c1"/></course>',
            "chapter/c1.xml": '<chapter display_name="One"/>',
        },
    )
    run_import(export, "course-v1:LCTest+Bare+2026")
    run_import(SAMPLE_COURSE)
    bindings = with_file_totals(CourseBinding.objects.all())
    rows = {str(b.course_key): (b.lc_files, b.lc_file_bytes) for b in bindings}
    assert rows["course-v1:LCTest+Bare+2026"] == (0, 0)
    assert rows[KEY] == (2, index_totals(KEY).bytes)  # the other course's files are not mixed in
    assert file_totals(CourseBinding.objects.get(course_key="course-v1:LCTest+Bare+2026")) == FileTotals(0, 0)


def test_the_url_the_lms_writes_for_a_static_link(run_import: Any) -> None:
    run_import(SAMPLE_COURSE)
    record = course_file_index(KEY)["notes.txt"]
    assert record.content_digest == NOTES_MD5
    assert lms_asset_url(COURSE, "/static/notes.txt", record) == NOTES_URL
    # A CDN base URL for unlocked files only; a file not found is treated as locked and not versioned.
    assert lms_asset_url(COURSE, "/static/notes.txt", record, base_url=CDN) == CDN + NOTES_URL
    locked = dataclasses.replace(record, locked=True)
    assert lms_asset_url(COURSE, "/static/notes.txt", locked, base_url=CDN) == NOTES_URL
    missing = "/asset-v1:LCDemo+LC101+2026+type@asset+block/missing.png"
    assert lms_asset_url(COURSE, "/static/missing.png", None, base_url=CDN) == missing
    # html is excluded by the platform's default: neither versioned nor from the CDN.
    page = dataclasses.replace(record, name="page.html")
    assert lms_asset_url(COURSE, "/static/page.html", page, base_url=CDN) == (
        "/asset-v1:LCDemo+LC101+2026+type@asset+block/page.html"
    )
    # Named as the platform names a file under a folder, and quoted as its quote_plus(path, '/:+@').
    assert lms_asset_url(COURSE, "/static/images/a b.png", None).endswith("block/images_a_b.png")
    assert lms_asset_url(COURSE, "/static/résumé.pdf", None).endswith("block/r%C3%A9sum%C3%A9.pdf")


def test_what_the_contentserver_answers(run_import: Any, sample_copy: Path) -> None:
    run_import(SAMPLE_COURSE)
    assert contentserver_answer(NOTES_URL).status == 0  # flag off: the fallback contentstore's file
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    record = course_file_index(KEY)["notes.txt"]
    answer = contentserver_answer(NOTES_URL)
    assert answer.status == 200 and answer.first_bytes == NOTES[:64]
    assert answer.headers == {  # no Cache-Control at the platform's default TTL of 0
        "Content-Type": "text/plain",
        "Content-Length": str(len(NOTES)),
        "Accept-Ranges": "bytes",
        "Last-Modified": record.last_modified_at.astimezone(UTC).strftime(HTTP_DATE_FORMAT),
    }
    assert answer.headers["Last-Modified"].endswith(" GMT")
    ttl = contentserver_answer(NOTES_URL, cache_ttl=600)
    assert ttl.headers["Cache-Control"] == "public, max-age=600, s-maxage=600"
    stale = contentserver_answer(NOTES_URL.replace(NOTES_MD5, "0" * 32))
    assert stale.status == 301
    assert stale.headers["Location"] == NOTES_URL.replace("block/", "block@")
    assert contentserver_answer(NOTES_URL.replace("notes.txt", "nope.txt")).status == 404
    assert contentserver_answer("/assets/courseware/v1/" + "a" * 32 + "/not-a-key").status == 400
    # Locked: private, never cached, whatever the TTL, and never given the CDN's base URL.
    lock(sample_copy, "notes.txt")
    run_import(sample_copy)
    locked = contentserver_answer(NOTES_URL, cache_ttl=600)
    assert locked.status == 200 and locked.headers["Cache-Control"] == PRIVATE_NO_CACHE
    record = course_file_index(KEY)["notes.txt"]
    assert lms_asset_url(COURSE, "/static/notes.txt", record, base_url=CDN) == NOTES_URL


def test_python_lib_is_never_cacheable(run_import: Any, sample_copy: Path) -> None:
    (sample_copy / "static" / "python_lib.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    run_import(sample_copy)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    record = course_file_index(KEY)["python_lib.zip"]
    answer = contentserver_answer(lms_asset_url(COURSE, "/static/python_lib.zip", record), cache_ttl=600)
    assert answer.status == 200 and answer.headers["Cache-Control"] == PRIVATE_NO_CACHE
    assert answer.first_bytes.startswith(b"PK\x05\x06")
