"""Which work-situation pages to offer a citizen now: what the state machine allows in the demand's
state (and, for a suspension, its cause: a job's end or another cause's end)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from oficina.demand.constants import DemandAction, SuspensionCause
from oficina.demand.models import Demand
from oficina.demand.state_machine import allowed_actions

__all__ = ["SituationOffer", "situation_offers"]


@dataclass(frozen=True)
class SituationOffer:
    action: str  # a DemandAction, or "work_start" for both of its outcomes
    url: str
    label: str
    hint: str


def situation_offers(demand: Demand | None) -> list[SituationOffer]:
    if demand is None:
        return []
    allowed = set(allowed_actions(demand.state))
    offers: list[SituationOffer] = []

    def offer(action: str, url_name: str, label: str, hint: str) -> None:
        offers.append(SituationOffer(action, reverse(url_name), label, hint))

    if {DemandAction.WORK_START_SUSPENSION, DemandAction.WORK_START_BAJA} & allowed:
        offer("work_start", "demand:work_start", _("He empezado a trabajar"),
              _("Comunique la fecha de inicio y el tipo de contrato."))
    if DemandAction.WORK_END in allowed and demand.suspension_cause == SuspensionCause.WORK:
        offer(DemandAction.WORK_END, "demand:work_end", _("He terminado el trabajo"),
              _("Su demanda vuelve a estar de alta."))
    if DemandAction.RESUME in allowed and demand.suspension_cause != SuspensionCause.WORK:
        offer(DemandAction.RESUME, "demand:resume", _("Reactivar mi demanda"),
              _("Ha terminado la causa de la suspensión."))
    if DemandAction.SUSPEND in allowed:
        offer(DemandAction.SUSPEND, "demand:suspend", _("Suspender mi demanda por otra causa"),
              _("Enfermedad, formación, cuidado de familiares..."))
    if DemandAction.CHANGE_CATEGORY in allowed:
        offer(DemandAction.CHANGE_CATEGORY, "demand:change_category", _("Cambiar mi situación laboral"),
              _("Por ejemplo, a «ocupado/a que busca mejorar de empleo»."))
    if DemandAction.UPDATE_PROFILE in allowed:
        offer(DemandAction.UPDATE_PROFILE, "demand:profile", _("Actualizar mis datos"),
              _("Ocupaciones que busca, estudios y disponibilidad."))
    if DemandAction.VOLUNTARY_BAJA in allowed:
        offer(DemandAction.VOLUNTARY_BAJA, "demand:voluntary_baja", _("Darme de baja como demandante"),
              _("Dejará de estar inscrito/a."))
    return offers
