"""
Test settings: SQLite in memory by default, the MariaDB server the test command starts when
``LC_TEST_DB=mysql``.
"""

import os

from .base import *  # noqa: F403
from .mysql import mysql_database

if os.environ.get("LC_TEST_DB") == "mysql":
    DATABASES = {"default": mysql_database()}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Celery runs tasks inline in the tests; the end-to-end test's worker gets a real broker's URL.
CELERY_TASK_ALWAYS_EAGER = "LC_CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = False  # a retry runs inline instead of raising
CELERY_BROKER_URL = os.environ.get("LC_CELERY_BROKER_URL", "memory://localhost/")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
