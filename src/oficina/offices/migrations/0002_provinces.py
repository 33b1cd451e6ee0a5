"""The nine provinces of Castilla y León: fixed data, so they exist before any office is loaded.

The list is written out here (not imported from constants.py) so that this migration keeps meaning the
same thing whatever the app's code becomes later.
"""

from django.db import migrations

PROVINCES = {
    "05": "Ávila",
    "09": "Burgos",
    "24": "León",
    "34": "Palencia",
    "37": "Salamanca",
    "40": "Segovia",
    "42": "Soria",
    "47": "Valladolid",
    "49": "Zamora",
}


def create_provinces(apps, schema_editor):
    Province = apps.get_model("offices", "Province")
    for code, name in PROVINCES.items():
        Province.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("offices", "0001_initial")]

    # Reversing leaves the rows: offices and users may point at them (PROTECT), and 0001's reversal drops
    # the table anyway.
    operations = [migrations.RunPython(create_provinces, migrations.RunPython.noop)]
