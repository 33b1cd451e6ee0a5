"""Booking, no double booking, no hoarding, cancel and reschedule limits, audit, mail with .ics."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import IntegrityError, transaction
from icalendar import Calendar

from oficina.appointments import services
from oficina.appointments.exceptions import AlreadyHasAppointment, SlotNotOffered, SlotTaken, TooLateToChange
from oficina.appointments.models import Appointment
from oficina.core.audit import AuditEvent
from oficina.core.calendar import MADRID
from oficina.core.models import AuditRecord

from .conftest import give_schedule, madrid, make_citizen, make_service, make_technician

NOW = madrid(2026, 3, 20, 12)  # Friday; Monday 23 is a business day
MONDAY_9 = madrid(2026, 3, 23, 9)


@pytest.fixture
def setup(db, office):
    service = make_service(minutes=30)
    tech = make_technician(office=office)
    give_schedule(tech, service, start=time(9), end=time(10))
    office.address = "Calle Mayor 1"
    office.save()
    return service, tech, office


def other_citizen(n: int = 1):
    documents = ["00000000T", "99999999R", "X1234567L", "Y1234567X", "Z1234567R"]
    return make_citizen(document_number=documents[n], email=f"c{n}@example.org")


def book(citizen, service, office, starts_at=MONDAY_9, mode="office"):
    return services.appointment_book(citizen=citizen, service=service, mode=mode,
                                     office=office if mode == "office" else None, starts_at=starts_at, now=NOW)


def test_booking_stores_utc_audits_and_mails_an_ics(setup, mailbox, django_capture_on_commit_callbacks):
    service, tech, office = setup
    citizen = make_citizen()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(citizen, service, office)
    assert appointment.starts_at == MONDAY_9 and appointment.technician == tech
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
    record = AuditRecord.objects.get(event=AuditEvent.APPOINTMENT_BOOKED)
    assert record.target_id == str(appointment.pk) and record.actor_id == citizen.pk

    message = mailbox.wait_for("maria@example.org")[0]
    assert message["Subject"] == "Cita previa confirmada"
    body = mailbox.body(message)
    assert "09:00" in body and "Calle Mayor 1" in body and f"/citas/{appointment.pk}/" in body
    ics = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"][0]
    raw = ics.get_payload(decode=True)
    assert b"DTSTART;TZID=Europe/Madrid:20260323T090000" in raw
    event = Calendar.from_ical(raw).walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(MADRID) == MONDAY_9
    assert "Calle Mayor 1" in str(event["location"])
    assert "anularla" in str(event["description"]) and str(event["uid"]).startswith(f"cita-{appointment.pk}-")
    assert Calendar.from_ical(raw).walk("VTIMEZONE")


def test_video_ics_location_is_the_room_url(setup, mailbox, django_capture_on_commit_callbacks, settings):
    settings.APPOINTMENT_SITE_URL = "https://oficina.example"
    service, tech, office = setup
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(make_citizen(), service, office, mode="video")
    assert appointment.office is None
    raw = [p for p in mailbox.wait_for("maria@example.org")[0].iter_attachments()][0].get_payload(decode=True)
    event = Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(event["location"]) == f"https://oficina.example/citas/sala/{appointment.video_room}/"


def test_the_database_refuses_a_second_booking_of_the_same_slot(setup):
    service, tech, office = setup
    first = book(make_citizen(), service, office)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(citizen=other_citizen(), technician=tech, office=office, service=service,
                                   mode="office", starts_at=first.starts_at, ends_at=first.ends_at, created_at=NOW)


def test_the_loser_is_told_the_slot_was_taken_with_the_next_free_slots(setup):
    service, tech, office = setup
    book(make_citizen(), service, office)
    with pytest.raises(SlotTaken, match="Ese hueco se acaba de ocupar") as caught:
        book(other_citizen(), service, office)
    assert caught.value.next_slots[0] > MONDAY_9
    assert Appointment.objects.count() == 1
    assert AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_BOOKED).count() == 1


def test_a_second_technician_free_at_that_time_takes_the_booking(setup):
    service, tech, office = setup
    second = make_technician(office=office)
    give_schedule(second, service, start=time(9), end=time(10))
    a = book(make_citizen(), service, office)
    b = book(other_citizen(), service, office)
    assert {a.technician_id, b.technician_id} == {tech.pk, second.pk}


def test_times_not_offered_are_refused(setup):
    service, tech, office = setup
    citizen = make_citizen()
    with pytest.raises(SlotNotOffered):
        book(citizen, service, office, starts_at=madrid(2026, 3, 23, 9, 10))
    with pytest.raises(SlotNotOffered):
        book(citizen, service, office, starts_at=madrid(2026, 3, 20, 9))  # past
    with pytest.raises(SlotNotOffered):
        book(citizen, service, office, starts_at=madrid(2026, 3, 21, 9))  # Saturday


def test_one_pending_appointment_per_citizen_and_service(setup):
    service, tech, office = setup
    citizen = make_citizen()
    first = book(citizen, service, office)
    with pytest.raises(AlreadyHasAppointment):
        book(citizen, service, office, starts_at=madrid(2026, 3, 24, 9))
    other_service = make_service(slug="prestaciones", name="Prestaciones", minutes=30)
    give_schedule(tech, other_service, start=time(12), end=time(13))
    book(citizen, other_service, office, starts_at=madrid(2026, 3, 24, 12))  # another service: fine
    # A past booked appointment (never marked) does not block a new one.
    later = madrid(2026, 3, 23, 11)
    services.appointment_book(citizen=citizen, service=service, mode="office", office=office,
                              starts_at=madrid(2026, 3, 24, 9), now=later)
    services.appointment_cancel(appointment=first, actor=tech)


def test_cancel_frees_the_slot_at_once_and_respects_the_notice(setup, settings):
    settings.APPOINTMENT_CHANGE_NOTICE_MINUTES = 120
    service, tech, office = setup
    citizen = make_citizen()
    appointment = book(citizen, service, office)
    with pytest.raises(TooLateToChange):
        services.appointment_cancel(appointment=appointment, actor=citizen, now=MONDAY_9 - timedelta(minutes=119))
    services.appointment_cancel(appointment=appointment, actor=citizen, now=MONDAY_9 - timedelta(minutes=121))
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancelled_at is not None
    assert AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_CANCELLED, target_id=str(appointment.pk)).exists()
    again = book(other_citizen(), service, office)
    assert again.starts_at == MONDAY_9


def test_reschedule_moves_atomically_and_keeps_the_old_one_if_the_new_slot_is_taken(setup, mailbox,
                                                                                     django_capture_on_commit_callbacks):
    service, tech, office = setup
    citizen = make_citizen()
    old = book(citizen, service, office)
    book(other_citizen(), service, office, starts_at=madrid(2026, 3, 24, 9))
    with pytest.raises(SlotTaken):
        services.appointment_reschedule(appointment=old, starts_at=madrid(2026, 3, 24, 9), actor=citizen, now=NOW)
    old.refresh_from_db()
    assert old.status == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        new = services.appointment_reschedule(appointment=old, starts_at=madrid(2026, 3, 24, 9, 30), actor=citizen,
                                              now=NOW)
    old.refresh_from_db()
    assert old.status == "cancelled" and new.status == "booked" and new.rescheduled_from == old
    assert AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_RESCHEDULED, target_id=str(new.pk)).exists()
    message = mailbox.wait_for("maria@example.org")[-1]
    assert message["Subject"] == "Cita previa cambiada"
    assert len(list(message.iter_attachments())) == 2
    with pytest.raises(TooLateToChange):
        services.appointment_reschedule(appointment=new, starts_at=madrid(2026, 3, 25, 9), actor=citizen,
                                        now=madrid(2026, 3, 24, 8))


def test_outcome_is_recorded_once_the_appointment_started(setup):
    service, tech, office = setup
    appointment = book(make_citizen(), service, office)
    from oficina.appointments.exceptions import NotChangeable
    with pytest.raises(NotChangeable):
        services.appointment_record_outcome(appointment=appointment, attended=True, actor=tech, now=NOW)
    services.appointment_record_outcome(appointment=appointment, attended=False, actor=tech,
                                        now=MONDAY_9 + timedelta(minutes=40))
    appointment.refresh_from_db()
    assert appointment.status == "no_show"
    assert AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_NO_SHOW).count() == 1


def test_postgres_also_refuses_overlapping_slots_of_different_lengths(setup):
    """Migration 0003 (PostgreSQL only): an exclusion constraint on the technician's time ranges."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only (btree_gist)")
    service, tech, office = setup
    book(make_citizen(), service, office)  # 09:00–09:30
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(citizen=other_citizen(), technician=tech, office=office, service=service,
                                   mode="office", starts_at=madrid(2026, 3, 23, 9, 15),
                                   ends_at=madrid(2026, 3, 23, 9, 45), created_at=NOW)
