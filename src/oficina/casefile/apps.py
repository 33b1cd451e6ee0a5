from django.apps import AppConfig


class CasefileConfig(AppConfig):
    name = "oficina.casefile"
    label = "casefile"
    verbose_name = "Expediente personal"
