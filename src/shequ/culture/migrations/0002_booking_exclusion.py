"""On PostgreSQL, the database itself refuses two live bookings of one room that overlap (an exclusion constraint
over the room and the booking's time range); SQLite relies on the booking action's room-row lock alone."""

from django.db import migrations

LIVE = "('requested', 'confirmed', 'checked_in')"


def add_exclusion(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE culture_booking ADD CONSTRAINT culture_booking_no_overlap EXCLUDE USING gist "
        "(room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE (status IN {LIVE})")


def drop_exclusion(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE culture_booking DROP CONSTRAINT IF EXISTS culture_booking_no_overlap")


class Migration(migrations.Migration):
    dependencies = [("culture", "0001_initial")]
    operations = [migrations.RunPython(add_exclusion, drop_exclusion)]
