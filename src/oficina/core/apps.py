from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "oficina.core"
    label = "core"
    verbose_name = "Núcleo"
