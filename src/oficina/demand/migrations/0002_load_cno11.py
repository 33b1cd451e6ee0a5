"""Load the CNO-11 catalogue (data/cno11.csv). Idempotent; `manage.py load_cno11` does the same later."""

from django.db import migrations


def load(apps, schema_editor):
    from oficina.demand.catalogue import load_cno11

    load_cno11(apps.get_model("demand", "Occupation"))


class Migration(migrations.Migration):
    dependencies = [("demand", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
