"""PostgreSQL only: no two slot-holding appointments of one technician may overlap in time.

The partial unique index of 0001 (technician, starts_at) works everywhere and stops two bookings of the
same slot; this exclusion constraint (btree_gist) also stops overlapping slots of different lengths
(a 45-minute service at 09:00 and a 20-minute one at 09:30). SQLite has no equivalent; there the slot
grid and the unique index are the guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE appointments_appointment ADD CONSTRAINT appointment_no_overlap_per_technician
  EXCLUDE USING gist (technician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
  WHERE (status IN ('booked', 'attended', 'no_show'));
"""
DROP = "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap_per_technician;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("appointments", "0002_seed_services")]
    operations = [migrations.RunPython(forwards, backwards)]
