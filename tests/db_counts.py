"""Row counts of every table an import may touch: the check that a refused import changed nothing."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from lc_modulestore.api import ImportReport

__all__ = ["table_counts"]

_APPS = ("openedx_content", "lc_modulestore")


def table_counts() -> dict[str, int]:
    """
    Rows per table of Learning Core (and its backcompat apps) and of this project, but the import
    reports: a refused import is reported, and changes nothing else.
    """
    tables = set(connection.introspection.table_names())
    counts: dict[str, int] = {}
    for config in apps.get_app_configs():
        if config.name.startswith(_APPS) or config.label in _APPS:
            for model in config.get_models():
                if model._meta.db_table in tables and not model._meta.proxy and model is not ImportReport:
                    counts[model._meta.db_table] = model.objects.count()
    assert "openedx_content_publishlog" in counts and "lc_modulestore_coursebinding" in counts
    return counts
