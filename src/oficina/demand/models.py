from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oficina.demand.constants import (
    BajaReason,
    DemandAction,
    DemandCategory,
    DemandState,
    EducationLevel,
    SuspensionCause,
    WorkingTime,
)


class Occupation(models.Model):
    """One occupation of the CNO-11 (INE): 4-digit code and official name (data/cno11.csv)."""

    code = models.CharField(_("código"), max_length=4, unique=True)
    name = models.CharField(_("denominación"), max_length=300)
    # " word word ...": the name folded (no accents, lower case, punctuation as spaces), see search.py
    search_text = models.CharField(max_length=400, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("ocupación (CNO-11)")
        verbose_name_plural = _("ocupaciones (CNO-11)")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Demand(models.Model):
    """A citizen's job-seeker demand. Written only by demand.services; its history is DemandEvent."""

    citizen = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="demand")
    number = models.CharField(_("número de demanda"), max_length=20, unique=True)
    state = models.CharField(_("situación"), max_length=20, choices=DemandState.choices)
    category = models.CharField(_("categoría"), max_length=30, choices=DemandCategory.choices)
    office = models.ForeignKey("offices.Office", on_delete=models.PROTECT, related_name="demands")
    registered_at = models.DateTimeField(_("fecha de inscripción"))
    next_renewal_date = models.DateField(_("próxima renovación"), null=True, blank=True)
    last_renewed_at = models.DateTimeField(_("última renovación"), null=True, blank=True)
    renewal_reminder_sent_for = models.DateField(null=True, blank=True, editable=False)
    suspension_cause = models.CharField(_("causa de la suspensión"), max_length=20,
                                        choices=SuspensionCause.choices, blank=True)
    baja_reason = models.CharField(_("causa de la baja"), max_length=20, choices=BajaReason.choices, blank=True)
    state_changed_at = models.DateTimeField(_("último cambio de situación"))
    latest_darde = models.ForeignKey("registry.SealedDocument", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    # Profile
    nationality = models.CharField(_("nacionalidad"), max_length=2, default="ES")
    work_authorisation = models.CharField(_("autorización de trabajo"), max_length=100, blank=True)
    work_authorisation_expires = models.DateField(_("validez de la autorización"), null=True, blank=True)
    address = models.CharField(_("domicilio"), max_length=200, blank=True)
    municipality = models.CharField(_("municipio"), max_length=100, blank=True)
    postal_code = models.CharField(_("código postal"), max_length=5, blank=True)
    education_level = models.CharField(_("nivel de estudios"), max_length=20, choices=EducationLevel.choices)
    occupations = models.ManyToManyField(Occupation, related_name="demands", verbose_name=_("ocupaciones"))
    experience = models.JSONField(_("experiencia"), default=list, blank=True)  # [{occupation, months, employer}]
    languages = models.JSONField(_("idiomas"), default=list, blank=True)  # [{language, level}]
    driving_licences = models.JSONField(_("permisos de conducir"), default=list, blank=True)
    working_time = models.CharField(_("jornada"), max_length=10, choices=WorkingTime.choices,
                                    default=WorkingTime.ANY)
    shifts = models.JSONField(_("turnos"), default=list, blank=True)
    travel_distance_km = models.PositiveIntegerField(_("distancia máxima (km)"), default=30)
    disability_consent = models.BooleanField(_("consiente el tratamiento de datos de discapacidad"), default=False)
    disability_degree = models.PositiveSmallIntegerField(_("grado de discapacidad (%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("demanda de empleo")
        verbose_name_plural = _("demandas de empleo")
        indexes = [models.Index(fields=["state", "next_renewal_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_degree__isnull=True) | models.Q(disability_consent=True),
                name="demand_disability_needs_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DemandEvent(models.Model):
    """One line of a demand's history (the timeline the citizen and technicians see)."""

    demand = models.ForeignKey(Demand, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=DemandAction.choices)
    from_state = models.CharField(max_length=20, choices=DemandState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=DemandState.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    registry_entry = models.ForeignKey("registry.RegistryEntry", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    darde = models.ForeignKey("registry.SealedDocument", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind} {self.at:%Y-%m-%d}"


class RegistrationDraft(models.Model):
    """A citizen's registration (alta) in progress, one per citizen, saved step by step so that it can be
    resumed days later. `data`: per step key, the step's checked values as JSON (see registration.py);
    `completed_steps`: the keys of the steps that passed their checks. Deleted when the demand is
    registered. Written only by demand.registration."""

    citizen = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="registration_draft")
    data = models.JSONField(default=dict, blank=True)
    completed_steps = models.JSONField(default=list, blank=True)
    current_step = models.CharField(_("paso en curso"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inscripción en curso")
        verbose_name_plural = _("inscripciones en curso")

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.current_step}"
