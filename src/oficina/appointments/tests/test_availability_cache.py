"""The day lists and "next free times" are kept a few seconds in the cache (selectors._versioned), but a
booking or a cancellation shows at once: every change moves the availability version they were kept at."""

from __future__ import annotations

from datetime import time

import pytest

from oficina.appointments import selectors, services
from oficina.appointments.models import Appointment

from .conftest import give_schedule, make_citizen, make_service, make_technician

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_slot_a_day(office):
    """A video service whose only technician has one 30-minute slot each weekday."""
    service = make_service(slug="autoempleo", name="Autoempleo", minutes=30, office=False)
    give_schedule(make_technician(office=office), service, start=time(9), end=time(9, 30))
    return service


def _book(service, starts_at, document_number):
    citizen = make_citizen(document_number=document_number, email=f"{document_number}@example.org")
    return services.appointment_book(citizen=citizen, service=service, mode="video", office=None,
                                     starts_at=starts_at)


def test_a_day_whose_last_slot_is_booked_leaves_the_cached_day_list_at_once(one_slot_a_day):
    days = selectors.free_days_cached(service=one_slot_a_day, mode="video", office=None)
    first_time = selectors.next_free_times(service=one_slot_a_day, mode="video", office=None, limit=1)[0]
    assert first_time.astimezone(selectors.MADRID).date() == days[0]
    assert selectors.free_days_cached(service=one_slot_a_day, mode="video", office=None) == days  # kept

    appointment = _book(one_slot_a_day, first_time, "12345678Z")

    assert selectors.free_days_cached(service=one_slot_a_day, mode="video", office=None) == days[1:]
    services.appointment_cancel(appointment=appointment, actor=appointment.citizen)
    assert selectors.free_days_cached(service=one_slot_a_day, mode="video", office=None) == days


def test_the_next_free_times_offered_after_a_lost_race_leave_out_the_slot_just_taken(one_slot_a_day):
    first, second = selectors.next_free_times(service=one_slot_a_day, mode="video", office=None, limit=2)

    _book(one_slot_a_day, first, "12345678Z")

    assert selectors.next_free_times(service=one_slot_a_day, mode="video", office=None, limit=2)[0] == second
    assert Appointment.objects.filter(starts_at=first, status=Appointment.Status.BOOKED).count() == 1
