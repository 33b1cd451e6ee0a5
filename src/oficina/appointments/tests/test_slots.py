"""Slot generation: local wall-clock times in Europe/Madrid, stored in UTC; holidays, exceptions,
past times and bookings skipped. Property tests over two years, DST weekends included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from oficina.appointments.models import Appointment, ScheduleException
from oficina.appointments.selectors import ScheduleBlock, candidate_slots, free_days, free_slots, free_times
from oficina.core.calendar import MADRID, BusinessCalendar
from oficina.offices.models import LocalHoliday

from .conftest import give_schedule, madrid, make_citizen, make_service, make_technician

CALENDAR = BusinessCalendar(subdiv="CL")
FIRST, LAST = date(2025, 1, 1), date(2026, 12, 31)

times = st.integers(min_value=6 * 4, max_value=20 * 4).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def schedule_blocks(draw):
    blocks = []
    for index in range(draw(st.integers(1, 4))):
        start = draw(times)
        end = draw(times.filter(lambda t, start=start: t > start))
        blocks.append(ScheduleBlock(technician_id=index + 1, office_id=1,
                                    weekday=draw(st.integers(0, 6)), start_time=start, end_time=end))
    return blocks


@hsettings(max_examples=60, deadline=None)
@given(blocks=schedule_blocks(), minutes=st.sampled_from([15, 20, 30, 45, 60]),
       start=st.dates(min_value=FIRST, max_value=LAST - timedelta(days=70)), span=st.integers(0, 70))
def test_slots_keep_local_wall_time_on_business_days_only_without_duplicates(blocks, minutes, start, span):
    end = start + timedelta(days=span)
    duration = timedelta(minutes=minutes)
    slots = list(candidate_slots(blocks=blocks, duration=duration, start_date=start, end_date=end,
                                 calendar_for=lambda office_id: CALENDAR))
    keys = [(s.technician_id, s.starts_at, s.office_id) for s in slots]
    assert len(keys) == len(set(keys))
    for slot in slots:
        assert slot.starts_at.utcoffset() == timedelta(0)
        local = slot.starts_at.astimezone(MADRID)
        assert start <= local.date() <= end
        assert CALENDAR.is_business_day(local.date()), local
        matching = [b for b in blocks if b.technician_id == slot.technician_id and b.weekday == local.weekday()
                    and b.start_time <= local.time() and (datetime.combine(local.date(), local.time()) + duration).time()
                    <= b.end_time and _on_grid(b, local.time(), minutes)]
        assert matching, f"{local} does not match any schedule block: shifted"
        assert slot.ends_at - slot.starts_at == duration  # no DST change happens on a business day's hours
    # Nothing lost: each block gives floor(length / duration) slots on each business day of its weekday.
    expected = 0
    day = start
    while day <= end:
        if CALENDAR.is_business_day(day):
            for block in blocks:
                if block.weekday == day.weekday():
                    length = datetime.combine(day, block.end_time) - datetime.combine(day, block.start_time)
                    expected += length // duration
        day += timedelta(days=1)
    assert len(slots) == expected


def _on_grid(block: ScheduleBlock, wall: time, minutes: int) -> bool:
    offset = (wall.hour * 60 + wall.minute) - (block.start_time.hour * 60 + block.start_time.minute)
    return offset % minutes == 0


@pytest.mark.parametrize(("monday", "utc_hour"), [
    (date(2026, 3, 23), 8),   # before the change (CET, UTC+1)
    (date(2026, 3, 30), 7),   # after the last Sunday of March (CEST, UTC+2)
    (date(2026, 10, 19), 7),  # before the last Sunday of October
    (date(2026, 10, 26), 8),  # after it
    (date(2025, 3, 31), 7),
    (date(2025, 10, 27), 8),
])
def test_nine_o_clock_is_nine_o_clock_on_both_sides_of_dst(monday, utc_hour):
    blocks = [ScheduleBlock(1, 1, 0, time(9), time(10))]
    slots = list(candidate_slots(blocks=blocks, duration=timedelta(minutes=30), start_date=monday,
                                 end_date=monday, calendar_for=lambda _: CALENDAR))
    assert [s.starts_at for s in slots] == [datetime(monday.year, monday.month, monday.day, utc_hour, tzinfo=UTC),
                                            datetime(monday.year, monday.month, monday.day, utc_hour, 30, tzinfo=UTC)]


def test_dst_weekend_schedules_give_nothing_and_the_skipped_hour_never_exists():
    """Saturday and Sunday are never business days; even a Sunday 02:00–03:30 block yields no slot."""
    blocks = [ScheduleBlock(1, 1, 6, time(2), time(3, 30)), ScheduleBlock(1, 1, 5, time(9), time(12))]
    slots = list(candidate_slots(blocks=blocks, duration=timedelta(minutes=30), start_date=date(2026, 3, 28),
                                 end_date=date(2026, 3, 29), calendar_for=lambda _: CALENDAR))
    assert slots == []


def test_public_holidays_give_no_slots():
    blocks = [ScheduleBlock(1, 1, weekday, time(9), time(10)) for weekday in range(5)]
    for holiday in [date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 23), date(2026, 12, 25)]:  # 23/4: Villalar
        assert list(candidate_slots(blocks=blocks, duration=timedelta(minutes=30), start_date=holiday,
                                    end_date=holiday, calendar_for=lambda _: CALENDAR)) == []


# --- With the database ----------------------------------------------------------------------------

NOW = madrid(2026, 3, 20, 12)  # a Friday


@pytest.mark.django_db
def test_free_slots_skip_local_holidays_exceptions_bookings_and_the_past(office):
    service = make_service(minutes=30)
    tech = make_technician(office=office)
    give_schedule(tech, service, start=time(9), end=time(11))
    LocalHoliday.objects.create(date=date(2026, 3, 24), name="Fiesta local", province=office.province, office=office)
    ScheduleException.objects.create(technician=tech, starts_at=madrid(2026, 3, 25, 9, 30),
                                     ends_at=madrid(2026, 3, 25, 10, 30), reason="Formación")
    Appointment.objects.create(citizen=make_citizen(), technician=tech, office=office, service=service, mode="office",
                               starts_at=madrid(2026, 3, 26, 10), ends_at=madrid(2026, 3, 26, 10, 30),
                               created_at=NOW)
    cancelled = dict(citizen=make_citizen(document_number="00000000T", email="b@example.org"), technician=tech,
                     office=office, service=service, mode="office", starts_at=madrid(2026, 3, 27, 9),
                     ends_at=madrid(2026, 3, 27, 9, 30), created_at=NOW, status="cancelled")
    Appointment.objects.create(**cancelled)

    slots = free_slots(service=service, mode="office", office=office, start_date=date(2026, 3, 20),
                       end_date=date(2026, 3, 27), now=NOW)
    local = [s.local_start.strftime("%a %d %H:%M") for s in slots]
    assert local == [
        "Mon 23 09:00", "Mon 23 09:30", "Mon 23 10:00", "Mon 23 10:30",
        # Tuesday 24: local holiday
        "Wed 25 09:00", "Wed 25 10:30",  # 09:30–10:30 training
        "Thu 26 09:00", "Thu 26 09:30", "Thu 26 10:30",  # 10:00 booked
        "Fri 27 09:00", "Fri 27 09:30", "Fri 27 10:00", "Fri 27 10:30",  # the cancelled one is free again
    ]
    assert all(s.starts_at.tzinfo is not None for s in slots)


@pytest.mark.django_db
def test_video_offers_any_technician_of_the_service_and_office_mode_only_that_office(office):
    service = make_service(minutes=60)
    here = make_technician(office=office)
    elsewhere = make_technician()
    give_schedule(here, service, weekdays=[0], start=time(9), end=time(10))
    give_schedule(elsewhere, service, weekdays=[0], start=time(9), end=time(10))
    monday = date(2026, 3, 23)
    video = free_slots(service=service, mode="video", office=None, start_date=monday, end_date=monday, now=NOW)
    assert {s.technician_id for s in video} == {here.pk, elsewhere.pk}
    assert len(free_times(video)) == 1
    in_office = free_slots(service=service, mode="office", office=office, start_date=monday, end_date=monday, now=NOW)
    assert [s.technician_id for s in in_office] == [here.pk]
    service.allows_video = False
    service.save()
    assert free_slots(service=service, mode="video", office=None, start_date=monday, end_date=monday, now=NOW) == []


@pytest.mark.django_db
def test_free_days_lists_only_days_with_free_slots(office, settings):
    settings.APPOINTMENT_BOOKING_HORIZON_DAYS = 6
    service = make_service(minutes=60)
    give_schedule(make_technician(office=office), service, weekdays=[0, 2], start=time(9), end=time(10))
    assert free_days(service=service, mode="office", office=office, now=NOW) == [date(2026, 3, 23), date(2026, 3, 25)]
