"""The receipt (justificante de presentación) of a registry entry, as an unsealed PDF (core.pdf.documents)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from oficina.core.calendar import to_madrid
from oficina.core.pdf.documents import Block, Fields, Heading, Paragraph, Table, render_document

if TYPE_CHECKING:
    from oficina.registry.models import RegistryEntry
    from oficina.registry.services import EntryFile

RECEIPT_TITLE = "Justificante de presentación"


def verify_url() -> str:
    """The public address of the verification page, printed on every sealed document."""
    return settings.VERIFY_BASE_URL.rstrip("/") + reverse("registry:verify")


def format_instant(moment: datetime) -> str:
    """`06/01/2026 10:15:42`, Europe/Madrid, to the second."""
    return to_madrid(moment).strftime("%d/%m/%Y %H:%M:%S")


def format_size(size: int) -> str:
    """Spanish notation: `1,0 MB (1.048.576 bytes)`."""
    exact = f"{size:,}".replace(",", ".")
    if size < 1024:
        return f"{exact} bytes"
    value, unit = (size / 1024, "KB") if size < 1024 * 1024 else (size / (1024 * 1024), "MB")
    return f"{value:.1f}".replace(".", ",") + f" {unit} ({exact} bytes)"


def _person(user) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name} ({user.document_number})" if getattr(user, "document_number", None) else name


def receipt_blocks(entry: RegistryEntry, files: Sequence[EntryFile], details: Mapping[str, str]) -> list[Block]:
    office = entry.addressee_office
    rows: list[tuple[str, str]] = [
        (_("Número de registro"), entry.number),
        (_("Fecha y hora de presentación"), _("%(when)s (hora peninsular)") % {"when": format_instant(entry.submitted_at)}),
    ]
    if entry.is_effective_later:
        rows.append((_("Fecha y hora a efectos de plazos"),
                     _("%(when)s (hora peninsular)") % {"when": format_instant(entry.effective_at)}))
    else:
        rows.append((_("Fecha y hora a efectos de plazos"), _("La misma de presentación (día hábil).")))
    rows.append((_("Interesado/a"), _person(entry.submitter)))
    if entry.recorded_by is not None:
        rows.append((_("Registrado por"), _("%(name)s, en nombre de la persona interesada") % {
            "name": entry.recorded_by.get_full_name() or entry.recorded_by.get_username()}))
    rows += [
        (_("Origen"), entry.get_origin_display()),
        (_("Oficina de destino"), f"{office.name} ({office.code})" if office else _("Registro general")),
        (_("Tipo de presentación"), entry.get_kind_display()),
        (_("Asunto"), entry.subject),
    ]
    rows += [(str(label), str(value)) for label, value in details.items()]
    blocks: list[Block] = [Fields(rows)]
    if entry.is_effective_later:
        blocks.append(Paragraph(_(
            "La presentación se hizo en un día inhábil. A efectos del cómputo de plazos se entiende realizada "
            "en la primera hora del primer día hábil siguiente, antes que las presentaciones de ese día "
            "(artículo 31.2.b de la Ley 39/2015)."
        )))
    blocks.append(Heading(_("Documentos presentados")))
    if files:
        blocks.append(Table(
            header=[_("Nombre"), _("Tamaño"), _("Tipo"), _("Huella SHA-256")],
            rows=[[f.name, format_size(f.size), f.content_type, f.sha256] for f in files],
        ))
        blocks.append(Paragraph(_(
            "La huella SHA-256 identifica el contenido exacto de cada fichero: cualquier cambio en el fichero "
            "da una huella distinta."
        )))
    else:
        blocks.append(Paragraph(_("No se han presentado documentos con este asiento.")))
    blocks.append(Paragraph(_(
        "Este justificante acredita la presentación en el registro electrónico en la fecha y hora indicadas "
        "(artículos 16.3 y 31 de la Ley 39/2015). Está sellado electrónicamente; puede comprobar su "
        "autenticidad con el Código Seguro de Verificación (CSV) que figura al pie de cada página."
    )))
    return blocks


def render_receipt(entry: RegistryEntry, files: Sequence[EntryFile], details: Mapping[str, str], csv: str) -> bytes:
    with translation.override("es"):  # a legal document: always in Spanish
        return render_document(
            title=RECEIPT_TITLE, csv=csv, verify_url=verify_url(), blocks=receipt_blocks(entry, files, details),
            organisation=settings.ORGANISATION_NAME,
        )
