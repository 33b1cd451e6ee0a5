"""The one place where the rules of a demand's state live: which action is allowed in which state, and
the state it leads to. Pure: no database, no settings.

    none (no demand) ──register──▶ alta
    alta ──renew / change_category / update_profile──▶ alta
    alta ──work_start_suspension / suspend──▶ suspensión
    alta ──work_start_baja / voluntary_baja / baja_no_renewal──▶ baja
    suspensión ──work_end / resume──▶ alta
    suspensión ──voluntary_baja──▶ baja
    suspensión ──update_profile──▶ suspensión
    baja ──register──▶ alta (a new registration of the same demand)
    any existing demand ──correct──▶ the same state (a technician's correction of data)

Work start (`work_start_outcome`): a temporary contract expected to last at most
`SHORT_CONTRACT_MAX_DAYS` days suspends the demand (it comes back to *alta* when the job ends);
any other contract (indefinite, fixed-discontinuous, self-employment, temporary longer than that or
without an end date) ends it (*baja por colocación*). Category changes and renewals need *alta*:
a suspended demand is not renewed while the cause lasts.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from oficina.core.exceptions import ApplicationError
from oficina.demand.constants import ContractType, DemandAction, DemandState

__all__ = ["SHORT_CONTRACT_MAX_DAYS", "TRANSITIONS", "TransitionRefused", "allowed_actions", "transition",
           "work_start_outcome"]

SHORT_CONTRACT_MAX_DAYS = 180

A, S, B = DemandState.ALTA, DemandState.SUSPENSION, DemandState.BAJA

# (state before, action) -> state after. `None`: the citizen has no demand yet.
TRANSITIONS: dict[tuple[DemandState | None, DemandAction], DemandState] = {
    (None, DemandAction.REGISTER): A,
    (B, DemandAction.REGISTER): A,
    (A, DemandAction.RENEW): A,
    (A, DemandAction.CHANGE_CATEGORY): A,
    (A, DemandAction.UPDATE_PROFILE): A,
    (S, DemandAction.UPDATE_PROFILE): S,
    (A, DemandAction.WORK_START_SUSPENSION): S,
    (A, DemandAction.SUSPEND): S,
    (A, DemandAction.WORK_START_BAJA): B,
    (A, DemandAction.VOLUNTARY_BAJA): B,
    (A, DemandAction.BAJA_NO_RENEWAL): B,
    (S, DemandAction.WORK_END): A,
    (S, DemandAction.RESUME): A,
    (S, DemandAction.VOLUNTARY_BAJA): B,
    (A, DemandAction.CORRECT): A,
    (S, DemandAction.CORRECT): S,
    (B, DemandAction.CORRECT): B,
}


class TransitionRefused(ApplicationError):
    code = "transition_refused"


def _refusal(state: DemandState | None, action: DemandAction) -> str:
    if state is None:
        return _("Todavía no está inscrito/a como demandante de empleo: primero debe darse de alta.")
    if action == DemandAction.REGISTER:
        return _("Ya tiene una demanda de empleo en situación de %(state)s.") % {"state": state.label.lower()}
    if state == DemandState.BAJA:
        return _("Su demanda de empleo está de baja: para «%(action)s» debe inscribirse de nuevo.") % {
            "action": action.label.lower()}
    return _("No se puede hacer «%(action)s» con la demanda en situación de %(state)s.") % {
        "action": action.label.lower(), "state": state.label.lower()}


def transition(state: DemandState | str | None, action: DemandAction | str) -> DemandState:
    """The state after `action`, or TransitionRefused with a message in Spanish for the citizen."""
    state = DemandState(state) if state is not None else None
    action = DemandAction(action)
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(_refusal(state, action)) from None


def allowed_actions(state: DemandState | str | None) -> list[DemandAction]:
    """What can be done now (for the UI: which buttons to show)."""
    state = DemandState(state) if state is not None else None
    return [action for (before, action) in TRANSITIONS if before == state]


def work_start_outcome(*, contract_type: str, start_date: date, end_date: date | None) -> DemandAction:
    """Suspension for a temporary contract of at most SHORT_CONTRACT_MAX_DAYS days (end date known),
    baja for any other."""
    if contract_type == ContractType.TEMPORARY and end_date is not None:
        if end_date < start_date:
            raise TransitionRefused(_("La fecha de fin del contrato no puede ser anterior a la de inicio."),
                                    field="end_date")
        if (end_date - start_date).days + 1 <= SHORT_CONTRACT_MAX_DAYS:
            return DemandAction.WORK_START_SUSPENSION
    return DemandAction.WORK_START_BAJA
