"""
Course files on S3, as a large site stores Learning Core's media (``OPENEDX_LEARNING["MEDIA"]``
through django-storages' S3 backend): imported, then served from the bucket with byte ranges.
moto's S3 server on loopback stands in for S3 (no network, no account); the storage code, boto3
and the HTTP between them are real.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from lc_modulestore.api import ImportResult
from lc_modulestore.storage.course_files import course_file_index, open_file

from .test_course_files import KEY, export_with

boto3 = pytest.importorskip("boto3", reason="S3 tests need the test extras (boto3, moto, django-storages)")
moto_server = pytest.importorskip("moto.server", reason="S3 tests need moto[server] (the test extras)")

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "lc-course-files"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    # Learning Core builds its storage once per process (functools.cache): built again for S3 here,
    # and again for the filesystem after.
    from openedx_content.applets.media.models import get_storage

    get_storage.cache_clear()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()
        get_storage.cache_clear()


def test_files_are_stored_in_and_served_from_s3(
    tmp_path: Path, run_import: Callable[..., ImportResult], s3_endpoint: str
) -> None:
    picture = bytes(range(256)) * 40
    export = export_with(tmp_path, {"static/a b.png": picture, "static/notes.txt": b"notes"})
    media: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": s3_endpoint,
            "access_key": CREDENTIALS["aws_access_key_id"],
            "secret_key": CREDENTIALS["aws_secret_access_key"],
            "region_name": CREDENTIALS["region_name"],
        },
    }
    with override_settings(OPENEDX_LEARNING={"MEDIA": media}):
        run_import(export)
        record = course_file_index(KEY)["a_b.png"]
        with open_file(record) as handle:
            handle.seek(1000)
            assert handle.read(16) == picture[1000:1016]
            handle.seek(0)
            assert hashlib.md5(handle.read()).hexdigest() == record.content_digest

    stored = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS).list_objects_v2(Bucket=BUCKET)
    sizes = sorted(item["Size"] for item in stored["Contents"])
    assert sizes == [len(b"notes"), len(picture)]
    assert all(item["Key"].startswith("content/") for item in stored["Contents"])
