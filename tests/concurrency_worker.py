"""
One process of the MariaDB concurrency suite (tests/test_concurrency.py), started by it:

    python -m tests.concurrency_worker publish N COUNT   # COUNT edits of html block N, each published
    python -m tests.concurrency_worker read STOP_FILE    # read the course until STOP_FILE exists

Prints one JSON line of results. Its database is the test's (``LC_MYSQL_NAME``, set by the test).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

import django

django.setup()

from django.db import OperationalError, transaction  # noqa: E402
from edx_django_utils.cache import RequestCache  # noqa: E402
from opaque_keys.edx.keys import CourseKey  # noqa: E402

from lc_modulestore.exceptions import ItemNotFoundError  # noqa: E402
from lc_modulestore.models import CourseBinding  # noqa: E402
from lc_modulestore.serving.modulestore import LearningCoreModuleStore  # noqa: E402

from . import lc_ops  # noqa: E402

KEY = CourseKey.from_string("course-v1:LCDemo+LC101+2026")
EDITED = ("summary_html", "welcome_html")  # one block per publisher: their edits never collide


def publish(which: int, count: int) -> dict[str, Any]:
    binding = CourseBinding.objects.get(course_key=KEY)
    html = lc_ops.entity_of(binding, "html", EDITED[which])
    original = lc_ops.block_xml(html)
    log_ids: list[int] = []
    retries = 0
    for step in range(count):
        for _attempt in range(10):
            try:
                with transaction.atomic():  # the edit and its publish; the compile runs on commit
                    marker = f"<p>publisher {which} step {step}</p>"
                    lc_ops.set_block_xml(binding, html, original.replace("</html>", f"{marker}</html>"))
                    log_ids.append(lc_ops.publish(binding, [html]).id)
                break
            except OperationalError:  # a deadlock between the two publishers inside Learning Core
                retries += 1
                time.sleep(0.05)
        else:
            raise RuntimeError(f"publisher {which}: step {step} kept deadlocking")
    return {"publishes": len(log_ids), "retries": retries, "log_ids": log_ids}


def structure_log_id(version: Any) -> int:
    """The PublishLog a structure was compiled from: its id ends with it (compile.structure)."""
    return int.from_bytes(version.binary[4:], "big")


def read(stop_file: Path) -> dict[str, Any]:
    store = LearningCoreModuleStore()
    seen: list[int] = []
    steps = {name: -1 for name in EDITED}
    regressions: list[str] = []
    vanished: list[str] = []
    while not stop_file.exists() or len(seen) < 20:
        RequestCache.clear_all_namespaces()  # every read a new request: nothing cached in between
        course = store.get_course(KEY)
        log_id = structure_log_id(course.course_version)
        if seen and log_id < seen[-1]:
            regressions.append(f"structure of PublishLog {log_id} after {seen[-1]}")
        seen.append(log_id)
        for which, name in enumerate(EDITED):
            try:
                data = store.get_item(KEY.make_usage_key("html", name)).data
            except ItemNotFoundError as exc:  # the request's structure was superseded mid-read
                vanished.append(f"PublishLog {log_id}: {exc}")
                continue
            marker = f"publisher {which} step "
            step = int(data.split(marker)[1].split("<")[0]) if marker in data else -1
            if step < steps[name]:
                regressions.append(f"{name} at step {step} after step {steps[name]}")
            steps[name] = step
    return {
        "reads": len(seen),
        "distinct": len(set(seen)),
        "regressions": regressions,
        "vanished": vanished,
        "last": seen[-1],
    }


if __name__ == "__main__":
    role = sys.argv[1]
    result = publish(int(sys.argv[2]), int(sys.argv[3])) if role == "publish" else read(Path(sys.argv[2]))
    print(json.dumps(result))
