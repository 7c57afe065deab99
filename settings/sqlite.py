"""The embedded default: one SQLite file under ``var/``, nothing else to install or start."""

from .base import *  # noqa: F403
from .base import VAR_DIR

VAR_DIR.mkdir(exist_ok=True)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "lc_modulestore.sqlite3"),
    }
}
