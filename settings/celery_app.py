"""
The Celery app for running this project on its own: ``celery -A settings.celery_app worker``.

An LMS has its own Celery app, which finds the compile task by autodiscovery
(``lc_modulestore.tasks``); this one exists for the tests and for trying the async path here.
Its configuration is Django's ``CELERY_*`` settings (``settings.test`` sets them).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.sqlite")

app = Celery("lc_modulestore")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
