"""Cita previa: services offered, technicians' weekly schedules and exceptions, and appointments.

Instants are stored in UTC; schedules hold local wall-clock times in Europe/Madrid (see selectors).
No double booking is enforced by the database: a partial unique index on (technician, starts_at) over
the statuses that hold a slot (and, on PostgreSQL, an exclusion constraint on overlapping ranges,
migration 0003).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_video_room_token() -> str:
    return secrets.token_urlsafe(18)


class Service(models.Model):
    """Something a citizen can book an appointment for (orientación laboral, prestaciones...)."""

    name = models.CharField(_("nombre"), max_length=120)
    slug = models.SlugField(_("identificador"), max_length=60, unique=True)
    description = models.CharField(_("descripción"), max_length=250, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duración (minutos)"), default=20)
    allows_office = models.BooleanField(_("en la oficina"), default=True)
    allows_video = models.BooleanField(_("por videollamada"), default=True)
    requires_registry_entry = models.BooleanField(
        _("genera asiento de registro"), default=False,
        help_text=_("Si la cita debe constar en el registro electrónico con justificante."),
    )
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("servicio de cita previa")
        verbose_name_plural = _("servicios de cita previa")
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gte=5), name="service_duration_at_least_5"),
        ]

    def __str__(self) -> str:
        return self.name


class WeeklySchedule(models.Model):
    """A technician's recurring block of attention: local wall-clock times in Europe/Madrid."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("lunes")
        TUESDAY = 1, _("martes")
        WEDNESDAY = 2, _("miércoles")
        THURSDAY = 3, _("jueves")
        FRIDAY = 4, _("viernes")
        SATURDAY = 5, _("sábado")
        SUNDAY = 6, _("domingo")

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_schedules",
        verbose_name=_("técnico/a"), limit_choices_to={"role": "technician"},
    )
    office = models.ForeignKey("offices.Office", on_delete=models.CASCADE, related_name="weekly_schedules",
                               verbose_name=_("oficina"))
    weekday = models.PositiveSmallIntegerField(_("día de la semana"), choices=Weekday.choices)
    start_time = models.TimeField(_("desde"))
    end_time = models.TimeField(_("hasta"))
    services = models.ManyToManyField(Service, related_name="weekly_schedules", verbose_name=_("servicios"))

    class Meta:
        ordering = ["technician", "weekday", "start_time"]
        verbose_name = _("horario semanal")
        verbose_name_plural = _("horarios semanales")
        constraints = [
            models.CheckConstraint(condition=models.Q(start_time__lt=models.F("end_time")),
                                   name="weekly_schedule_starts_before_it_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} · {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ScheduleException(models.Model):
    """A period when a technician does not attend (leave, training): no slots inside it."""

    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="schedule_exceptions", verbose_name=_("técnico/a"),
                                   limit_choices_to={"role": "technician"})
    starts_at = models.DateTimeField(_("desde"))
    ends_at = models.DateTimeField(_("hasta"))
    reason = models.CharField(_("motivo"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("ausencia")
        verbose_name_plural = _("ausencias")
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")),
                                   name="schedule_exception_starts_before_it_ends"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} · {self.reason}"


class Appointment(models.Model):
    class Mode(models.TextChoices):
        OFFICE = "office", _("En la oficina")
        VIDEO = "video", _("Por videollamada")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Reservada")
        CANCELLED = "cancelled", _("Anulada")
        ATTENDED = "attended", _("Atendida")
        NO_SHOW = "no_show", _("No se presentó")

    #: Statuses that hold the technician's slot; only "cancelled" frees it.
    HOLDING_STATUSES = (Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments",
                                verbose_name=_("ciudadano/a"))
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="technician_appointments", verbose_name=_("técnico/a"))
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="appointments", verbose_name=_("oficina"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments",
                                verbose_name=_("servicio"))
    mode = models.CharField(_("modalidad"), max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField(_("empieza"))
    ends_at = models.DateTimeField(_("termina"))
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(_("reservada el"))
    cancelled_at = models.DateTimeField(_("anulada el"), null=True, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("reservada por"))
    rescheduled_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="rescheduled_to", verbose_name=_("cambiada desde"))
    reminded_at = models.DateTimeField(_("recordatorio enviado el"), null=True, blank=True)
    note = models.TextField(_("nota"), blank=True)  # no longer written: notes go to the file (casefile.FileNote)
    video_room = models.CharField(_("sala virtual"), max_length=40, default=new_video_room_token, unique=True)
    registry_entry = models.OneToOneField("registry.RegistryEntry", on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="appointment", verbose_name=_("asiento de registro"),
                                          help_text=_("Solo si el servicio genera asiento de registro."))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("cita")
        verbose_name_plural = _("citas")
        constraints = [
            # The rule "no double booking" lives here, not in Python: a concurrent second INSERT fails.
            models.UniqueConstraint(
                fields=["technician", "starts_at"],
                condition=models.Q(status__in=["booked", "attended", "no_show"]),
                name="appointment_one_per_technician_slot",
            ),
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")),
                                   name="appointment_starts_before_it_ends"),
            models.CheckConstraint(
                condition=models.Q(mode="video") | models.Q(office__isnull=False),
                name="appointment_office_mode_has_office",
            ),
        ]
        indexes = [
            models.Index(fields=["citizen", "status"]),
            models.Index(fields=["status", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.starts_at:%Y-%m-%d %H:%M} UTC"

    def get_absolute_url(self) -> str:
        return reverse("appointments:detail", args=[self.pk])

    @property
    def is_video(self) -> bool:
        return self.mode == self.Mode.VIDEO
