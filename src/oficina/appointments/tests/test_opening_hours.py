"""Office opening hours: the office's free text read as weekday intervals; office slots fall inside them,
video slots follow the technician's schedule."""

from __future__ import annotations

from datetime import date, time

import pytest

from oficina.appointments import services
from oficina.appointments.exceptions import SlotNotOffered
from oficina.appointments.opening_hours import office_opening_hours, parse_opening_hours
from oficina.appointments.selectors import ScheduleBlock, free_slots, within_opening_hours

from .conftest import give_schedule, madrid, make_citizen, make_service, make_technician

NOW = madrid(2026, 3, 20, 12)  # a Friday
MONDAY = date(2026, 3, 23)
WEEKDAYS_9_14 = {day: [(time(9), time(14))] for day in range(5)}


@pytest.mark.parametrize("text, expected", [
    ("L-V 9:00-14:00", WEEKDAYS_9_14),
    ("De lunes a viernes, de 9.00 a 14.00 horas", WEEKDAYS_9_14),
    ("Lunes a Viernes: 9:00 – 14:00", WEEKDAYS_9_14),
    ("Horario: L-V 9h-14h", WEEKDAYS_9_14),
    ("lunes a viernes de 9 a 14 h; jueves de 16:00 a 18:00",
     {**WEEKDAYS_9_14, 3: [(time(9), time(14)), (time(16), time(18))]}),
    ("L, X y V 8:30-14:30\nsábados 10-13",
     {0: [(time(8, 30), time(14, 30))], 2: [(time(8, 30), time(14, 30))], 4: [(time(8, 30), time(14, 30))],
      5: [(time(10), time(13))]}),
    ("L-J 9-14 y 16-18, V 9-14",
     {**{d: [(time(9), time(14)), (time(16), time(18))] for d in range(4)}, 4: [(time(9), time(14))]}),
    ("L-V 9-12; L-V 11-14", WEEKDAYS_9_14),  # overlapping intervals merge
])
def test_readable_texts(text, expected):
    assert parse_opening_hours(text) == expected


@pytest.mark.parametrize("text", ["", "cerrado", "L-V", "9-14 según temporada", "L-V 14-9", "pepe 9-14",
                                  "L-V 9-14 excepto agosto", "L-V 25-26", "domingos y festivos 10-12"])
def test_unreadable_texts_are_refused(text):
    with pytest.raises(ValueError):
        parse_opening_hours(text)


def test_empty_or_unreadable_text_means_the_default(settings, caplog):
    settings.APPOINTMENT_DEFAULT_OPENING_HOURS = "L-V 8:00-15:00"
    default = {day: [(time(8), time(15))] for day in range(5)}
    assert office_opening_hours("") == default
    with caplog.at_level("WARNING", logger="oficina.appointments.opening_hours"):
        assert office_opening_hours("según temporada", office_label="47-VALLADOLID") == default
    assert "47-VALLADOLID" in caplog.text
    assert office_opening_hours("S 10-12") == {5: [(time(10), time(12))]}


def test_blocks_are_cut_to_the_opening_hours():
    hours = {1: {0: [(time(9), time(11)), (time(12), time(14))]}, 2: {}}
    blocks = [ScheduleBlock(7, 1, 0, time(8), time(13)), ScheduleBlock(7, 1, 1, time(9), time(14)),
              ScheduleBlock(8, 2, 0, time(9), time(14)), ScheduleBlock(7, 1, 0, time(15), time(16))]
    assert within_opening_hours(blocks, hours.__getitem__) == [
        ScheduleBlock(7, 1, 0, time(9), time(11)), ScheduleBlock(7, 1, 0, time(12), time(13))]


@pytest.mark.django_db
def test_office_slots_fall_inside_the_opening_hours_and_video_slots_do_not_need_to(office):
    office.opening_hours = "L-V 10:00-12:00"
    office.save()
    service = make_service(minutes=60)
    give_schedule(make_technician(office=office), service, weekdays=[0, 5], start=time(8), end=time(14))

    def local(mode: str, day: date = MONDAY) -> list[str]:
        slots = free_slots(service=service, mode=mode, office=office if mode == "office" else None,
                           start_date=day, end_date=day, now=NOW)
        return [s.local_start.strftime("%H:%M") for s in slots]

    assert local("office") == ["10:00", "11:00"]
    assert local("video") == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"]
    assert local("office", date(2026, 3, 28)) == []  # Saturday: the office is closed

    office.opening_hours = ""  # the default, Monday to Friday 9:00-14:00
    office.save()
    assert local("office") == ["09:00", "10:00", "11:00", "12:00", "13:00"]


@pytest.mark.django_db
def test_a_time_outside_the_opening_hours_cannot_be_booked(office):
    office.opening_hours = "L-V 10:00-12:00"
    office.save()
    service = make_service(minutes=60)
    give_schedule(make_technician(office=office), service, weekdays=[0], start=time(8), end=time(14))
    citizen = make_citizen()
    with pytest.raises(SlotNotOffered):
        services.appointment_book(citizen=citizen, service=service, mode="office", office=office,
                                  starts_at=madrid(2026, 3, 23, 9), now=NOW)
    booked = services.appointment_book(citizen=citizen, service=service, mode="office", office=office,
                                       starts_at=madrid(2026, 3, 23, 10), now=NOW)
    assert booked.starts_at == madrid(2026, 3, 23, 10)
