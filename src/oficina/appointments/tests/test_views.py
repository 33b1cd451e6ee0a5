"""The citizen's booking flow without JavaScript, "Mis citas", cancel; staff agendas and booking by DNI."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from oficina.accounts.models import Role
from oficina.appointments.models import Appointment
from oficina.casefile.models import FileNote
from oficina.core.calendar import MADRID

from .conftest import (
    give_schedule,
    make_citizen,
    make_service,
    make_staff,
    make_technician,
    make_totp_device,
    sign_in_citizen,
    sign_in_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(office):
    service = make_service(minutes=60)
    tech = make_technician(office=office, username="lucia")
    give_schedule(tech, service, weekdays=range(5), start=time(9), end=time(14))
    return service, tech, office


def links(html: str, prefix: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"', html)]


def test_citizen_books_through_every_step_then_cancels(client, mailbox, world):
    service, tech, office = world
    citizen = make_citizen(office=office)
    sign_in_citizen(client, mailbox, citizen)
    html = client.get("/citas/").content.decode()
    assert "No tiene citas pendientes" in html
    html = client.get("/citas/nueva/").content.decode()
    step = [u for u in links(html, "/citas/nueva/?") if u.endswith(f"service={service.slug}")][0]
    html = client.get(step).content.decode()
    assert "¿Cómo quiere que le atendamos?" in html
    step = [u for u in links(html, "/citas/nueva/?") if "mode=office" in u][0]
    html = client.get(step).content.decode()
    assert "Su oficina de referencia es" in html
    step = [u for u in links(html, "/citas/nueva/?") if f"office={office.pk}" in u]
    assert step, html
    step = step[0]
    html = client.get(step).content.decode()
    assert "Elija el día" in html
    step = links(html, "/citas/nueva/?")[0]
    html = client.get(step).content.decode()
    confirm = links(html, "/citas/nueva/confirmar/?")[0]
    response = client.get(confirm)
    assert "Confirmar la cita" in response.content.decode()
    time_value = re.search(r'name="time" value="([^"]+)"', response.content.decode()).group(1)
    response = client.post(confirm, {"time": time_value})
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/citas/{appointment.pk}/?confirmada=1"
    html = client.get(response["Location"]).content.decode()
    assert "Cita confirmada" in html and appointment.starts_at.astimezone(MADRID).strftime("%H:%M") in html
    assert mailbox.wait_for(citizen.email, count=2)[-1]["Subject"] == "Cita previa confirmada"

    # The same slot again (another citizen, same link): taken, with other times offered.
    other = make_citizen(document_number="00000000T", email="otra@example.org")
    from oficina.accounts.tests.conftest import CommittingClient
    other_client = CommittingClient()
    sign_in_citizen(other_client, mailbox, other)
    response = other_client.post(confirm, {"time": time_value})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Ese hueco se acaba de ocupar" in html and links(html, "/citas/nueva/confirmar/?")

    html = client.get("/citas/").content.decode()
    assert f"/citas/{appointment.pk}/anular/" in html
    response = client.post(f"/citas/{appointment.pk}/anular/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert other_client.get(f"/citas/{appointment.pk}/").status_code == 404  # not hers


def test_citizen_reschedules(client, mailbox, world):
    service, tech, office = world
    citizen = make_citizen(office=office)
    sign_in_citizen(client, mailbox, citizen)
    start = timezone.now().astimezone(MADRID).date()
    from oficina.appointments.selectors import free_slots
    slots = free_slots(service=service, mode="office", office=office, start_date=start,
                       end_date=start + timedelta(days=14))
    from oficina.appointments import services
    appointment = services.appointment_book(citizen=citizen, service=service, mode="office", office=office,
                                            starts_at=slots[0].starts_at)
    html = client.get(f"/citas/{appointment.pk}/cambiar/").content.decode()
    assert "Elija el día" in html
    day_url = links(html, f"/citas/{appointment.pk}/cambiar/?")[-1]
    html = client.get(day_url).content.decode()
    confirm = links(html, f"/citas/{appointment.pk}/cambiar/confirmar/?")[0]
    time_value = re.search(r'name="time" value="([^"]+)"', client.get(confirm).content.decode()).group(1)
    response = client.post(confirm, {"time": time_value})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert Appointment.objects.filter(citizen=citizen, status="booked").count() == 1


def test_video_appointment_page_shows_the_placeholder(client, mailbox, world):
    service, tech, office = world
    citizen = make_citizen()
    sign_in_citizen(client, mailbox, citizen)
    start = timezone.now() + timedelta(days=3)
    appointment = Appointment.objects.create(citizen=citizen, technician=tech, service=service, mode="video",
                                             starts_at=start, ends_at=start + timedelta(hours=1),
                                             created_at=timezone.now())
    html = client.get(f"/citas/{appointment.pk}/").content.decode()
    assert f"/citas/sala/{appointment.video_room}/" in html
    html = client.get(f"/citas/sala/{appointment.video_room}/").content.decode()
    assert "Sala virtual — próximamente" in html


def test_technician_agenda_outcome_and_booking_by_dni(client, world):
    service, tech, office = world
    citizen = make_citizen(office=office)
    start = timezone.now() - timedelta(minutes=10)
    past = Appointment.objects.create(citizen=citizen, technician=tech, office=office, service=service,
                                      mode="office", starts_at=start, ends_at=start + timedelta(hours=1),
                                      created_at=timezone.now())
    sign_in_staff(client, tech, make_totp_device(tech))
    assert 'href="/citas/agenda/"' in client.get("/personal/").content.decode()
    html = client.get("/citas/agenda/").content.decode()
    assert "García López" in html and f"/citas/agenda/{past.pk}/resultado/" in html
    assert "García López" in client.get("/citas/agenda/?semana=1").content.decode()
    response = client.post(f"/citas/agenda/{past.pk}/resultado/", {"outcome": "attended", "note": "Currículum"})
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.status == "attended"
    assert FileNote.objects.get(citizen=citizen, source="appointment", source_id=past.pk).text == "Currículum"
    assert "Currículum" in client.get(f"/expediente/ciudadanos/{citizen.pk}/").content.decode()

    response = client.get("/citas/agenda/dar-cita/", {"document_number": "12345678z"})
    assert response.status_code == 302 and f"ciudadano={citizen.pk}" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert "Dar cita a María García López" in html
    html = client.get(f"/citas/agenda/dar-cita/?ciudadano={citizen.pk}&service={service.slug}&mode=office"
                      f"&office={office.pk}").content.decode()
    day = links(html, "/citas/agenda/dar-cita/?")[0]
    confirm = links(client.get(day).content.decode(), "/citas/agenda/dar-cita/confirmar/?")[0]
    time_value = re.search(r'name="time" value="([^"]+)"', client.get(confirm).content.decode()).group(1)
    assert client.post(confirm, {"time": time_value}).status_code == 302
    booked = Appointment.objects.get(status="booked")
    assert booked.citizen == citizen and booked.booked_by == tech
    assert "No hay nadie" in client.get("/citas/agenda/dar-cita/", {"document_number": "00000000T"}).content.decode()


def test_supervisor_sees_the_office_agenda_and_citizens_do_not(client, mailbox, world):
    service, tech, office = world
    citizen = make_citizen()
    start = timezone.now() + timedelta(hours=2)
    Appointment.objects.create(citizen=citizen, technician=tech, office=office, service=service, mode="office",
                               starts_at=start, ends_at=start + timedelta(hours=1), created_at=timezone.now())
    supervisor = make_staff(role=Role.SUPERVISOR, username="jefa", supervised_province=office.province)
    sign_in_staff(client, supervisor, make_totp_device(supervisor))
    html = client.get(f"/citas/agenda/oficina/?oficina={office.pk}").content.decode()
    assert "Carga por técnico/a" in html and "Lucía Martín: 1" in html
    from oficina.accounts.tests.conftest import CommittingClient
    citizen_client = CommittingClient()
    sign_in_citizen(citizen_client, mailbox, citizen)
    assert citizen_client.get("/citas/agenda/").status_code == 403
    assert citizen_client.get("/citas/agenda/oficina/").status_code == 403


def test_the_day_step_does_not_load_the_citizens_office(client, office):
    """The citizen's own office is only needed at the office step (it goes first there)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    service = make_service(slug="demanda", name="Demanda de empleo")
    give_schedule(make_technician(office=office), service)
    client.force_login(make_citizen(office=office))
    offices_step = client.get("/citas/nueva/", {"service": "demanda", "mode": "office"}).content.decode()
    assert f"Su oficina de referencia es {office}" in offices_step

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/citas/nueva/", {"service": "demanda", "mode": "office", "office": office.pk})

    assert response.status_code == 200 and "Elija el día" in response.content.decode()
    by_key = [q["sql"] for q in queries if 'FROM "offices_office"' in q["sql"] and q["sql"].endswith("LIMIT 21")]
    assert by_key == []  # `user.office`: the one lookup of an office by its key alone
