"""Renewal rules: period in months, window of business days around the renewal date, explanations."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from oficina.core.calendar import BusinessCalendar
from oficina.demand.renewal import (
    business_days_before,
    can_renew,
    next_renewal_date,
    window_around,
)

CAL = BusinessCalendar(subdiv="CL")


def demand(state="alta", renewal=date(2026, 6, 15)):
    return SimpleNamespace(state=state, next_renewal_date=renewal, office=None)


def test_period_is_counted_in_months_like_a_deadline(settings):
    settings.DEMAND_RENEWAL_MONTHS = 3
    assert next_renewal_date(date(2026, 3, 16), CAL) == date(2026, 6, 16)
    assert next_renewal_date(date(2026, 11, 30), CAL) == date(2027, 3, 1)  # 28/02/2027 is a Sunday
    assert next_renewal_date(date(2026, 3, 16), CAL, months=1) == date(2026, 4, 16)


def test_window_counts_business_days_of_the_office():
    # Monday 15 June 2026: five business days before is Monday 8, five after is Monday 22.
    assert window_around(date(2026, 6, 15), CAL, 5, 5) == (date(2026, 6, 8), date(2026, 6, 22))
    local = BusinessCalendar(local_holidays=[date(2026, 6, 10), date(2026, 6, 17)], subdiv="CL")
    assert window_around(date(2026, 6, 15), local, 5, 5) == (date(2026, 6, 5), date(2026, 6, 23))
    assert window_around(date(2026, 6, 15), CAL, 0, 0) == (date(2026, 6, 15), date(2026, 6, 15))


@pytest.mark.parametrize(("today", "allowed"), [
    (date(2026, 6, 5), False), (date(2026, 6, 8), True), (date(2026, 6, 15), True), (date(2026, 6, 22), True),
    (date(2026, 6, 23), False),
])
def test_can_renew_inside_the_window_only(settings, today, allowed):
    settings.DEMAND_RENEWAL_WINDOW_BEFORE = settings.DEMAND_RENEWAL_WINDOW_AFTER = 5
    assert can_renew(demand(), today, CAL).allowed is allowed


def test_outside_the_window_the_explanation_gives_the_dates(settings):
    settings.DEMAND_RENEWAL_WINDOW_BEFORE = settings.DEMAND_RENEWAL_WINDOW_AFTER = 5
    early = can_renew(demand(), date(2026, 6, 1), CAL)
    assert "15/06/2026" in early.message and "08/06/2026" in early.message and "22/06/2026" in early.message
    assert early.message.startswith("Todavía no puede renovar")
    late = can_renew(demand(), date(2026, 7, 1), CAL)
    assert "terminó el 22/06/2026" in late.message


def test_only_a_demand_in_alta_is_renewed():
    assert "suspendida" in can_renew(demand(state="suspension", renewal=None), date(2026, 6, 15), CAL).message
    assert "baja" in can_renew(demand(state="baja", renewal=None), date(2026, 6, 15), CAL).message
    assert not can_renew(demand(renewal=None), date(2026, 6, 15), CAL).allowed


@hsettings(max_examples=150, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
       before=st.integers(0, 10), after=st.integers(0, 10))
def test_window_properties(day, before, after):
    renewal = CAL.business_day_on_or_after(day)
    first, last = window_around(renewal, CAL, before, after)
    assert first <= renewal <= last
    assert CAL.business_days_between(first, renewal) == before
    assert CAL.business_days_between(renewal, last) == after
    assert CAL.is_business_day(first) and CAL.is_business_day(last)


@hsettings(max_examples=100, deadline=None)
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), n=st.integers(1, 8))
def test_business_days_before_is_the_inverse_of_adding(day, n):
    start = business_days_before(CAL, day, n)
    assert start < day and CAL.is_business_day(start)
    # (start, day) holds n - 1 business days; `day` itself counts if it is one.
    assert CAL.business_days_between(start, day) == n - 1 + CAL.is_business_day(day)
