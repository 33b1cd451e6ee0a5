"""Renewal rules, pure: the next renewal date, the window around it, whether a renewal is accepted today.

The period is `DEMAND_RENEWAL_MONTHS` months counted as Ley 39/2015 counts months (BusinessCalendar
.add_months: same day-number, last day of a short month, moved to the next business day). The window
runs from `DEMAND_RENEWAL_WINDOW_BEFORE` business days before the renewal date to
`DEMAND_RENEWAL_WINDOW_AFTER` business days after it, both included, on the office's business calendar.
A new period is counted from the day of the renewal (or reactivation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from oficina.core.calendar import BusinessCalendar
from oficina.demand.constants import DemandAction, DemandState
from oficina.demand.state_machine import TransitionRefused, transition

if TYPE_CHECKING:
    from oficina.demand.models import Demand

__all__ = ["RenewalCheck", "business_days_before", "can_renew", "format_date", "next_renewal_date",
           "renewal_window", "window_around"]


@dataclass(frozen=True)
class RenewalCheck:
    allowed: bool
    message: str
    window: tuple[date, date] | None


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def business_days_before(calendar: BusinessCalendar, d: date, n: int) -> date:
    """The n-th business day before `d` (`d` itself for n == 0)."""
    day, count = d, 0
    while count < n:
        day -= timedelta(days=1)
        if calendar.is_business_day(day):
            count += 1
    return day


def next_renewal_date(start: date, calendar: BusinessCalendar, months: int | None = None) -> date:
    """The renewal date of a period starting on `start`."""
    return calendar.add_months(start, months if months is not None else settings.DEMAND_RENEWAL_MONTHS)


def window_around(renewal_date: date, calendar: BusinessCalendar, before: int, after: int) -> tuple[date, date]:
    """(first day, last day) on which a renewal due on `renewal_date` is accepted."""
    first = business_days_before(calendar, renewal_date, before)
    last = calendar.add_business_days(renewal_date, after) if after > 0 else renewal_date
    return first, last


def renewal_window(demand: Demand, calendar: BusinessCalendar | None = None) -> tuple[date, date] | None:
    """The window of the demand's next renewal, with the settings; None if it has no renewal date."""
    if demand.next_renewal_date is None:
        return None
    if calendar is None:
        from oficina.offices.selectors import business_calendar_for

        calendar = business_calendar_for(demand.office)
    return window_around(demand.next_renewal_date, calendar, settings.DEMAND_RENEWAL_WINDOW_BEFORE,
                         settings.DEMAND_RENEWAL_WINDOW_AFTER)


def can_renew(demand: Demand, today: date, calendar: BusinessCalendar | None = None) -> RenewalCheck:
    """Whether `demand` may be renewed on `today`; if not, why, in Spanish, with the dates."""
    try:
        transition(demand.state, DemandAction.RENEW)
    except TransitionRefused as refused:
        if demand.state == DemandState.SUSPENSION:
            return RenewalCheck(False, _("Su demanda está suspendida: no tiene que renovarla mientras dure la "
                                         "suspensión."), None)
        return RenewalCheck(False, refused.message, None)
    window = renewal_window(demand, calendar)
    if window is None:
        return RenewalCheck(False, _("Su demanda no tiene fecha de renovación."), None)
    first, last = window
    dates = {"first": format_date(first), "last": format_date(last),
             "date": format_date(demand.next_renewal_date)}
    if today < first:
        return RenewalCheck(False, _(
            "Todavía no puede renovar su demanda. Su fecha de renovación es el %(date)s y podrá renovarla "
            "desde el %(first)s hasta el %(last)s.") % dates, window)
    if today > last:
        return RenewalCheck(False, _(
            "El plazo para renovar su demanda terminó el %(last)s (la renovación podía hacerse del %(first)s al "
            "%(last)s). Puede volver a inscribirse.") % dates, window)
    return RenewalCheck(True, _("Puede renovar su demanda hasta el %(last)s.") % dates, window)
