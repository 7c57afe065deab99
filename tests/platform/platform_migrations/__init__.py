"""
Migrations for the platform's two course-files apps (``contentserver``, ``static_replace``), whose
models ``../shared/platform`` has but whose migrations it does not: an LMS migrates them after
``auth`` (their ``changed_by`` points at the user table). Left unmigrated, Django would create
their tables before any migration runs, and MariaDB refuses a foreign key to a table not there yet.
Each migration is built from the app's own models when Django loads it: nothing is copied.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import migrations

__all__ = ["initial_migration"]


def initial_migration(app_label: str) -> type[Any]:
    """``0001_initial`` of ``app_label``: a ``CreateModel`` per model, after the user model's app."""
    operations = [
        migrations.CreateModel(
            name=model.__name__,
            fields=[(field.name, field.clone()) for field in model._meta.local_fields],
        )
        for model in apps.get_app_config(app_label).get_models()
    ]
    return type(
        "Migration",
        (migrations.Migration,),
        {
            "initial": True,
            "dependencies": [migrations.swappable_dependency(settings.AUTH_USER_MODEL)],
            "operations": operations,
        },
    )
