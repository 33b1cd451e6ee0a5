"""The demand's history as people read it: one row per DemandEvent, with who did it and the details that
matter (dates, contract, cause, reason). Presentation only: the events come from selectors.demand_history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from oficina.demand.constants import ContractType, DemandCategory, DemandState, SuspensionCause
from oficina.demand.models import Demand, DemandEvent
from oficina.demand.renewal import format_date

__all__ = ["TimelineRow", "timeline_rows"]


@dataclass(frozen=True)
class TimelineRow:
    event: DemandEvent
    title: str
    from_state: str
    to_state: str
    who: str
    by_staff: bool
    details: list[tuple[str, str]] = field(default_factory=list)


def _state(value: str) -> str:
    return DemandState(value).label if value in DemandState.values else ""


def _iso_date(value: Any) -> str:
    try:
        return format_date(date.fromisoformat(str(value)[:10]))
    except ValueError:
        return ""


def _field_label(name: str) -> str:
    if name == "occupation_codes":
        return _("ocupaciones")
    try:
        return str(Demand._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _choice(choices: Any, value: Any) -> str:
    return choices(value).label if value in choices.values else str(value or "")


def _details(event: DemandEvent) -> list[tuple[str, str]]:
    d, kind = event.details or {}, event.kind
    rows: list[tuple[str, str]] = []
    if kind in {"work_start_suspension", "work_start_baja"}:
        rows.append((_("Fecha de inicio"), _iso_date(d.get("start_date"))))
        rows.append((_("Tipo de contrato"), _choice(ContractType, d.get("contract_type"))))
        if d.get("end_date"):
            rows.append((_("Fecha prevista de fin"), _iso_date(d["end_date"])))
    elif kind == "work_end":
        rows.append((_("Fecha de fin"), _iso_date(d.get("end_date"))))
    elif kind in {"suspend", "resume"} and d.get("cause"):
        rows.append((_("Causa"), _choice(SuspensionCause, d["cause"])))
    elif kind == "voluntary_baja" and d.get("reason"):
        rows.append((_("Motivo"), d["reason"]))
    elif kind == "change_category":
        rows.append((_("Categoría"), f"{_choice(DemandCategory, d.get('before'))} → "
                                     f"{_choice(DemandCategory, d.get('after'))}"))
    elif kind == "register" and d.get("category"):
        rows.append((_("Categoría"), _choice(DemandCategory, d["category"])))
    elif kind == "baja_no_renewal" and d.get("renewal_date"):
        rows.append((_("Fecha de renovación no atendida"), _iso_date(d["renewal_date"])))
    elif kind == "correct":
        rows.append((_("Motivo"), str(d.get("reason", ""))))
    if kind in {"update_profile", "correct"} and d.get("changes"):
        rows.append((_("Datos modificados"), ", ".join(sorted(_field_label(name) for name in d["changes"]))))
    if d.get("next_renewal_date") and kind in {"register", "renew", "work_end", "resume"}:
        rows.append((_("Próxima renovación"), _iso_date(d["next_renewal_date"])))
    return [(label, value) for label, value in rows if value]


def timeline_rows(events: Iterable[DemandEvent], *, citizen_id: int, viewer_is_citizen: bool) -> list[TimelineRow]:
    """`citizen_id`: the demand's citizen (an actor who is not them is staff)."""
    rows = []
    for event in events:
        by_staff = event.actor_id is not None and event.actor_id != citizen_id
        if event.actor_id is None:
            who = _("El sistema (proceso automático)")
        elif by_staff:
            who = _("Personal técnico: %(name)s") % {"name": event.actor.get_full_name() or event.actor.get_username()}
        else:
            who = _("Usted") if viewer_is_citizen else _("El/la ciudadano/a")
        rows.append(TimelineRow(
            event=event, title=event.get_kind_display(), from_state=_state(event.from_state),
            to_state=_state(event.to_state), who=who, by_staff=by_staff, details=_details(event),
        ))
    return rows
