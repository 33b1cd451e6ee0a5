"""Choices of the job-seeker demand. States, actions and their rules: state_machine.py."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemandState(models.TextChoices):
    ALTA = "alta", _("Alta")
    SUSPENSION = "suspension", _("Suspensión")
    BAJA = "baja", _("Baja")


class DemandCategory(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Desempleado/a")
    EMPLOYED_IMPROVEMENT = "employed_improvement", _("Ocupado/a que busca mejorar de empleo")
    LIMITED_AVAILABILITY = "limited_availability", _("Con disponibilidad limitada")


class DemandAction(models.TextChoices):
    """What can happen to a demand: the kinds of its history (DemandEvent.kind)."""

    REGISTER = "register", _("Alta de la demanda")
    RENEW = "renew", _("Renovación")
    WORK_START_SUSPENSION = "work_start_suspension", _("Inicio de trabajo (suspensión)")
    WORK_START_BAJA = "work_start_baja", _("Inicio de trabajo (baja)")
    WORK_END = "work_end", _("Fin de trabajo (reactivación)")
    SUSPEND = "suspend", _("Suspensión por otras causas")
    RESUME = "resume", _("Fin de la suspensión (reactivación)")
    VOLUNTARY_BAJA = "voluntary_baja", _("Baja voluntaria")
    CHANGE_CATEGORY = "change_category", _("Cambio de categoría")
    BAJA_NO_RENEWAL = "baja_no_renewal", _("Baja por no renovación")
    UPDATE_PROFILE = "update_profile", _("Actualización del perfil")
    CORRECT = "correct", _("Corrección por personal técnico")


class BajaReason(models.TextChoices):
    WORK = "work", _("Colocación")
    VOLUNTARY = "voluntary", _("Baja voluntaria")
    NO_RENEWAL = "no_renewal", _("No renovación")


class SuspensionCause(models.TextChoices):
    WORK = "work", _("Trabajo de corta duración")
    ILLNESS = "illness", _("Enfermedad o incapacidad temporal")
    TRAINING = "training", _("Formación")
    CARE = "care", _("Cuidado de familiares")
    MATERNITY = "maternity", _("Nacimiento y cuidado de menor")
    OTHER = "other", _("Otra causa")


class ContractType(models.TextChoices):
    INDEFINITE = "indefinite", _("Indefinido")
    FIXED_DISCONTINUOUS = "fixed_discontinuous", _("Fijo discontinuo")
    TEMPORARY = "temporary", _("Temporal")
    SELF_EMPLOYED = "self_employed", _("Por cuenta propia")


class EducationLevel(models.TextChoices):
    NONE = "none", _("Sin estudios")
    PRIMARY = "primary", _("Educación primaria")
    SECONDARY = "secondary", _("Educación secundaria obligatoria (ESO)")
    BACHILLERATO = "bachillerato", _("Bachillerato")
    FP_BASIC = "fp_basic", _("Formación profesional básica")
    FP_MEDIUM = "fp_medium", _("Formación profesional de grado medio")
    FP_HIGHER = "fp_higher", _("Formación profesional de grado superior")
    UNIVERSITY = "university", _("Grado universitario o equivalente")
    POSTGRADUATE = "postgraduate", _("Máster o doctorado")


class WorkingTime(models.TextChoices):
    FULL = "full", _("Jornada completa")
    PART = "part", _("Jornada parcial")
    ANY = "any", _("Indiferente")


class Shift(models.TextChoices):
    MORNING = "morning", _("Mañana")
    AFTERNOON = "afternoon", _("Tarde")
    NIGHT = "night", _("Noche")
    WEEKEND = "weekend", _("Fines de semana")


class DrivingLicence(models.TextChoices):
    AM = "AM", "AM"
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    A = "A", "A"
    B = "B", "B"
    BE = "BE", "BE"
    C1 = "C1", "C1"
    C = "C", "C"
    CE = "CE", "CE"
    D1 = "D1", "D1"
    D = "D", "D"
    DE = "DE", "DE"


class LanguageLevel(models.TextChoices):
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"
    NATIVE = "native", _("Lengua materna")


# EU, EEA and Switzerland (ISO 3166-1 alpha-2): no work authorisation needed.
FREE_MOVEMENT_COUNTRIES = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO", "CH"]
)

MIN_OCCUPATIONS = 1
MAX_OCCUPATIONS = 6
DEMAND_NUMBER_PREFIX = "D"
DARDE_TITLE = "Documento de alta y renovación de la demanda de empleo (DARDE)"
