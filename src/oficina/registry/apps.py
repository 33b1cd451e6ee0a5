from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "oficina.registry"
    label = "registry"
    verbose_name = "Registro electrónico"
