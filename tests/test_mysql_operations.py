"""
What only MySQL/MariaDB has: the block map's binary collation (check E004), django-mysql's own
checks, its ``MySQLCache`` as the structure cache, and the column type of structure rows.
Run on the MariaDB leg of ``make test``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId
from django.core import checks
from django.db import connection
from django.test import override_settings
from django_mysql.cache import MySQLCache

from compile.vocabulary import PUBLISHED_BRANCH
from lc_modulestore.api import import_olx
from lc_modulestore.models import BlockEntity, CompiledStructure
from lc_modulestore.storage.backend import LearningCorePersistenceBackend
from lc_modulestore.storage.structure_cache import SharedStructureCache

from .conftest import SAMPLE_COURSE

pytestmark = pytest.mark.skipif(
    os.environ.get("LC_TEST_DB") != "mysql", reason="MySQL/MariaDB only (the MariaDB leg of make test)"
)
CACHE_TABLE = "lc_structure_cache"


def check_ids(tags: list[str] | None = None) -> list[str]:
    return [m.id for m in checks.run_checks(tags=tags, databases=["default"]) if m.id]


def column(table: str, name: str) -> tuple[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, collation_name FROM information_schema.columns"
            " WHERE table_schema = DATABASE() AND table_name = %s AND column_name = %s",
            [table, name],
        )
        data_type, collation = cursor.fetchone()
    return str(data_type), collation


@pytest.mark.django_db(transaction=True)  # DDL commits: no test transaction around it
def test_e004_block_keys_without_the_binary_collation() -> None:
    table = BlockEntity._meta.db_table
    assert column(table, "block_id")[1] == "utf8mb4_bin"
    assert "lc_modulestore.E004" not in check_ids()
    alter = f"ALTER TABLE {table} MODIFY block_id varchar(255) CHARACTER SET utf8mb4 COLLATE {{}} NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(alter.format("utf8mb4_unicode_ci"))
    try:
        (error,) = [m for m in checks.run_checks(databases=["default"]) if m.id == "lc_modulestore.E004"]
        assert "block_id utf8mb4_unicode_ci" in error.msg and "utf8mb4_bin" in error.hint
    finally:
        with connection.cursor() as cursor:
            cursor.execute(alter.format("utf8mb4_bin"))
    assert "lc_modulestore.E004" not in check_ids()


@pytest.mark.django_db
def test_django_mysql_checks_run_and_pass_on_these_settings() -> None:
    assert not [i for i in check_ids() if i.startswith(("django_mysql.", "mysql."))]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("statement", "restore", "check_id"),
    [
        ("SET SESSION innodb_strict_mode = OFF", "SET SESSION innodb_strict_mode = ON", "django_mysql.W002"),
        ("SET NAMES utf8mb3", "SET NAMES utf8mb4", "django_mysql.W003"),
    ],
)
def test_django_mysql_checks_catch_a_misconfigured_connection(
    statement: str, restore: str, check_id: str
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)
    try:
        assert check_id in check_ids()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(restore)
    assert check_id not in check_ids()


@pytest.mark.django_db
def test_structure_rows_are_longblob() -> None:
    """Django's BinaryField is LONGBLOB (4 GB) on MySQL already: no size to declare."""
    assert column(CompiledStructure._meta.db_table, "data")[0] == "longblob"
    assert column("lc_modulestore_compileddefinition", "data")[0] == "longblob"


@pytest.fixture
def mysql_cache() -> Iterator[None]:
    """A MySQLCache alias ``structures`` as OPERATIONS.md configures it, its table created and dropped."""
    with connection.cursor() as cursor:
        cursor.execute(MySQLCache.create_table_sql.format(table_name=CACHE_TABLE))
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "structures": {
            "BACKEND": "django_mysql.cache.MySQLCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"COMPRESS_MIN_LENGTH": 0},  # structures are compressed already
        },
    }
    try:
        with override_settings(
            CACHES=caches,
            LC_MODULESTORE_STRUCTURE_CACHE="structures",
            LC_MODULESTORE_STRUCTURE_CACHE_CHUNK_SIZE=8_000_000,
        ):
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {CACHE_TABLE}")


def cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {CACHE_TABLE}")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_mysql_cache_holds_compiled_structures(mysql_cache: Any) -> None:
    assert "lc_modulestore.E002" not in check_ids()
    import_olx(SAMPLE_COURSE)  # commits: the publish compiles
    structure = CompiledStructure.objects.get(branch=PUBLISHED_BRANCH)
    LearningCorePersistenceBackend.clear_process_cache()
    backend = LearningCorePersistenceBackend()
    read = backend.cached_structure(structure.object_id)
    assert read is not None and cache_rows() == 2  # head + one chunk
    oid = ObjectId(structure.object_id)
    assert backend.shared_cache.get(oid) == bytes(structure.data)
    big = os.urandom(3_000_000)  # a large course's structure: one row, where memcached needs four
    SharedStructureCache("structures", 8_000_000).set(ObjectId(), big)
    assert cache_rows() == 4
    LearningCorePersistenceBackend.clear_process_cache()
    assert LearningCorePersistenceBackend().cached_structure(structure.object_id) == read
