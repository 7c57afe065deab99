"""
The physical floor of an import (``import_floor_s``): the rows an import wrote for one course,
written again with bulk inserts in one transaction, side by side with the import on the same
database. A benchmark anchor only, never a product path (decision 1: the product writes Learning
Core through its API): it reads and writes Learning Core's tables directly, in the bench's
scratch database, and rolls its copy back.

Every row of the course's learning package is copied (entities, versions, containers and their
lists, dependencies, media rows, drafts, change logs, publish records, side effects) with this
project's rows of the course (binding, block mapping, field data, course files): ids are shifted
past each table's largest, foreign keys shifted with them, uuids and unique names made new. Media
bytes on disk are not copied (the rows are).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from openedx_content import models_api as lc

from lc_modulestore.models import BlockEntity, CourseBinding, CourseFile, VersionFieldData

__all__ = ["FloorCopy", "import_floor"]

_BATCH = 1000


def _tables(lp: Any, binding: int) -> list[tuple[type[models.Model], models.Q]]:
    """Every table the import writes, parents first (MariaDB checks foreign keys row by row)."""
    lists = lc.ContainerVersion.objects.filter(container__learning_package_id=lp).values("entity_list_id")
    by_package = models.Q(learning_package_id=lp)
    tables: list[tuple[type[models.Model], models.Q]] = [
        (lc.LearningPackage, models.Q(pk=lp)),
        (lc.PublishableEntity, by_package),
        (lc.Component, by_package),
        (lc.Container, by_package),
    ]
    containers = [cls for cls in _container_classes() if cls is not lc.Container]
    tables += [(cls, by_package) for cls in containers]
    tables += [
        (lc.PublishableEntityVersion, models.Q(entity__learning_package_id=lp)),
        (lc.ComponentVersion, models.Q(component__learning_package_id=lp)),
        (lc.EntityList, models.Q(pk__in=lists)),
        (lc.ContainerVersion, models.Q(container__learning_package_id=lp)),
    ]
    tables += [
        (cls, models.Q(container__learning_package_id=lp))
        for cls in _container_version_classes()
        if cls is not lc.ContainerVersion
    ]
    tables += [
        (lc.EntityListRow, models.Q(entity_list_id__in=lists)),
        (lc.PublishableEntityVersionDependency, models.Q(referring_version__entity__learning_package_id=lp)),
        (lc.Media, by_package),
        (lc.ComponentVersionMedia, models.Q(component_version__component__learning_package_id=lp)),
        (lc.DraftChangeLog, by_package),
        (lc.DraftChangeLogRecord, models.Q(draft_change_log__learning_package_id=lp)),
        (lc.DraftSideEffect, models.Q(cause__draft_change_log__learning_package_id=lp)),
        (lc.Draft, models.Q(entity__learning_package_id=lp)),
        (lc.PublishLog, by_package),
        (lc.PublishLogRecord, models.Q(publish_log__learning_package_id=lp)),
        (lc.PublishSideEffect, models.Q(cause__publish_log__learning_package_id=lp)),
        (lc.Published, models.Q(entity__learning_package_id=lp)),
        (CourseBinding, models.Q(pk=binding)),
        (BlockEntity, models.Q(binding_id=binding)),
        (VersionFieldData, models.Q(version__entity__learning_package_id=lp)),
        (CourseFile, models.Q(binding_id=binding)),
    ]
    return tables


def _container_classes() -> list[type[models.Model]]:
    return [m for m in _concrete_subclasses(lc.Container)]


def _container_version_classes() -> list[type[models.Model]]:
    return [m for m in _concrete_subclasses(lc.ContainerVersion)]


def _concrete_subclasses(base: type[models.Model]) -> list[type[models.Model]]:
    found = [base]
    for sub in base.__subclasses__():
        if not sub._meta.abstract and not sub._meta.proxy:
            found += _concrete_subclasses(sub)
    return found


@dataclass(slots=True)
class FloorCopy:
    seconds: float
    rows: int
    tables: int


def import_floor(binding: CourseBinding) -> FloorCopy:
    """``binding``'s course copied with bulk inserts in one transaction, rolled back; timed."""
    tables = _tables(binding.learning_package_id, binding.pk)
    copied = {model._meta.db_table for model, _ in tables}
    with connection.cursor() as cursor:
        offsets: dict[str, int] = {}
        for model, _ in tables:
            if _auto(model._meta.pk):
                cursor.execute(f"SELECT MAX({model._meta.pk.column}) FROM {model._meta.db_table}")
                offsets[model._meta.db_table] = cursor.fetchone()[0] or 0
    statements = [_rows(model, where, offsets, copied) for model, where in tables]
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql, rows in statements:
                for start in range(0, len(rows), _BATCH):
                    cursor.executemany(sql, rows[start : start + _BATCH])
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return FloorCopy(seconds, sum(len(rows) for _, rows in statements), len(statements))


def _auto(field: Any) -> bool:
    """Whether the database numbers the rows (the ids to shift), rather than a foreign key."""
    return isinstance(field, models.AutoField | models.BigAutoField | models.SmallAutoField)


def _offset(model: type[models.Model], offsets: dict[str, int], copied: set[str]) -> int | None:
    """How far ids of ``model`` are shifted in the copy (None: not copied, ids kept)."""
    if model._meta.db_table not in copied:
        return None
    pk = model._meta.pk
    if _auto(pk):
        return offsets[model._meta.db_table]
    assert pk is not None and pk.related_model is not None
    return _offset(pk.related_model, offsets, copied)  # type: ignore[arg-type]


def _rows(
    model: type[models.Model], where: models.Q, offsets: dict[str, int], copied: set[str]
) -> tuple[str, list[tuple[Any, ...]]]:
    fields = list(model._meta.local_concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    shifts: list[int | None] = []
    for f in fields:
        if f.is_relation and f.related_model is not None:
            shifts.append(_offset(f.related_model, offsets, copied))  # type: ignore[arg-type]
        elif f.primary_key:
            shifts.append(offsets.get(model._meta.db_table))
        else:
            shifts.append(None)
    rows = []
    suffix = f"~floor{uuid.uuid4().hex[:8]}"
    for values in model._base_manager.filter(where).values_list(*(f.attname for f in fields)):
        row = []
        for f, shift, value in zip(fields, shifts, values, strict=True):
            if shift is not None and value is not None:
                value = value + shift
            elif isinstance(f, models.UUIDField) and value is not None:
                value = uuid.uuid4()
            elif f.attname in ("package_ref", "course_key"):  # unique names
                value = f"{value}{suffix}"
            row.append(f.get_db_prep_save(value, connection))
        rows.append(tuple(row))
    return sql, rows
