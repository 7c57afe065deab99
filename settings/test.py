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
