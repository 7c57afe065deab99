"""
Settings shared by every way of running this project outside an LMS.

In an LMS none of this is used: the platform installs the Learning Core apps, and adds
``lc_modulestore`` itself through the plugin's entry points (``lc_modulestore/plugin_settings.py``).
"""

import os
from pathlib import Path

from openedx_content.settings_api import openedx_content_backcompat_apps_to_install

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Everything a run writes (SQLite file, media, MariaDB data) stays under one ignored folder
# (``LC_VAR_DIR`` moves it, e.g. to a scratch directory).
VAR_DIR = Path(os.environ.get("LC_VAR_DIR", PROJECT_ROOT / "var"))

SECRET_KEY = "lc-modulestore-standalone-not-secret"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "waffle",
    "organizations",
    "openedx_content",
    *openedx_content_backcompat_apps_to_install(),
    "openedx_catalog",
    "lc_modulestore",
]

MIDDLEWARE: list[str] = []
ROOT_URLCONF: str | None = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lc-modulestore"},
}

OPENEDX_LEARNING = {
    "MEDIA": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
