"""The services offered at first; administrators edit them in the admin."""

from django.db import migrations

SERVICES = [
    ("orientacion-laboral", "Orientación laboral",
     "Ayuda para buscar empleo, preparar el currículum y elegir formación.", 30, True, True),
    ("demanda-de-empleo", "Demanda de empleo",
     "Inscripción, renovación y cambios en su demanda de empleo.", 20, True, True),
    ("autoempleo", "Autoempleo", "Información para crear su propio negocio.", 45, True, True),
    ("prestaciones", "Prestaciones", "Información sobre prestaciones y subsidios por desempleo.", 20, True, False),
]


def seed(apps, schema_editor):
    Service = apps.get_model("appointments", "Service")
    for slug, name, description, minutes, office, video in SERVICES:
        Service.objects.get_or_create(slug=slug, defaults={
            "name": name, "description": description, "duration_minutes": minutes,
            "allows_office": office, "allows_video": video,
        })


def unseed(apps, schema_editor):
    apps.get_model("appointments", "Service").objects.filter(slug__in=[s[0] for s in SERVICES]).delete()


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
