from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "oficina.offices"
    label = "offices"
    verbose_name = "Oficinas"
