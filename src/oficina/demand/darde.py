"""The DARDE (documento de alta y renovación de la demanda de empleo) as an unsealed PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from oficina.core.calendar import to_madrid
from oficina.core.pdf.documents import Block, Fields, Paragraph, render_document
from oficina.demand.constants import DARDE_TITLE
from oficina.demand.renewal import format_date
from oficina.registry.receipts import verify_url

if TYPE_CHECKING:
    from oficina.demand.models import Demand


def darde_blocks(demand: Demand) -> list[Block]:
    citizen = demand.citizen
    office = demand.office
    rows = [
        (_("Número de demanda"), demand.number),
        (_("Nombre y apellidos"), citizen.get_full_name() or citizen.get_username()),
        (_("DNI/NIE"), citizen.document_number or ""),
        (_("Oficina de empleo"), f"{office.name} ({office.code})"),
        (_("Fecha de inscripción"), format_date(to_madrid(demand.registered_at).date())),
        (_("Situación"), demand.get_state_display()),
        (_("Categoría"), demand.get_category_display()),
        (_("Próxima renovación"), format_date(demand.next_renewal_date) if demand.next_renewal_date else "—"),
    ]
    if demand.last_renewed_at:
        rows.insert(5, (_("Última renovación"), format_date(to_madrid(demand.last_renewed_at).date())))
    occupations = ", ".join(f"{o.code} {o.name}" for o in demand.occupations.order_by("code"))
    rows.append((_("Ocupaciones solicitadas (CNO-11)"), occupations))
    return [
        Fields(rows),
        Paragraph(_(
            "Debe renovar su demanda en la fecha indicada como próxima renovación (se admite la renovación "
            "en los días hábiles de alrededor de esa fecha). Si no la renueva, su demanda pasará a baja. "
            "Puede renovarla por internet en la Oficina Virtual, a cualquier hora."
        )),
        Paragraph(_(
            "Este documento está sellado electrónicamente; puede comprobar su autenticidad con el Código "
            "Seguro de Verificación (CSV) que figura al pie de cada página."
        )),
    ]


def render_darde(demand: Demand, csv: str) -> bytes:
    with translation.override("es"):
        return render_document(title=DARDE_TITLE, csv=csv, verify_url=verify_url(), blocks=darde_blocks(demand),
                               organisation=settings.ORGANISATION_NAME)
