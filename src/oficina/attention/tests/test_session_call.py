"""The session is made when the technician calls (so their page, socket, camera and WebRTC offer are
ready before the citizen answers), and starts when the citizen answers. Until then the citizen cannot
open it and nothing can be said or done in it; a call that ends unanswered (missed, deadline, the citizen
leaves) discards it, tells the technician's page, and is audited; the ticket can then be called again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from oficina.accounts.tests.conftest import CommittingClient
from oficina.attention import services
from oficina.attention.exceptions import WrongState
from oficina.attention.models import AttentionSession, ChatMessage, Ticket
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .queue_fixtures import (  # noqa: F401 (always_open is a fixture)
    OPEN_NOW,
    always_open,
    login_citizen,
    login_technician,
    new_citizen,
    new_service,
    new_technician,
)
from .session_fixtures import communicator, receive_until, session_cookie


def _call(*, now=OPEN_NOW, mode: str = "video"):
    service = new_service()
    technician = new_technician(online=True, now=now)
    ticket = services.ticket_take(citizen=new_citizen(), service=service, mode=mode, now=now)
    return services.ticket_call_next(technician=technician, now=now), technician


def _audit(event: str, ticket: Ticket) -> AuditRecord:
    return AuditRecord.objects.get(event=event, target_id=str(ticket.pk))


def _events_to(group: str, action, capture_on_commit) -> list[dict]:
    """What `action` sends to `group` once its transaction commits (read from the real channel layer)."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    with capture_on_commit(execute=True):
        action()

    async def drain() -> list[dict]:
        events = []
        while True:
            try:
                events.append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except asyncio.TimeoutError:
                return events
    return async_to_sync(drain)()


@pytest.mark.django_db
def test_calling_prepares_the_session_and_answering_starts_it():
    ticket, technician = _call()
    session = ticket.session
    assert AttentionSession.objects.get() == session and session.technician == technician
    assert session.citizen_id == ticket.citizen_id and session.mode == "video" and session.ended_at is None
    assert not services.session_answered(session)
    assert _audit(AuditEvent.ATTENTION_TICKET_CALLED, ticket).details["session_id"] == session.pk

    answered_at = OPEN_NOW + timedelta(seconds=7)
    started = services.session_start(ticket=ticket, citizen=ticket.citizen, now=answered_at)
    assert started.pk == session.pk and started.started_at == answered_at  # the duration counts from here
    assert services.session_answered(AttentionSession.objects.select_related("ticket").get())
    assert AuditRecord.objects.filter(event=AuditEvent.ATTENTION_SESSION_STARTED, target_id=str(session.pk)).exists()


@pytest.mark.django_db
def test_nothing_happens_in_a_session_before_the_citizen_answers(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket, technician = _call()
    session = ticket.session
    for attempt in (
        lambda: services.session_finish(session=session, technician=technician, outcome="resolved"),
        lambda: services.session_transfer(session=session, technician=technician, to_service=session.service),
        lambda: services.document_request(session=session, technician=technician, doc_type="certificado",
                                          title="Padrón"),
        lambda: services.document_send(session=session, technician=technician, uploaded_file=object(),
                                       doc_type="certificado", title="Padrón"),
    ):
        with pytest.raises(WrongState) as refused:
            attempt()
        assert refused.value.code == "not_answered"
    assert not ChatMessage.objects.exists() and AttentionSession.objects.get().ended_at is None


@pytest.mark.django_db
def test_a_missed_call_discards_the_session_tells_the_page_and_the_ticket_is_called_again(
        django_capture_on_commit_callbacks, settings):
    ticket, technician = _call()
    first = ticket.session
    events = _events_to(f"attention.session.{first.pk}", lambda: services.ticket_missed(
        ticket=ticket, actor=technician, now=OPEN_NOW + timedelta(seconds=30)), django_capture_on_commit_callbacks)
    assert not AttentionSession.objects.exists()
    assert events == [{"type": "session.ended", "url": "/atencion/puesto/", "survey_url": "/atencion/sala/",
                       "unanswered": True}]
    record = _audit(AuditEvent.ATTENTION_TICKET_MISSED, ticket)
    assert record.details == {"missed_calls": 1, "session_discarded": first.pk}

    again = services.ticket_call_next(technician=technician, now=OPEN_NOW + timedelta(seconds=31))
    assert again.pk == ticket.pk and again.session.pk != first.pk and again.session.token != first.token
    # The deadline passes a second time: removed, and again nothing is left open.
    services.tickets_expire(now=OPEN_NOW + timedelta(seconds=31 + settings.ATTENTION_ANSWER_SECONDS + 1))
    assert Ticket.objects.get().status == Ticket.Status.REMOVED and not AttentionSession.objects.exists()
    assert _audit(AuditEvent.ATTENTION_TICKET_REMOVED, ticket).details["session_discarded"] == again.session.pk


@pytest.mark.django_db
def test_a_citizen_who_leaves_instead_of_answering_discards_the_session():
    ticket, _technician = _call()
    session = ticket.session
    services.ticket_leave(ticket=ticket, actor=ticket.citizen)
    assert not AttentionSession.objects.exists() and Ticket.objects.get().status == Ticket.Status.LEFT
    assert _audit(AuditEvent.ATTENTION_TICKET_LEFT, ticket).details == {"session_discarded": session.pk}


# --- Pages --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("always_open")
def test_call_next_goes_to_the_session_page_which_waits_for_the_answer():
    service = new_service()
    technician = new_technician()
    tech = login_technician(CommittingClient(), technician)
    tech.post("/atencion/puesto/conexion/", {"status": "online"})
    citizen = new_citizen()
    citizen_client = login_citizen(CommittingClient(), citizen)
    citizen_client.post("/atencion/entrar/", {"service": service.pk, "mode": "video"})

    response = tech.post("/atencion/puesto/llamar/")
    session = AttentionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/atencion/sesion/{session.token}/"
    html = tech.get(response["Location"]).content.decode()
    assert "Ha llamado al turno O-001" in html and "Está llamando al turno O-001" in html
    assert "data-answer-deadline" in html and "Volver a llamar" in html and "No responde" in html
    # The console links to it too (e.g. after going back).
    assert f"/atencion/sesion/{session.token}/" in tech.get("/atencion/puesto/").content.decode()
    # Writing before the answer is refused, and said why.
    response = tech.post(f"/atencion/sesion/{session.token}/mensaje/", {"body": "Hola", "client_id": "t1"})
    assert response.status_code == 400 and "todavía no ha aceptado la llamada" in response.content.decode()
    # The citizen cannot open it before answering: the answer button is in the waiting room.
    response = citizen_client.get(f"/atencion/sesion/{session.token}/")
    assert response.status_code == 302 and response["Location"] == "/atencion/sala/"
    # "Volver a llamar" stays on the page.
    response = tech.post("/atencion/puesto/rellamar/")
    assert response.status_code == 302 and response["Location"] == f"/atencion/sesion/{session.token}/"

    # The citizen answers: the same session, and the technician's page has no "waiting" box any more.
    response = citizen_client.post("/atencion/sala/responder/")
    assert response["Location"] == f"/atencion/sesion/{session.token}/"
    assert citizen_client.get(response["Location"]).status_code == 200
    html = tech.get(f"/atencion/sesion/{session.token}/").content.decode()
    assert "Está llamando" not in html and "data-answer-deadline" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("always_open")
def test_the_technicians_page_after_the_deadline_applies_it_and_goes_back_to_the_console(settings):
    ticket, technician = _call(now=timezone.now())
    token = ticket.session.token
    tech = login_technician(CommittingClient(), technician)
    Ticket.objects.update(called_at=timezone.now() - timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS + 1))
    response = tech.get(f"/atencion/sesion/{token}/", follow=True)
    assert response.redirect_chain == [("/atencion/puesto/", 302)]
    assert "no ha respondido a la llamada" in response.content.decode()
    assert Ticket.objects.get().missed_calls == 1 and not AttentionSession.objects.exists()
    # "No responde" from the page does the same at once (the second time: out of the room).
    services.ticket_call_next(technician=technician)
    response = tech.post("/atencion/puesto/no-responde/")
    assert response["Location"] == "/atencion/puesto/" and Ticket.objects.get().status == Ticket.Status.REMOVED


# --- Socket -------------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("always_open")
async def test_the_socket_lets_the_technician_wait_keeps_the_citizen_out_and_chat_waits_for_the_answer():
    @database_sync_to_async
    def call():
        ticket, technician = _call(now=timezone.now())
        return ticket, session_cookie(ticket.citizen), session_cookie(technician)

    ticket, citizen_cookie, technician_cookie = await call()
    token = ticket.session.token
    technician = communicator(token, technician_cookie, instance="t1")
    assert (await technician.connect())[0]
    await technician.send_json_to({"type": "chat.send", "client_id": "t-1", "body": "¿Me oye?"})
    refused = await receive_until(technician, "error")
    assert refused["code"] == "not_answered" and refused["client_id"] == "t-1"

    early = communicator(token, citizen_cookie, instance="c0")
    assert (await early.connect())[0]
    assert (await early.receive_output(timeout=5)) == {"type": "websocket.close", "code": 4403}

    await database_sync_to_async(services.session_start)(ticket=ticket, citizen=ticket.citizen)
    citizen = communicator(token, citizen_cookie, instance="c1")
    assert (await citizen.connect())[0]
    assert (await receive_until(technician, "session.peer"))["role"] == "citizen"
    await technician.send_json_to({"type": "chat.send", "client_id": "t-2", "body": "Buenos días"})
    for side in (technician, citizen):
        assert (await receive_until(side, "chat.message"))["body"] == "Buenos días"
    await citizen.disconnect()
    await technician.disconnect()
