"""
Test settings: SQLite in memory by default, the MariaDB server the test command starts when
``LC_TEST_DB=mysql``.
"""

import os

from .base import *  # noqa: F403
from .base import INSTALLED_APPS
from .mysql import MYSQL_APPS, mysql_database

if os.environ.get("LC_TEST_DB") == "mysql":
    DATABASES = {"default": mysql_database()}
    INSTALLED_APPS = [*INSTALLED_APPS, *MYSQL_APPS]
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Celery runs tasks inline in the tests; the end-to-end test's worker gets a real broker's URL.
CELERY_TASK_ALWAYS_EAGER = "LC_CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = False  # a retry runs inline instead of raising
CELERY_BROKER_URL = os.environ.get("LC_CELERY_BROKER_URL", "memory://localhost/")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The Django admin, for its tests (an LMS has all of this already).
INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "settings.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
