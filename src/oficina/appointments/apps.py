from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "oficina.appointments"
    label = "appointments"
    verbose_name = "Cita previa"
