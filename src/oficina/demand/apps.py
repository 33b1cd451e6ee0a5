from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "oficina.demand"
    label = "demand"
    verbose_name = "Demanda de empleo"
