"""
MySQL/MariaDB, configured from the environment.

``LC_MYSQL_SOCKET`` (a unix socket path) wins over ``LC_MYSQL_HOST``/``LC_MYSQL_PORT``;
``LC_MYSQL_NAME``, ``LC_MYSQL_USER`` and ``LC_MYSQL_PASSWORD`` name the database and account.
"""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

# django-mysql's system checks (InnoDB strict mode, utf8mb4) and its MySQLCache backend.
MYSQL_APPS = ["django_mysql"]


def mysql_database() -> dict[str, object]:
    """Django's DATABASES entry for the server the environment names."""
    socket = os.environ.get("LC_MYSQL_SOCKET", "")
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("LC_MYSQL_NAME", "lc_modulestore"),
        "USER": os.environ.get("LC_MYSQL_USER", "root"),
        "PASSWORD": os.environ.get("LC_MYSQL_PASSWORD", ""),
        "HOST": socket or os.environ.get("LC_MYSQL_HOST", "127.0.0.1"),
        "PORT": "" if socket else os.environ.get("LC_MYSQL_PORT", "3306"),
        # utf8mb4 so course text outside the BMP survives; strict mode so bad data fails loudly.
        "OPTIONS": {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"},
        "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
    }


DATABASES = {"default": mysql_database()}
INSTALLED_APPS = [*INSTALLED_APPS, *MYSQL_APPS]
