"""
Split block ids are case-sensitive ("Intro" and "intro" are two blocks). MySQL/MariaDB compare
with the database's case-insensitive collation by default, which would make the block key map's
unique constraint refuse the second one: give those columns a binary collation there.
"""

from django.db import migrations


def _binary_block_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "mysql":
        return  # SQLite and PostgreSQL already compare case-sensitively
    table = apps.get_model("lc_modulestore", "BlockEntity")._meta.db_table
    schema_editor.execute(
        f"ALTER TABLE {schema_editor.quote_name(table)}"
        " MODIFY block_type varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,"
        " MODIFY block_id varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
    )


class Migration(migrations.Migration):
    atomic = False  # MySQL cannot run DDL inside a transaction
    dependencies = [("lc_modulestore", "0002_courseflagoverride_orgflagoverride")]

    operations = [migrations.RunPython(_binary_block_keys, migrations.RunPython.noop)]
