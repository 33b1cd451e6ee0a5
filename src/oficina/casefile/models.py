"""The personal file (expediente): a citizen's documents and every version of each.

A new version never replaces an old one: each `DocumentVersion` keeps its file, fingerprint and the
registry entry that received it. Files live in the default storage under a server-made name
(`casefile/<citizen id>/<uuid>`); the name the citizen gave is kept only as text, for downloads.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oficina.casefile.constants import CONTENT_TYPES, NOTE_MAX_LENGTH, DocType, Format, NoteSource, Origin


def version_file_path(instance: DocumentVersion, filename: str) -> str:
    """Server-generated storage name; nothing of the uploaded name reaches the disk."""
    return f"casefile/{instance.document.citizen_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """One document of a citizen's file, with NTI metadata. Its content lives in its versions."""

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="casefile_documents",
        verbose_name=_("ciudadano/a"),
    )
    identifier = models.CharField(
        _("identificador NTI"), max_length=80, unique=True,
        help_text=_("ES_<órgano>_<año>_<identificador único>."),
    )
    doc_type = models.CharField(_("tipo de documento"), max_length=20, choices=DocType.choices)
    title = models.CharField(_("título"), max_length=200)
    origin = models.PositiveSmallIntegerField(_("origen"), choices=Origin.choices)
    created_at = models.DateTimeField(_("fecha de alta"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("documento")
        verbose_name_plural = _("documentos")
        indexes = [models.Index(fields=["citizen", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.identifier} {self.title}"


class DocumentVersion(models.Model):
    """One uploaded file of a document. Numbered 1, 2, 3… within its document; never changed."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions",
                                 verbose_name=_("documento"))
    number = models.PositiveIntegerField(_("versión"))
    file = models.FileField(_("archivo"), upload_to=version_file_path, max_length=200)
    original_name = models.CharField(_("nombre del archivo"), max_length=150)
    size = models.PositiveBigIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField(_("huella SHA-256"), max_length=64)
    format = models.CharField(_("formato"), max_length=10, choices=Format.choices)
    captured_at = models.DateTimeField(_("fecha de captura"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("subido por"),
    )
    registry_entry = models.ForeignKey(
        "registry.RegistryEntry", on_delete=models.PROTECT, related_name="casefile_versions",
        verbose_name=_("asiento de registro"),
    )

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("versión de documento")
        verbose_name_plural = _("versiones de documentos")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="casefile_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document.identifier} v{self.number}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


class FileNote(models.Model):
    """A note staff wrote in a citizen's file (after an appointment, a live attention, or directly).

    Staff only: internal notes are not part of the administrative file shown to the citizen (art. 70.4
    Ley 39/2015); they remain personal data the citizen can obtain with an access request (art. 15 RGPD).
    Never changed or deleted: a correction is a new note.
    """

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="file_notes",
                                verbose_name=_("ciudadano/a"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("autor/a"))
    text = models.TextField(_("nota"), max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("fecha"))
    source = models.CharField(_("origen"), max_length=20, choices=NoteSource.choices, blank=True, default="")
    source_id = models.PositiveBigIntegerField(_("identificador del origen"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("nota del expediente")
        verbose_name_plural = _("notas del expediente")
        indexes = [models.Index(fields=["citizen", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.citizen_id} · {self.created_at:%Y-%m-%d %H:%M}"
