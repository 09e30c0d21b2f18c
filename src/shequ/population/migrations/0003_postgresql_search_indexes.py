"""PostgreSQL-only index for a registry of a million people (SQLite needs none at its scale).

``population_person_idnum_idx``: the ID number's blind index alone. The unique constraint leads with
``id_type``, which a search by number does not give, so without it a search read the whole index.
"""

from django.db import migrations

INDEXES = [
    ("population_person_idnum_idx",
     "CREATE INDEX IF NOT EXISTS population_person_idnum_idx ON population_person (id_number_index) "
     "WHERE id_number_index <> ''"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("population", "0002_standard_tags")]
    operations = [migrations.RunPython(add_indexes, drop_indexes)]
