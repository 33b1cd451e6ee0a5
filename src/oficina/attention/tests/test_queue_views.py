"""Waiting-room, console, panel and survey pages without JavaScript: the whole flow through real requests,
and what is refused (another citizen's session → 404, citizens at the console → 403, closed room)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from oficina.accounts.tests.conftest import CommittingClient, make_office
from oficina.appointments.models import Appointment
from oficina.attention.models import AttentionSession, ChatMessage, Presence, SatisfactionSurvey, Ticket
from oficina.casefile.tests.factories import pdf_bytes

from .queue_fixtures import always_open, login_citizen, login_technician, new_citizen, new_service, new_technician  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("always_open")]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    settings.CLAMD_SOCKET = ""


@pytest.fixture
def service():
    return new_service()


@pytest.fixture
def office():
    return make_office()


@pytest.fixture
def citizen(office):
    return new_citizen(office=office)


@pytest.fixture
def citizen_client(citizen):
    return login_citizen(CommittingClient(), citizen)


@pytest.fixture
def technician(office):
    return new_technician(office=office)


@pytest.fixture
def tech_client(technician):
    return login_technician(CommittingClient(), technician)


def go_online(tech_client) -> None:
    response = tech_client.post("/atencion/puesto/conexion/", {"status": "online"})
    assert response.status_code == 302 and response["Location"] == "/atencion/puesto/"


def test_the_whole_flow_without_javascript(citizen_client, tech_client, citizen, technician, service):
    html = tech_client.get("/atencion/puesto/").content.decode()
    assert "Conectarme" in html and "Llamar al siguiente" in html
    go_online(tech_client)
    assert Presence.objects.get(technician=technician).status == Presence.Status.ONLINE

    html = citizen_client.get("/atencion/").content.decode()
    assert "Entrar en la sala de espera" in html
    response = citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "chat"})
    assert response.status_code == 302 and response["Location"] == "/atencion/sala/"
    html = citizen_client.get("/atencion/sala/").content.decode()
    assert "O-001" in html and "Es el siguiente" in html and 'aria-live="polite"' in html and "Actualizar" in html
    assert citizen_client.get("/atencion/").status_code == 302  # already waiting: back to the ticket
    state = citizen_client.get("/atencion/sala/estado/").json()
    assert state == {"type": "waiting.position", "ticket": "O-001", "status": "waiting", "position": 1,
                     "estimated_wait_minutes": 20}

    html = tech_client.get("/atencion/puesto/").content.decode()
    assert "O-001" in html and citizen.document_number not in html and citizen.last_name not in html
    response = tech_client.post("/atencion/puesto/llamar/")
    assert response.status_code == 302
    state = citizen_client.get("/atencion/sala/estado/").json()
    assert state["type"] == "waiting.called" and state["answer_url"] == "/atencion/sala/responder/"
    assert "Atender la llamada" in citizen_client.get("/atencion/sala/").content.decode()

    response = citizen_client.post("/atencion/sala/responder/")
    session = AttentionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/atencion/sesion/{session.token}/"
    assert session.mode == "chat"
    html = tech_client.get("/atencion/puesto/").content.decode()
    assert f"/atencion/sesion/{session.token}/" in html and "Ir a la atención" in html

    # the panels, through the session page of part "session"
    html = tech_client.get(f"/atencion/sesion/{session.token}/").content.decode()
    assert "Finalizar la atención" in html and "Pedir el documento" in html and citizen.document_number in html
    response = tech_client.post(f"/atencion/sesion/{session.token}/documentos/pedir/",
                                {"request-doc_type": "certificado", "request-title": "Padrón"})
    assert response.status_code == 302
    html = citizen_client.get(f"/atencion/sesion/{session.token}/").content.decode()
    assert "Padrón" in html and "Aportar el documento" in html
    upload = SimpleUploadedFile("padron.pdf", pdf_bytes("Padrón"), content_type="application/pdf")
    response = citizen_client.post(f"/atencion/sesion/{session.token}/documentos/aportar/", {
        "provide-file": upload, "provide-doc_type": "certificado", "provide-title": "Padrón"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ChatMessage.objects.filter(session=session, kind="document").count() == 1

    response = tech_client.post(f"/atencion/sesion/{session.token}/finalizar/",
                                {"finish-outcome": "resolved", "finish-notes": "Todo en orden."})
    assert response.status_code == 302 and response["Location"] == "/atencion/puesto/"
    session.refresh_from_db()
    assert session.outcome == "resolved" and session.notes == "Todo en orden."

    html = citizen_client.get(f"/atencion/sesion/{session.token}/valorar/").content.decode()
    assert "Enviar valoración" in html
    response = citizen_client.post(f"/atencion/sesion/{session.token}/valorar/", {"rating": "5", "comment": "Bien"})
    assert response.status_code == 302
    assert SatisfactionSurvey.objects.get(session=session).rating == 5
    assert "Ya ha valorado" in citizen_client.get(f"/atencion/sesion/{session.token}/valorar/").content.decode()


def test_bad_input_keeps_what_was_typed_and_says_why(citizen_client, tech_client, service):
    go_online(tech_client)
    response = citizen_client.post("/atencion/entrar/", {"service": "", "mode": "video"})
    assert response.status_code == 400 and "Elija un servicio." in response.content.decode()
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    tech_client.post("/atencion/puesto/llamar/")
    citizen_client.post("/atencion/sala/responder/")
    session = AttentionSession.objects.get()
    response = tech_client.post(f"/atencion/sesion/{session.token}/finalizar/",
                                {"finish-outcome": "", "finish-notes": "Notas que no se pierden"})
    html = response.content.decode()
    assert response.status_code == 400 and "Elija el resultado de la atención." in html
    assert "Notas que no se pierden" in html
    response = citizen_client.post(f"/atencion/sesion/{session.token}/valorar/", {"rating": "5"})
    assert response.status_code == 400 and "Podrá valorar" in response.content.decode()


def test_closed_or_nobody_online_offers_an_appointment(citizen_client, service, settings):
    response = citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    html = response.content.decode()
    assert response.status_code == 409 and "Ahora no hay nadie atendiendo" in html and "/citas/nueva/" in html
    settings.ATTENTION_OPENING_DAYS = []
    response = citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    assert response.status_code == 409 and "La sala de espera está cerrada" in response.content.decode()
    assert not Ticket.objects.exists()


def test_another_citizens_session_is_not_found(citizen_client, tech_client, service):
    go_online(tech_client)
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    tech_client.post("/atencion/puesto/llamar/")
    citizen_client.post("/atencion/sala/responder/")
    session = AttentionSession.objects.get()
    stranger = login_citizen(CommittingClient(), new_citizen())
    for url in (f"/atencion/sesion/{session.token}/valorar/",):
        assert stranger.get(url).status_code == 404
    response = stranger.post(f"/atencion/sesion/{session.token}/documentos/aportar/", {})
    assert response.status_code == 404
    other_tech = login_technician(CommittingClient(), new_technician())
    response = other_tech.post(f"/atencion/sesion/{session.token}/finalizar/", {"finish-outcome": "resolved"})
    assert response.status_code == 404
    # the citizen cannot use the technician's actions
    response = citizen_client.post(f"/atencion/sesion/{session.token}/finalizar/", {"finish-outcome": "resolved"})
    assert response.status_code == 403
    assert AttentionSession.objects.get().ended_at is None


def test_citizens_cannot_use_the_console(citizen_client, service):
    assert citizen_client.get("/atencion/puesto/").status_code == 403
    assert citizen_client.post("/atencion/puesto/llamar/").status_code == 403
    anonymous = CommittingClient()
    assert anonymous.get("/atencion/puesto/").status_code == 302
    assert anonymous.get("/atencion/sala/").status_code == 302


def test_a_missed_call_is_noticed_when_the_page_is_read(citizen_client, tech_client, service, settings):
    go_online(tech_client)
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    tech_client.post("/atencion/puesto/llamar/")
    Ticket.objects.update(called_at=timezone.now() - timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS + 1))
    state = citizen_client.get("/atencion/sala/estado/").json()
    assert state["status"] == "waiting" and Ticket.objects.get().missed_calls == 1
    tech_client.post("/atencion/puesto/llamar/")
    Ticket.objects.update(called_at=timezone.now() - timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS + 1))
    state = citizen_client.get("/atencion/sala/estado/").json()
    assert state["type"] == "waiting.removed" and "dos veces" in state["message"]


def test_video_appointment_entry(citizen_client, citizen, technician, tech_client, service):
    starts = timezone.now() + timedelta(minutes=5)
    appointment = Appointment.objects.create(citizen=citizen, technician=technician, service=service,
                                             mode=Appointment.Mode.VIDEO, starts_at=starts,
                                             ends_at=starts + timedelta(minutes=20), created_at=timezone.now())
    html = citizen_client.get(f"/atencion/entrar/?cita={appointment.pk}").content.decode()
    assert "Entrar en la sala de espera" in html and f'value="{appointment.pk}"' in html
    response = citizen_client.post("/atencion/entrar/", {"cita": appointment.pk, "mode": "video"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.appointment == appointment and ticket.priority == 10
    stranger = login_citizen(CommittingClient(), new_citizen())
    assert stranger.get(f"/atencion/entrar/?cita={appointment.pk}").status_code == 404
    # the appointment's page sends the citizen to the room
    response = citizen_client.get(f"/citas/sala/{appointment.video_room}/")
    assert response.status_code == 302 and response["Location"] == f"/atencion/entrar/?cita={appointment.pk}"


def test_leaving_the_room(citizen_client, tech_client, service):
    go_online(tech_client)
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})
    response = citizen_client.post("/atencion/sala/salir/")
    assert response.status_code == 302 and Ticket.objects.get().status == Ticket.Status.LEFT
    assert citizen_client.get("/atencion/sala/").status_code == 302


def test_the_attention_record_is_in_the_citizens_file(citizen_client, tech_client, citizen, service):
    go_online(tech_client)
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "audio"})
    tech_client.post("/atencion/puesto/llamar/")
    citizen_client.post("/atencion/sala/responder/")
    session = AttentionSession.objects.get()
    tech_client.post(f"/atencion/sesion/{session.token}/finalizar/",
                     {"finish-outcome": "follow_up", "finish-notes": "Nota interna del técnico"})
    html = citizen_client.get("/expediente/").content.decode()
    assert "Atenciones en directo" in html and "Requiere seguimiento" in html and "Solo audio" in html
    assert "Nota interna del técnico" not in html
    html = tech_client.get(f"/expediente/ciudadanos/{citizen.pk}/").content.decode()
    assert "Requiere seguimiento" in html and "Nota interna del técnico" in html
