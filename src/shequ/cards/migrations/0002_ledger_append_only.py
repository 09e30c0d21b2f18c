"""The ledger refuses UPDATE and DELETE of transactions and entries in the database itself, as the
audit log does (core migration 0002). On PostgreSQL a deferred constraint trigger also refuses to
commit a transaction whose entries do not sum to zero.

TRUNCATE is not refused: test runs empty tables with it; a platform user has no way to issue it.
"""

from django.db import migrations

TABLES = ("cards_transaction", "cards_entry")

SQLITE = [
    sql
    for table in TABLES
    for sql in (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;",
    )
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_{what};" for table in TABLES for what in ("no_update", "no_delete")
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION cards_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the ledger is append-only'; END; $$ LANGUAGE plpgsql;""",
    *[
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION cards_ledger_append_only();"
        for table in TABLES
    ],
]
POSTGRES_BALANCED = [
    """CREATE OR REPLACE FUNCTION cards_entries_balanced() RETURNS trigger AS $$
       DECLARE total bigint;
       BEGIN
         SELECT COALESCE(SUM(amount), 0) INTO total FROM cards_entry WHERE transaction_id = NEW.transaction_id;
         IF total <> 0 THEN
           RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total;
         END IF;
         RETURN NULL;
       END; $$ LANGUAGE plpgsql;""",
    "CREATE CONSTRAINT TRIGGER cards_entry_balanced AFTER INSERT ON cards_entry "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cards_entries_balanced();",
]
POSTGRES_BALANCED_REVERSE = [
    "DROP TRIGGER IF EXISTS cards_entry_balanced ON cards_entry;",
    "DROP FUNCTION IF EXISTS cards_entries_balanced();",
]
POSTGRES_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};" for table in TABLES],
    "DROP FUNCTION IF EXISTS cards_ledger_append_only();",
]


def append_only_sql(vendor, *, on=True):
    """The append-only triggers alone; tests that commit for real drop them to empty the tables."""
    if vendor == "postgresql":
        return POSTGRES if on else POSTGRES_REVERSE
    return SQLITE if on else SQLITE_REVERSE


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = append_only_sql(vendor) + (POSTGRES_BALANCED if vendor == "postgresql" else [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (POSTGRES_BALANCED_REVERSE if vendor == "postgresql" else []) + append_only_sql(vendor, on=False)
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("cards", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
