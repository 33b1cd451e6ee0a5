"""Services with `requires_registry_entry`: a booking (and a move) is a registry entry with a sealed
receipt, shown on the confirmation page; other services write nothing to the registry."""

from __future__ import annotations

import re
from datetime import time

import pytest

from oficina.appointments import services
from oficina.registry.constants import EntryKind
from oficina.registry.models import RegistryEntry

from .conftest import give_schedule, make_citizen, make_service, make_technician, sign_in_citizen
from .test_booking import MONDAY_9, NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_service(office):
    service = make_service(slug="prestaciones", name="Prestaciones", minutes=30)
    service.requires_registry_entry = True
    service.save()
    give_schedule(make_technician(office=office), service, start=time(9), end=time(11))
    return service


def test_booking_a_service_that_requires_it_creates_an_entry_with_receipt(office, registered_service):
    citizen = make_citizen(office=office)
    appointment = services.appointment_book(citizen=citizen, service=registered_service, mode="office",
                                            office=office, starts_at=MONDAY_9, now=NOW)
    entry = appointment.registry_entry
    assert entry is not None and entry.kind == EntryKind.APPOINTMENT and entry.submitter == citizen
    assert entry.recorded_by is None and entry.addressee_office == office
    assert "Prestaciones" in entry.subject and "23/03/2026 a las 09:00" in entry.subject
    assert entry.receipt is not None and entry.receipt.file.read(5) == b"%PDF-"
    assert entry.details["Modalidad"] == "En la oficina"

    moved = services.appointment_reschedule(appointment=appointment, starts_at=MONDAY_9.replace(hour=10),
                                            actor=citizen, now=NOW)
    assert moved.registry_entry is not None and moved.registry_entry != entry
    assert moved.registry_entry.subject.startswith("Cambio de cita previa")
    assert RegistryEntry.objects.count() == 2


def test_staff_booking_records_who_registered_it(office, registered_service):
    technician = make_technician(office=office)
    appointment = services.appointment_book(citizen=make_citizen(office=office), service=registered_service,
                                            mode="office", office=office, starts_at=MONDAY_9, now=NOW,
                                            actor=technician)
    assert appointment.registry_entry.recorded_by == technician


def test_other_services_write_nothing_to_the_registry(office):
    service = make_service()
    give_schedule(make_technician(office=office), service, start=time(9), end=time(10))
    appointment = services.appointment_book(citizen=make_citizen(office=office), service=service, mode="office",
                                            office=office, starts_at=MONDAY_9, now=NOW)
    assert appointment.registry_entry is None and not RegistryEntry.objects.exists()


def test_the_confirmation_page_shows_the_entry_and_its_receipt(client, mailbox, office, registered_service):
    citizen = make_citizen(office=office)
    sign_in_citizen(client, mailbox, citizen)
    appointment = services.appointment_book(citizen=citizen, service=registered_service, mode="office",
                                            office=office, starts_at=_next_slot(registered_service, office))
    html = client.get(f"/citas/{appointment.pk}/?confirmada=1").content.decode()
    number = appointment.registry_entry.number
    assert f"registro electrónico con el número {number}" in html
    receipt = re.search(r'href="(/expediente/registro/[^"]+/justificante/)"', html).group(1)
    response = client.get(receipt)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def _next_slot(service, office):
    from oficina.appointments import selectors

    return selectors.next_free_times(service=service, mode="office", office=office, limit=1)[0]
