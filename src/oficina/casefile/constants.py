"""Choices of the personal file (expediente) and the NTI metadata values they map to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    """What a document is. The values are stable codes; the labels are what citizens read."""

    CURRICULUM = "curriculum", _("Currículum")
    CERTIFICADO = "certificado", _("Certificado")
    TITULO = "titulo", _("Título académico o profesional")
    VIDA_LABORAL = "vida_laboral", _("Informe de vida laboral")
    CONTRATO = "contrato", _("Contrato de trabajo")
    NOMINA = "nomina", _("Nómina")
    IDENTIDAD = "identidad", _("Documento de identidad o permiso de trabajo")
    OTRO = "otro", _("Otro documento")


class Origin(models.IntegerChoices):
    """NTI "origen": who created the document."""

    CITIZEN = 0, _("Ciudadano")
    ADMINISTRATION = 1, _("Administración")


class Format(models.TextChoices):
    """Accepted file formats, detected from the content. Value = the extension we give the download."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


CONTENT_TYPES: dict[str, str] = {
    Format.PDF: "application/pdf",
    Format.JPEG: "image/jpeg",
    Format.PNG: "image/png",
}
EXTENSIONS: dict[str, frozenset[str]] = {
    Format.PDF: frozenset({"pdf"}),
    Format.JPEG: frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    Format.PNG: frozenset({"png"}),
}
DOWNLOAD_EXTENSION: dict[str, str] = {Format.PDF: "pdf", Format.JPEG: "jpg", Format.PNG: "png"}

HASH_ALGORITHM = "SHA-256"
REGISTRY_KIND_UPLOAD = "document_upload"
SEALED_KIND_INDEX = "casefile_index"
MAX_IMAGE_PIXELS = 40_000_000
FILE_FIELD = "file"  # the one file field the upload handler accepts


class NoteSource(models.TextChoices):
    """What a staff note in the file was written during (the id of that thing is kept with the note)."""

    NONE = "", _("Nota directa")
    APPOINTMENT = "appointment", _("Cita previa")
    ATTENTION = "attention", _("Atención en directo")


NOTE_MAX_LENGTH = 2000
