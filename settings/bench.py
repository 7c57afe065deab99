"""
A scratch database for ``lc_bench``: ``var/bench.sqlite3`` (``make bench`` recreates it), or the
MariaDB server the environment names when ``LC_BENCH_DB=mysql`` (database ``lc_modulestore_bench``).
"""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, VAR_DIR
from .mysql import MYSQL_APPS, mysql_database

VAR_DIR.mkdir(exist_ok=True)
if os.environ.get("LC_BENCH_DB") == "mysql":
    DATABASES = {
        "default": {**mysql_database(), "NAME": os.environ.get("LC_MYSQL_NAME", "lc_modulestore_bench")}
    }
    INSTALLED_APPS = [*INSTALLED_APPS, *MYSQL_APPS]
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "bench.sqlite3")}}
