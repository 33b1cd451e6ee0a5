"""The electronic registry (Ley 39/2015 art. 16 and 31) and the sealed documents with a CSV (Ley 40/2015 art. 42).

Entries are numbered per year without gaps (`RegistryCounter`, see services.py and docs/registry.md).
Order entries by (effective_at, submitted_at): several weekend submissions share an effective time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oficina.core.calendar import to_madrid
from oficina.core.pdf.csv_codes import format_csv
from oficina.registry.constants import EntryKind, EntryOrigin, SealedDocumentKind


class RegistryCounter(models.Model):
    """The last number given in a year. Its row is locked (SELECT ... FOR UPDATE) while an entry is numbered."""

    year = models.PositiveIntegerField(_("año"), unique=True)
    last_number = models.PositiveIntegerField(_("último número"), default=0)

    class Meta:
        verbose_name = _("contador del registro")
        verbose_name_plural = _("contadores del registro")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


def _sealed_document_path(instance: SealedDocument, filename: str) -> str:
    # Server-generated, never from user input, and not the CSV (which is the document's key to the public).
    issued = to_madrid(instance.issued_at or timezone.now())
    return f"sealed/{issued:%Y/%m}/{uuid.uuid4().hex}.pdf"


class SealedDocument(models.Model):
    """A PDF the office issued, sealed, with its CSV. The file is kept exactly as sealed."""

    csv = models.CharField(_("CSV"), max_length=18, unique=True, editable=False)
    kind = models.CharField(_("tipo de documento"), max_length=30, choices=SealedDocumentKind.choices)
    title = models.CharField(_("título"), max_length=200)
    issued_at = models.DateTimeField(_("fecha de emisión"))
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="sealed_documents",
        verbose_name=_("oficina emisora"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="sealed_documents", verbose_name=_("titular"),
    )
    file = models.FileField(_("fichero"), upload_to=_sealed_document_path, max_length=200)
    sha256 = models.CharField(_("huella SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("tamaño (bytes)"))

    class Meta:
        verbose_name = _("documento sellado")
        verbose_name_plural = _("documentos sellados")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.display_csv})"

    @property
    def display_csv(self) -> str:
        return format_csv(self.csv)


class RegistryEntry(models.Model):
    """One submission to the electronic registry, numbered `E-<year>-<sequence>` in arrival order."""

    number = models.CharField(_("número de registro"), max_length=20, unique=True)
    year = models.PositiveIntegerField(_("año"))
    sequence = models.PositiveIntegerField(_("número de orden"))
    submitted_at = models.DateTimeField(_("fecha y hora de presentación"))
    effective_at = models.DateTimeField(
        _("fecha y hora a efectos de plazos"),
        help_text=_("La presentación en día inhábil se entiende hecha a la primera hora del primer día hábil "
                    "siguiente (art. 31.2.b Ley 39/2015)."),
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registry_entries",
        verbose_name=_("interesado/a"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="registry_entries_recorded", verbose_name=_("registrado por"),
    )
    origin = models.CharField(_("origen"), max_length=20, choices=EntryOrigin.choices, default=EntryOrigin.CITIZEN)
    addressee_office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="registry_entries",
        verbose_name=_("oficina de destino"),
    )
    subject = models.CharField(_("asunto"), max_length=300)
    kind = models.CharField(_("tipo"), max_length=50, choices=EntryKind.choices)
    details = models.JSONField(_("datos adicionales"), default=dict, blank=True)
    receipt = models.OneToOneField(
        SealedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="registry_entry",
        verbose_name=_("justificante"),
    )

    class Meta:
        verbose_name = _("asiento registral")
        verbose_name_plural = _("asientos registrales")
        ordering = ["-effective_at", "-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="registry_entry_year_sequence")]
        indexes = [models.Index(fields=["submitter", "-submitted_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_effective_later(self) -> bool:
        return self.effective_at != self.submitted_at


class RegistryEntryFile(models.Model):
    """What the receipt proves about each attached file: name, size, SHA-256, type. Not the file itself
    (the app that received it keeps it)."""

    entry = models.ForeignKey(RegistryEntry, on_delete=models.CASCADE, related_name="files", verbose_name=_("asiento"))
    name = models.CharField(_("nombre"), max_length=255)
    size = models.PositiveBigIntegerField(_("tamaño (bytes)"))
    sha256 = models.CharField(_("huella SHA-256"), max_length=64)
    content_type = models.CharField(_("tipo de contenido"), max_length=100)

    class Meta:
        verbose_name = _("fichero del asiento")
        verbose_name_plural = _("ficheros del asiento")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
