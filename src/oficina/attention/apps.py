from django.apps import AppConfig


class AttentionConfig(AppConfig):
    name = "oficina.attention"
    label = "attention"
    verbose_name = "Atención en directo"
