"""Business calendar: known dates of 2026-2028 and properties over every day and instant of 2026-2027.

The holiday dates below were read from `holidays.country_holidays("ES", subdiv="CL", years=...)`
(holidays 0.109), not guessed.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from oficina.core.calendar import MADRID, BusinessCalendar, madrid_now, to_madrid

UTC = timezone.utc
FIRST_DAY = date(2026, 1, 1)
LAST_DAY = date(2027, 12, 31)

# National + Castilla y León holidays on weekdays, from the library's output.
CL_WEEKDAY_HOLIDAYS = [
    date(2026, 1, 1),  # Año Nuevo
    date(2026, 1, 6),  # Epifanía
    date(2026, 4, 2),  # Jueves Santo
    date(2026, 4, 3),  # Viernes Santo
    date(2026, 4, 23),  # Día de Castilla y León
    date(2026, 5, 1),
    date(2026, 10, 12),
    date(2026, 11, 2),  # lunes siguiente a Todos los Santos (domingo)
    date(2026, 12, 7),  # lunes siguiente a la Constitución (domingo)
    date(2026, 12, 8),
    date(2026, 12, 25),
    date(2027, 1, 1),
    date(2027, 1, 6),
    date(2027, 3, 25),
    date(2027, 3, 26),
    date(2027, 4, 23),
    date(2027, 8, 16),  # lunes siguiente a la Asunción (domingo)
    date(2027, 10, 12),
    date(2027, 11, 1),
    date(2027, 12, 6),
    date(2027, 12, 8),
]


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar(subdiv="CL")


# One calendar for the property tests: hypothesis does not mix with function-scoped fixtures.
CAL = BusinessCalendar(subdiv="CL")

days = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
counts = st.integers(min_value=1, max_value=80)
month_counts = st.integers(min_value=1, max_value=24)
zones = st.sampled_from([UTC, MADRID, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")])
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31, 23, 59, 59), timezones=zones,
    allow_imaginary=False,
)


# --- Business days ------------------------------------------------------------------------------------


@pytest.mark.parametrize("holiday", CL_WEEKDAY_HOLIDAYS)
def test_public_holidays_are_not_business_days(cal, holiday):
    """Every weekday national or Castilla y León holiday of 2026-2027 closes the registry for deadlines."""
    assert holiday.weekday() < 5
    assert not cal.is_business_day(holiday)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 2), date(2026, 4, 6), date(2026, 4, 22), date(2026, 12, 24), date(2026, 12, 31),
     date(2027, 11, 2)],
)
def test_ordinary_weekdays_are_business_days(cal, day):
    """Easter Monday, Christmas Eve and New Year's Eve are working days in Castilla y León."""
    assert cal.is_business_day(day)


def test_weekends_are_not_business_days(cal):
    assert not cal.is_business_day(date(2026, 1, 3))  # Saturday
    assert not cal.is_business_day(date(2026, 1, 4))  # Sunday


def test_castilla_y_leon_day_is_regional(cal):
    """23 April is a holiday in subdivision CL only; with national holidays only it is a business day."""
    assert not cal.is_business_day(date(2026, 4, 23))
    assert BusinessCalendar(subdiv="").is_business_day(date(2026, 4, 23))


def test_subdivision_comes_from_settings_when_built():
    """The subdivision is read from settings when a calendar is built, not when the module is imported."""
    with override_settings(HOLIDAYS_SUBDIVISION="MD"):
        madrid_region = BusinessCalendar()
    assert madrid_region.subdivision == "MD"
    assert madrid_region.is_business_day(date(2026, 4, 23))
    assert BusinessCalendar().subdivision == "CL"


def test_local_holidays_close_the_office():
    """A local holiday (e.g. San Juan in León, 24 June) is not a business day for that calendar only."""
    san_juan = date(2026, 6, 24)  # Wednesday
    local = BusinessCalendar(local_holidays=[san_juan], subdiv="CL")
    assert not local.is_business_day(san_juan)
    assert BusinessCalendar(subdiv="CL").is_business_day(san_juan)
    assert local.next_business_day(date(2026, 6, 23)) == date(2026, 6, 25)
    assert local.add_business_days(date(2026, 6, 22), 2) == date(2026, 6, 25)
    assert san_juan in local.holidays_in_year(2026)


def test_datetimes_are_refused_where_a_date_is_expected(cal):
    """A datetime never equals a date, so it would miss every holiday: refused rather than misread."""
    with pytest.raises(TypeError):
        cal.is_business_day(datetime(2026, 1, 6, 12, 0, tzinfo=MADRID))
    with pytest.raises(TypeError):
        BusinessCalendar(local_holidays=[datetime(2026, 6, 24, 0, 0)])


def test_next_business_day_and_on_or_after(cal):
    assert cal.next_business_day(date(2026, 4, 1)) == date(2026, 4, 6)  # over Holy Thursday-Sunday
    assert cal.next_business_day(date(2026, 4, 6)) == date(2026, 4, 7)
    assert cal.business_day_on_or_after(date(2026, 4, 6)) == date(2026, 4, 6)
    assert cal.business_day_on_or_after(date(2026, 4, 4)) == date(2026, 4, 6)
    assert cal.next_business_day(date(2026, 12, 4)) == date(2026, 12, 9)  # 5-8 December


def test_business_days_between(cal):
    assert cal.business_days_between(date(2026, 4, 1), date(2026, 4, 6)) == 1
    assert cal.business_days_between(date(2026, 4, 6), date(2026, 4, 6)) == 0
    assert cal.business_days_between(date(2026, 4, 7), date(2026, 4, 6)) == 0
    assert cal.business_days_between(date(2026, 12, 31), date(2027, 1, 8)) == 4  # 4, 5, 7, 8 January


# --- Deadlines ----------------------------------------------------------------------------------------


def test_add_business_days_counts_from_the_next_day(cal):
    """Art. 30.2: a 1-day deadline notified on a Wednesday before Easter ends on Easter Monday."""
    assert cal.add_business_days(date(2026, 4, 1), 1) == date(2026, 4, 6)
    assert cal.add_business_days(date(2026, 4, 22), 1) == date(2026, 4, 24)  # skips 23 April
    assert cal.add_business_days(date(2026, 12, 4), 3) == date(2026, 12, 11)
    assert cal.add_business_days(date(2026, 12, 18), 10) == date(2027, 1, 5)
    assert cal.add_business_days(date(2026, 1, 3), 1) == date(2026, 1, 5)  # from a Saturday


def test_add_business_days_refuses_non_positive_counts(cal):
    with pytest.raises(ValueError):
        cal.add_business_days(date(2026, 1, 5), 0)
    with pytest.raises(TypeError):
        cal.add_business_days(date(2026, 1, 5), True)


def test_add_calendar_days(cal):
    """Art. 30.2 and 30.5: calendar days, but a deadline ending on a holiday moves to the next business day."""
    assert cal.add_calendar_days(date(2026, 12, 15), 10) == date(2026, 12, 28)  # 25 Dec (Fri) closed
    assert cal.add_calendar_days(date(2026, 1, 1), 10) == date(2026, 1, 12)  # 11 Jan is a Sunday
    assert cal.add_calendar_days(date(2026, 1, 5), 10) == date(2026, 1, 15)  # a Thursday: unchanged


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 3, 2)),  # 28 Feb 2026 is a Saturday
        (date(2027, 1, 31), 1, date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year, a Tuesday
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # no 30 February: the month's last day
        (date(2026, 3, 31), 1, date(2026, 4, 30)),  # 30-day month, a Thursday
        (date(2026, 1, 15), 1, date(2026, 2, 16)),  # 15 Feb is a Sunday
        (date(2026, 11, 8), 1, date(2026, 12, 9)),  # 8 Dec is a holiday
        (date(2026, 10, 20), 3, date(2027, 1, 20)),  # across the year end
        (date(2026, 5, 4), 12, date(2027, 5, 4)),
    ],
)
def test_add_months(cal, start, months, expected):
    """Art. 30.4: same day-number n months later, or that month's last day; then art. 30.5."""
    assert cal.add_months(start, months) == expected


# --- Registry: effective time of a submission (art. 31.2.b) ------------------------------------------


def test_business_day_submission_is_unchanged(cal):
    submitted = datetime(2026, 3, 27, 22, 59, 59, tzinfo=UTC)  # Friday 23:59:59 in Madrid (CET)
    assert cal.effective_registry_time(submitted) is submitted


def test_saturday_in_madrid_but_friday_in_utc(cal):
    """The Madrid date decides: 23:30 UTC on Friday is already Saturday 00:30 in Madrid."""
    submitted = datetime(2026, 3, 27, 23, 30, tzinfo=UTC)
    effective = cal.effective_registry_time(submitted)
    # Monday 30 March at 00:00 CEST (+02:00): DST began on Sunday 29 March.
    assert effective == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert effective.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("submitted", "expected_utc", "offset_hours"),
    [
        # Sunday 29 March 2026, DST starts (02:00 CET -> 03:00 CEST): effective Monday 00:00 CEST.
        (datetime(2026, 3, 29, 3, 30, tzinfo=MADRID), datetime(2026, 3, 29, 22, 0, tzinfo=UTC), 2),
        (datetime(2026, 3, 29, 0, 30, tzinfo=MADRID), datetime(2026, 3, 29, 22, 0, tzinfo=UTC), 2),
        # Sunday 25 October 2026, DST ends (03:00 CEST -> 02:00 CET): effective Monday 00:00 CET.
        (datetime(2026, 10, 25, 2, 30, fold=0, tzinfo=MADRID), datetime(2026, 10, 25, 23, 0, tzinfo=UTC), 1),
        (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=MADRID), datetime(2026, 10, 25, 23, 0, tzinfo=UTC), 1),
        (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC), 1),
        # Sunday 28 March 2027, DST starts: effective Monday 29 March 00:00 CEST.
        (datetime(2027, 3, 28, 12, 0, tzinfo=MADRID), datetime(2027, 3, 28, 22, 0, tzinfo=UTC), 2),
        # Holy Thursday 25 March 2027 (CET): Friday is a holiday too, so Monday 29 March, now CEST.
        (datetime(2027, 3, 25, 9, 0, tzinfo=MADRID), datetime(2027, 3, 28, 22, 0, tzinfo=UTC), 2),
        # Sunday 31 October 2027, DST ends; Monday 1 November is All Saints: effective Tuesday 2 November.
        (datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=MADRID), datetime(2027, 11, 1, 23, 0, tzinfo=UTC), 1),
        (datetime(2027, 10, 30, 23, 59, tzinfo=UTC), datetime(2027, 11, 1, 23, 0, tzinfo=UTC), 1),
    ],
)
def test_non_business_day_submission_counts_from_next_business_day_midnight(
    cal, submitted, expected_utc, offset_hours
):
    """Art. 31.2.b across every DST change of 2026-2027: midnight in Madrid with that night's offset."""
    effective = cal.effective_registry_time(submitted)
    assert effective == expected_utc
    assert effective.tzinfo == MADRID
    assert effective.utcoffset() == timedelta(hours=offset_hours)
    assert effective.timetz().replace(tzinfo=None) == time(0, 0, 0)


def test_effective_time_keeps_order_with_real_time(cal):
    """Two weekend submissions share the effective time; sorting by (effective, real) keeps their order,
    and both stay ahead of a submission made on Monday morning."""
    saturday = datetime(2026, 5, 2, 10, 0, tzinfo=MADRID)
    sunday = datetime(2026, 5, 3, 20, 0, tzinfo=MADRID)
    monday = datetime(2026, 5, 4, 0, 0, 1, tzinfo=MADRID)
    entries = [monday, sunday, saturday]
    ordered = sorted(entries, key=lambda t: (cal.effective_registry_time(t), t))
    assert ordered == [saturday, sunday, monday]


def test_naive_datetimes_are_refused(cal):
    with pytest.raises(ValueError):
        cal.effective_registry_time(datetime(2026, 3, 29, 10, 0))
    with pytest.raises(ValueError):
        to_madrid(datetime(2026, 3, 29, 10, 0))


def test_madrid_helpers():
    now = madrid_now()
    assert now.tzinfo == MADRID
    assert abs(now - datetime.now(tz=UTC)) < timedelta(seconds=5)
    converted = to_madrid(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    assert (converted.hour, converted.utcoffset()) == (12, timedelta(hours=2))


# --- Properties over 2026-2027 ------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(days)
def test_property_weekends_are_never_business_days(d):
    if d.weekday() >= 5:
        assert not CAL.is_business_day(d)


@settings(max_examples=400, deadline=None)
@given(days)
def test_property_next_business_day(d):
    nxt = CAL.next_business_day(d)
    assert nxt > d
    assert CAL.is_business_day(nxt)
    day = d + timedelta(days=1)
    while day < nxt:
        assert not CAL.is_business_day(day)
        day += timedelta(days=1)
    assert CAL.business_day_on_or_after(d) == (d if CAL.is_business_day(d) else nxt)


@settings(max_examples=300, deadline=None)
@given(days, counts)
def test_property_add_business_days(d, n):
    end = CAL.add_business_days(d, n)
    assert CAL.is_business_day(end)
    assert CAL.business_days_between(d, end) == n
    assert CAL.business_days_between(d, end - timedelta(days=1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(days, counts)
def test_property_add_calendar_days(d, n):
    target = d + timedelta(days=n)
    end = CAL.add_calendar_days(d, n)
    assert end >= target
    assert CAL.is_business_day(end)
    assert CAL.business_days_between(target - timedelta(days=1), end - timedelta(days=1)) == 0


@settings(max_examples=400, deadline=None)
@given(days, month_counts)
def test_property_add_months(d, n):
    end = CAL.add_months(d, n)
    month_index = d.month - 1 + n
    year, month = d.year + month_index // 12, month_index % 12 + 1
    last = stdlib_calendar.monthrange(year, month)[1]
    target = date(year, month, min(d.day, last))
    # Before the art. 30.5 move the day is the same day-number, or the month's end when there is none.
    assert target.day == d.day or (d.day > last and target.day == last)
    assert end >= target
    assert CAL.is_business_day(end)
    assert CAL.business_days_between(target - timedelta(days=1), end - timedelta(days=1)) == 0


def _check_effective_time(t: datetime) -> None:
    effective = CAL.effective_registry_time(t)
    local_date = t.astimezone(MADRID).date()
    assert effective >= t
    if CAL.is_business_day(local_date):
        assert effective == t
    else:
        assert effective > t
        expected_day = CAL.next_business_day(local_date)
        # Read back from UTC: the wall clock is midnight of that day, and the offset is the one in force.
        round_trip = effective.astimezone(UTC).astimezone(MADRID)
        assert round_trip.date() == expected_day
        assert round_trip.time() == time(0, 0, 0)
        assert effective.utcoffset() == round_trip.utcoffset()
        assert effective.utcoffset() == MADRID.utcoffset(datetime.combine(expected_day, time(12)))


@settings(max_examples=500, deadline=None)
@given(instants)
def test_property_effective_registry_time(t):
    _check_effective_time(t)


DST_CHANGES_UTC = [
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
    datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DST_CHANGES_UTC), st.integers(min_value=-4 * 86400, max_value=4 * 86400))
def test_property_effective_registry_time_around_dst_changes(change, seconds):
    """Every instant within four days of a DST change, to the second."""
    _check_effective_time(change + timedelta(seconds=seconds))
