"""The state machine: every (state, action) pair, allowed or refused, with the expected result."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from oficina.demand.constants import ContractType, DemandAction, DemandState
from oficina.demand.state_machine import (
    SHORT_CONTRACT_MAX_DAYS,
    TransitionRefused,
    allowed_actions,
    transition,
    work_start_outcome,
)

A, S, B = "alta", "suspension", "baja"
# Written out here, independently of TRANSITIONS: the rules as the issue states them.
EXPECTED = {
    (None, "register"): A, (B, "register"): A,
    (A, "renew"): A, (A, "change_category"): A,
    (A, "update_profile"): A, (S, "update_profile"): S,
    (A, "work_start_suspension"): S, (A, "suspend"): S,
    (A, "work_start_baja"): B, (A, "voluntary_baja"): B, (A, "baja_no_renewal"): B,
    (S, "work_end"): A, (S, "resume"): A, (S, "voluntary_baja"): B,
    (A, "correct"): A, (S, "correct"): S, (B, "correct"): B,
}
STATES = [None, *DemandState.values]
PAIRS = list(itertools.product(STATES, DemandAction.values))


def test_the_table_covers_every_action():
    assert {action for _, action in EXPECTED} == set(DemandAction.values)


@pytest.mark.parametrize(("state", "action"), PAIRS)
def test_every_pair(state, action):
    if (state, action) in EXPECTED:
        assert transition(state, action) == EXPECTED[(state, action)]
        assert action in allowed_actions(state)
    else:
        with pytest.raises(TransitionRefused) as refused:
            transition(state, action)
        assert refused.value.code == "transition_refused"
        assert refused.value.message  # a sentence in Spanish for the citizen
        assert action not in allowed_actions(state)


def test_refusal_messages_in_spanish():
    with pytest.raises(TransitionRefused, match="primero debe darse de alta"):
        transition(None, "renew")
    with pytest.raises(TransitionRefused, match="Ya tiene una demanda de empleo en situación de alta"):
        transition(A, "register")
    with pytest.raises(TransitionRefused, match="está de baja: para «renovación» debe inscribirse de nuevo"):
        transition(B, "renew")
    with pytest.raises(TransitionRefused, match="No se puede hacer «renovación» con la demanda en situación de "
                                                "suspensión"):
        transition(S, "renew")


@pytest.mark.parametrize(("contract", "days", "expected"), [
    (ContractType.TEMPORARY, 1, DemandAction.WORK_START_SUSPENSION),
    (ContractType.TEMPORARY, SHORT_CONTRACT_MAX_DAYS, DemandAction.WORK_START_SUSPENSION),
    (ContractType.TEMPORARY, SHORT_CONTRACT_MAX_DAYS + 1, DemandAction.WORK_START_BAJA),
    (ContractType.TEMPORARY, None, DemandAction.WORK_START_BAJA),
    (ContractType.INDEFINITE, None, DemandAction.WORK_START_BAJA),
    (ContractType.INDEFINITE, 30, DemandAction.WORK_START_BAJA),
    (ContractType.FIXED_DISCONTINUOUS, 30, DemandAction.WORK_START_BAJA),
    (ContractType.SELF_EMPLOYED, None, DemandAction.WORK_START_BAJA),
])
def test_work_start_rule(contract, days, expected):
    start = date(2026, 3, 2)
    end = None if days is None else date.fromordinal(start.toordinal() + days - 1)
    assert work_start_outcome(contract_type=contract, start_date=start, end_date=end) == expected


def test_work_start_end_before_start_is_refused():
    with pytest.raises(TransitionRefused, match="anterior a la de inicio"):
        work_start_outcome(contract_type=ContractType.TEMPORARY, start_date=date(2026, 3, 2),
                           end_date=date(2026, 3, 1))
