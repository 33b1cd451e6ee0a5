"""Business days and deadlines, as Ley 39/2015 counts them (art. 30 and 31).

Business days exclude Saturdays, Sundays, national and regional holidays (the `holidays` package, Spain,
subdivision `settings.HOLIDAYS_SUBDIVISION`, "CL" by default) and the local holidays the caller passes in
(offices.selectors.business_calendar_for gives an office's). The official calendar is the one published
in BOCYL; the `holidays` package is our default for it, and administrators add what it lacks.

This module is pure: no database access, settings read only when a calendar is built, never at import.
Dates are local dates in Europe/Madrid, the service's official time (art. 31.2); instants are aware
datetimes, converted to Madrid with zoneinfo so that DST changes are handled by the time zone database.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import functools
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_SUBDIVISION",
    "MADRID",
    "BusinessCalendar",
    "madrid_now",
    "to_madrid",
]

MADRID = ZoneInfo("Europe/Madrid")
DEFAULT_SUBDIVISION = "CL"  # Castilla y León
_COUNTRY = "ES"
_ONE_DAY = timedelta(days=1)


def madrid_now() -> datetime:
    """The current instant as an aware datetime in Europe/Madrid: the service's official time."""
    return datetime.now(tz=MADRID)


def to_madrid(dt: datetime) -> datetime:
    """`dt` expressed in Europe/Madrid. Naive datetimes are refused: their instant is unknown."""
    _require_aware(dt)
    return dt.astimezone(MADRID)


def _require_aware(dt: datetime) -> None:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: give an aware datetime (UTC or Europe/Madrid)")


def _require_date(d: date) -> None:
    # A datetime is a date subclass, but `datetime(2026, 1, 6, 0, 0) != date(2026, 1, 6)`, so a
    # datetime would silently miss every holiday: refuse it instead.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")


def _require_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError("a deadline counts at least one unit")


@functools.lru_cache(maxsize=128)
def _public_holidays(subdivision: str, year: int) -> frozenset[date]:
    """National and regional holidays of one year; shared by every calendar (they are all the same)."""
    return frozenset(holidays.country_holidays(_COUNTRY, subdiv=subdivision or None, years=year).keys())


def _default_subdivision() -> str:
    from django.conf import settings

    if not settings.configured:  # used outside Django (scripts, notebooks): the regional default
        return DEFAULT_SUBDIVISION
    return getattr(settings, "HOLIDAYS_SUBDIVISION", DEFAULT_SUBDIVISION)


class BusinessCalendar:
    """Business days for one office (or none): public holidays plus the given local holidays.

    `subdiv`: the `holidays` subdivision; None reads `settings.HOLIDAYS_SUBDIVISION` (default "CL");
    "" means national holidays only.
    """

    def __init__(self, local_holidays: Iterable[date] = (), subdiv: str | None = None) -> None:
        local = frozenset(local_holidays)
        for day in local:
            _require_date(day)
        self._subdivision = _default_subdivision() if subdiv is None else subdiv
        self._local_by_year: dict[int, frozenset[date]] = {}
        for day in local:
            self._local_by_year[day.year] = self._local_by_year.get(day.year, frozenset()) | {day}
        self._holidays_by_year: dict[int, frozenset[date]] = {}

    @property
    def subdivision(self) -> str:
        return self._subdivision

    def holidays_in_year(self, year: int) -> frozenset[date]:
        """Every non-weekend closing day of `year`: national, regional and local holidays."""
        cached = self._holidays_by_year.get(year)
        if cached is None:
            cached = _public_holidays(self._subdivision, year) | self._local_by_year.get(year, frozenset())
            self._holidays_by_year[year] = cached
        return cached

    # --- Days ---------------------------------------------------------------------------------------

    def is_business_day(self, d: date) -> bool:
        """Not a Saturday, not a Sunday, not a national, regional or local holiday."""
        _require_date(d)
        if d.weekday() >= 5:
            return False
        return d not in self.holidays_in_year(d.year)

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after `d`."""
        _require_date(d)
        candidate = d + _ONE_DAY
        while not self.is_business_day(candidate):
            candidate += _ONE_DAY
        return candidate

    def business_day_on_or_after(self, d: date) -> date:
        """`d` itself if it is a business day, else the next one (art. 30.5)."""
        _require_date(d)
        return d if self.is_business_day(d) else self.next_business_day(d)

    def business_days_between(self, a: date, b: date) -> int:
        """How many business days lie in (a, b]: after `a`, up to and including `b`; 0 if b <= a."""
        _require_date(a)
        _require_date(b)
        count = 0
        day = a + _ONE_DAY
        while day <= b:
            if self.is_business_day(day):
                count += 1
            day += _ONE_DAY
        return count

    # --- Deadlines (art. 30) --------------------------------------------------------------------------

    def add_business_days(self, start: date, n: int) -> date:
        """The last day of a deadline of `n` business days (art. 30.2).

        The count starts the day after `start` (the notification or publication date, or the effective
        date of a submission, see `effective_registry_time`): the result is the n-th business day after
        `start`, so it is always a business day.
        """
        _require_date(start)
        _require_count(n)
        day = start
        for _ in range(n):
            day = self.next_business_day(day)
        return day

    def add_calendar_days(self, start: date, n: int) -> date:
        """The last day of a deadline of `n` calendar days ("días naturales", art. 30.2).

        Counted from the day after `start`, so it ends on start + n; if that is not a business day the
        deadline ends on the next business day (art. 30.5).
        """
        _require_date(start)
        _require_count(n)
        return self.business_day_on_or_after(start + timedelta(days=n))

    def add_months(self, start: date, n: int) -> date:
        """The last day of a deadline of `n` months (art. 30.4 and 30.5).

        It ends on the same day-number as `start` in the month `n` months later; if that month is too
        short, on its last day. If that day is not a business day, on the next business day.
        """
        _require_date(start)
        _require_count(n)
        month_index = start.month - 1 + n
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, stdlib_calendar.monthrange(year, month)[1])
        return self.business_day_on_or_after(date(year, month, day))

    # --- Registry (art. 31) ---------------------------------------------------------------------------

    def effective_registry_time(self, submitted_at: datetime) -> datetime:
        """When a submission counts as made, for deadlines (art. 31.2.b).

        A submission whose Europe/Madrid date is a business day counts when it was made: `submitted_at`
        is returned unchanged. One made on a non-business day counts as made at the first hour of the
        next business day: 00:00:00 Europe/Madrid of that day, as an aware datetime in MADRID (built from
        the local date, so its UTC offset is the one in force that night, whatever DST did meanwhile).

        Several weekend submissions share that effective instant, and a submission made at exactly
        00:00:00 of the business day has it too. The law keeps them ahead of that day's own submissions
        and in their real order: sort registry entries by (effective time, real submission time), never
        by the effective time alone.

        Naive datetimes are refused (ValueError): their instant is unknown.
        """
        local_date = to_madrid(submitted_at).date()
        if self.is_business_day(local_date):
            return submitted_at
        day = self.next_business_day(local_date)
        return datetime(day.year, day.month, day.day, tzinfo=MADRID)
