from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """What a registry entry records. Other apps add their kinds here."""

    DOCUMENT_UPLOAD = "document_upload", _("Aportación de documentación")
    GENERIC = "generic", _("Solicitud o escrito genérico")
    DEMAND_REGISTRATION = "demand_registration", _("Inscripción como demandante de empleo")
    DEMAND_RENEWAL = "demand_renewal", _("Renovación de la demanda de empleo")
    DEMAND_CHANGE = "demand_change", _("Comunicación de cambio en la demanda de empleo")
    APPOINTMENT = "appointment", _("Cita previa")


class EntryOrigin(models.TextChoices):
    """NTI origin: 0 citizen, 1 administration."""

    CITIZEN = "citizen", _("Ciudadano/a")
    ADMINISTRATION = "administration", _("Administración")


class SealedDocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Justificante de presentación en el registro electrónico")
    CASEFILE_INDEX = "casefile_index", _("Índice del expediente")
    DARDE = "darde", _("Documento de alta y renovación de la demanda de empleo (DARDE)")
    OTHER = "other", _("Otro documento")


ENTRY_NUMBER_PREFIX = "E"
ENTRY_NUMBER_DIGITS = 6
