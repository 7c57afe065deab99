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

# Components read by their own XBlock class (lc_modulestore.parsing) in the platform test mode, a
# site with the platform's XBlocks and their Django apps; the normal suite's oracle is the rule
# table, whatever optional XBlocks the environment holds (tests/test_xblock_parsing.py turns it on).
LC_MODULESTORE_PARSE_WITH_XBLOCK_CLASSES = bool(os.environ.get("LC_TEST_PLATFORM"))

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

# The platform test mode (``LC_TEST_PLATFORM=1``, tests/platform): edx-platform's course-files path
# (``../shared/platform``: the contentserver view, ``static_replace``, ``contentstore()``) runs
# against the engine as an operator configures it, ``MongoContentStore`` (on mongomock, in the
# tests) behind it. Its apps are imported when Django sets up, before any conftest runs, so the
# platform goes on ``sys.path`` here (tests/platform/loader.py installs it again, a no-op).
if os.environ.get("LC_TEST_PLATFORM"):
    from lc_modulestore.bench.platform import install as _install_platform
    from lc_modulestore.operations.contentstore_settings import serve_files_from_learning_core

    from .base import VAR_DIR

    if _install_platform():
        INSTALLED_APPS = [
            *INSTALLED_APPS,
            "django.contrib.staticfiles",
            "openedx.core.djangoapps.contentserver",
            "common.djangoapps.static_replace",
        ]
        # Their tables after auth's, as an LMS migrates them (tests/platform/platform_migrations).
        MIGRATION_MODULES = {
            app: f"tests.platform.platform_migrations.{app}" for app in ("contentserver", "static_replace")
        }
        # As in an LMS: the current request (crum) and its request cache, cleared per request.
        MIDDLEWARE = [
            "edx_django_utils.cache.middleware.RequestCacheMiddleware",
            *MIDDLEWARE,
            "crum.CurrentRequestUserMiddleware",
        ]
        STATIC_URL = "/static/"
        STATIC_ROOT = str(VAR_DIR / "static")  # asked first for every /static/ link; nothing in it
        CONTENTSTORE = serve_files_from_learning_core(
            {
                "ENGINE": "xmodule.contentstore.mongo.MongoContentStore",
                "DOC_STORE_CONFIG": {"host": "localhost", "db": "lc_platform_contentstore"},
            }
        )
        # Open edX's OLX reader (tests/platform/olx_reader.py): its layer in front of the read path
        # (the real course_block.py replaces the stub Split imports), its apps and settings merged in.
        # SQLite only: the platform mode's MariaDB leg runs the course-files path, and edx-submissions'
        # migration 0006_mariadb_uuid_conversion fails on a new MariaDB database (no uuid column yet).
        from tests.platform import olx_reader as _olx_reader

        if os.environ.get("LC_TEST_DB") != "mysql" and _olx_reader.install():
            _olx_reader.django_settings(globals())
