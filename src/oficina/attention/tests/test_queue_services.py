"""Waiting room and console services: taking tickets (and every refusal), the queue order, calling,
missed calls, expiry, sessions, transfer, finishing, the survey, and documents inside a session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from oficina.accounts.tests.conftest import make_office
from oficina.appointments.models import Appointment
from oficina.attention import selectors, services
from oficina.attention.exceptions import (
    AlreadyWaiting,
    NotAllowed,
    QueueEmpty,
    WaitingRoomUnavailable,
    WrongState,
)
from oficina.attention.models import AttentionSession, ChatMessage, Presence, SatisfactionSurvey, Ticket
from oficina.casefile.models import Document
from oficina.casefile.tests.factories import pdf_bytes
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .queue_fixtures import OPEN_NOW, new_citizen, new_service, new_technician, verified

pytestmark = pytest.mark.django_db


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
def technician(service):
    return new_technician(online=True, now=OPEN_NOW)


def take(service, citizen=None, *, minutes: int = 0, **kwargs) -> Ticket:
    return services.ticket_take(citizen=citizen or new_citizen(), service=service,
                                now=OPEN_NOW + timedelta(minutes=minutes), **kwargs)


def audited(event: str, **filters) -> bool:
    return AuditRecord.objects.filter(event=event, **filters).exists()


# --- Taking a ticket --------------------------------------------------------------------------------


def test_tickets_are_numbered_per_service_and_day_and_audited(service, technician):
    other = new_service(slug="prestaciones", name="Prestaciones")
    first, second = take(service), take(service, minutes=1)
    third = take(other, minutes=2)
    assert (first.number, second.number, third.number) == ("O-001", "O-002", "P-001")
    assert first.day == OPEN_NOW.date() and first.status == Ticket.Status.WAITING
    assert audited(AuditEvent.ATTENTION_TICKET_TAKEN, target_id=str(first.pk))
    tomorrow = services.ticket_take(citizen=new_citizen(), service=service, now=OPEN_NOW + timedelta(days=1))
    assert tomorrow.number == "O-001"


def test_a_citizen_holds_one_active_ticket(service, technician):
    citizen = new_citizen()
    take(service, citizen)
    with pytest.raises(AlreadyWaiting):
        take(service, citizen, minutes=1)
    assert Ticket.objects.filter(citizen=citizen).count() == 1


def test_closed_outside_opening_hours_and_the_refusal_is_audited(service, technician):
    citizen = new_citizen()
    with pytest.raises(WaitingRoomUnavailable) as refused:
        services.ticket_take(citizen=citizen, service=service, now=OPEN_NOW.replace(hour=21))
    assert refused.value.code == "closed" and "Horario" in refused.value.message
    with pytest.raises(WaitingRoomUnavailable):  # Sunday
        services.ticket_take(citizen=citizen, service=service, now=OPEN_NOW - timedelta(days=1))
    with pytest.raises(WaitingRoomUnavailable):  # a public holiday (1 May)
        services.ticket_take(citizen=citizen, service=service, now=OPEN_NOW.replace(month=5, day=1))
    assert not Ticket.objects.exists()
    assert AuditRecord.objects.filter(event=AuditEvent.ATTENTION_TICKET_REFUSED, result="failure").count() == 3


def test_refused_when_nobody_attends_the_service(service):
    with pytest.raises(WaitingRoomUnavailable) as refused:
        take(service)
    assert refused.value.code == "nobody_online"
    paused = new_technician()
    services.presence_set(technician=paused, status=Presence.Status.PAUSED, services=[], now=OPEN_NOW)
    with pytest.raises(WaitingRoomUnavailable):
        take(service)
    other_service = new_service(slug="formacion", name="Formación")
    new_technician(online=True, services_=[other_service], now=OPEN_NOW)
    with pytest.raises(WaitingRoomUnavailable):
        take(service)
    assert take(other_service).number == "F-001"


def test_refused_when_capacity_is_full_and_calling_is_capped_too(service, settings):
    settings.ATTENTION_MAX_CONCURRENT = 1
    first_technician = new_technician(online=True, now=OPEN_NOW)
    second_technician = new_technician(online=True, now=OPEN_NOW)
    take(service), take(service, minutes=1)
    services.ticket_call_next(technician=first_technician, now=OPEN_NOW)
    with pytest.raises(WaitingRoomUnavailable) as refused:
        take(service, minutes=2)
    assert refused.value.code == "full"
    with pytest.raises(WaitingRoomUnavailable):
        services.ticket_call_next(technician=second_technician, now=OPEN_NOW)


def test_staff_cannot_take_a_ticket(service, technician):
    with pytest.raises(NotAllowed):
        services.ticket_take(citizen=technician, service=service, now=OPEN_NOW)


def _video_appointment(citizen, service, technician, starts_at):
    return Appointment.objects.create(citizen=citizen, technician=technician, service=service,
                                      mode=Appointment.Mode.VIDEO, starts_at=starts_at,
                                      ends_at=starts_at + timedelta(minutes=20), created_at=starts_at - timedelta(days=2))


def test_appointment_holders_enter_from_ten_minutes_before_and_go_first(service, technician):
    walk_in = take(service)
    holder = new_citizen()
    appointment = _video_appointment(holder, service, technician, OPEN_NOW + timedelta(minutes=30))
    with pytest.raises(WaitingRoomUnavailable) as refused:
        services.ticket_take(citizen=holder, appointment=appointment, now=OPEN_NOW + timedelta(minutes=19))
    assert refused.value.code == "too_early"
    with pytest.raises(NotAllowed):  # someone else's appointment
        services.ticket_take(citizen=new_citizen(), appointment=appointment, now=OPEN_NOW + timedelta(minutes=25))
    ticket = services.ticket_take(citizen=holder, appointment=appointment, now=OPEN_NOW + timedelta(minutes=21))
    assert ticket.priority < walk_in.priority and ticket.appointment == appointment
    assert selectors.queue_order(service_id=service.pk) == [ticket.pk, walk_in.pk]
    called = services.ticket_call_next(technician=technician, now=OPEN_NOW + timedelta(minutes=22))
    assert called == ticket


def test_appointment_holders_are_let_in_even_when_nobody_is_online(service):
    technician = new_technician()
    holder = new_citizen()
    appointment = _video_appointment(holder, service, technician, OPEN_NOW + timedelta(minutes=5))
    ticket = services.ticket_take(citizen=holder, appointment=appointment, now=OPEN_NOW)
    assert ticket.status == Ticket.Status.WAITING


# --- Position and estimated wait ----------------------------------------------------------------------


def test_position_and_estimated_wait_from_recent_sessions(service, technician):
    tickets = [take(service, minutes=i) for i in range(3)]
    state = selectors.ticket_state(tickets[2])
    assert state["position"] == 3
    assert state["estimated_wait_minutes"] == 3 * service.duration_minutes  # no history: the service's duration
    # one finished session of 10 minutes, two technicians online: 5 minutes per place
    ticket = services.ticket_call_next(technician=technician, now=OPEN_NOW)
    session = services.session_start(ticket=ticket, citizen=ticket.citizen, now=OPEN_NOW)
    services.session_finish(session=session, technician=technician, outcome="resolved",
                            now=OPEN_NOW + timedelta(minutes=10))
    new_technician(online=True, now=OPEN_NOW)
    state = selectors.ticket_state(Ticket.objects.get(pk=tickets[2].pk))
    assert state["position"] == 2 and state["estimated_wait_minutes"] == 10
    event = selectors.waiting_changed_event(service_id=service.pk)
    assert event == {"type": "waiting.changed", "order": f",{tickets[1].pk},{tickets[2].pk},", "per_place": 5.0}
    assert selectors.position_in(event["order"], tickets[2].pk) == 2
    assert selectors.position_in(event["order"], tickets[0].pk) == 0
    assert selectors.position_in(",", tickets[0].pk) == 0


def test_leaving_frees_the_place(service, technician):
    first, second = take(service), take(service, minutes=1)
    services.ticket_leave(ticket=first, actor=first.citizen)
    assert selectors.ticket_state(Ticket.objects.get(pk=second.pk))["position"] == 1
    with pytest.raises(NotAllowed):
        services.ticket_leave(ticket=second, actor=first.citizen)
    with pytest.raises(WrongState):
        services.ticket_leave(ticket=first, actor=first.citizen)
    assert audited(AuditEvent.ATTENTION_TICKET_LEFT, target_id=str(first.pk))


# --- Calling ------------------------------------------------------------------------------------------


def test_call_next_takes_the_first_in_order_and_holds_the_technician(service, technician):
    first, second = take(service), take(service, minutes=1)
    called = services.ticket_call_next(technician=technician, now=OPEN_NOW)
    assert called == first and called.status == Ticket.Status.CALLED and called.technician == technician
    assert audited(AuditEvent.ATTENTION_TICKET_CALLED, target_id=str(first.pk))
    with pytest.raises(WrongState):  # one citizen at a time
        services.ticket_call_next(technician=technician, now=OPEN_NOW)
    other = new_technician(online=True, now=OPEN_NOW)
    assert services.ticket_call_next(technician=other, now=OPEN_NOW) == second
    with pytest.raises(QueueEmpty):
        services.ticket_call_next(technician=new_technician(online=True, now=OPEN_NOW), now=OPEN_NOW)


def test_citizens_and_offline_technicians_cannot_call(service, technician):
    take(service)
    with pytest.raises(NotAllowed):
        services.ticket_call_next(technician=verified(new_citizen()), now=OPEN_NOW)
    offline = new_technician()
    with pytest.raises(WrongState):
        services.ticket_call_next(technician=offline, now=OPEN_NOW)
    unverified = new_technician(online=True, now=OPEN_NOW)
    unverified.is_verified = lambda: False
    with pytest.raises(NotAllowed):
        services.ticket_call_next(technician=unverified, now=OPEN_NOW)
    assert Ticket.objects.get().status == Ticket.Status.WAITING


def test_a_technician_calls_only_the_services_they_attend(service, technician):
    other_service = new_service(slug="prestaciones", name="Prestaciones")
    specialist = new_technician(online=True, services_=[other_service], now=OPEN_NOW)
    take(service)
    with pytest.raises(QueueEmpty):
        services.ticket_call_next(technician=specialist, now=OPEN_NOW)


def test_missed_once_goes_behind_the_next_twice_is_removed(service, technician):
    first, second, third = take(service), take(service, minutes=1), take(service, minutes=2)
    services.ticket_call_next(technician=technician, now=OPEN_NOW)
    missed = services.ticket_missed(ticket=first, actor=technician, now=OPEN_NOW + timedelta(seconds=61))
    assert missed.status == Ticket.Status.WAITING and missed.missed_calls == 1 and missed.technician is None
    assert selectors.queue_order(service_id=service.pk) == [second.pk, first.pk, third.pk]
    assert services.ticket_call_next(technician=technician, now=OPEN_NOW) == second
    services.ticket_missed(ticket=second, actor=technician)
    assert services.ticket_call_next(technician=technician, now=OPEN_NOW) == first
    removed = services.ticket_missed(ticket=first, actor=technician)
    assert removed.status == Ticket.Status.REMOVED and removed.closed_at is not None
    assert audited(AuditEvent.ATTENTION_TICKET_REMOVED, target_id=str(first.pk))
    with pytest.raises(WrongState):
        services.ticket_missed(ticket=first, actor=technician)


def test_only_the_calling_technician_recalls_or_marks_missed(service, technician):
    ticket = take(service)
    services.ticket_call_next(technician=technician, now=OPEN_NOW)
    other = new_technician(online=True, now=OPEN_NOW)
    with pytest.raises(NotAllowed):
        services.ticket_recall(ticket=ticket, technician=other)
    with pytest.raises(NotAllowed):
        services.ticket_missed(ticket=ticket, actor=other)
    later = OPEN_NOW + timedelta(seconds=50)
    assert services.ticket_recall(ticket=ticket, technician=technician, now=later).called_at == later
    assert audited(AuditEvent.ATTENTION_TICKET_RECALLED, target_id=str(ticket.pk))


def test_expiry_of_unanswered_calls_and_abandoned_tickets(service, technician, settings):
    called, waiting, fresh = take(service), take(service, minutes=1), take(service, minutes=2)
    services.ticket_call_next(technician=technician, now=OPEN_NOW)
    Ticket.objects.filter(pk__in=[called.pk, fresh.pk]).update(last_seen_at=OPEN_NOW + timedelta(minutes=3))
    at = OPEN_NOW + timedelta(minutes=3, seconds=settings.ATTENTION_ANSWER_SECONDS)
    missed, abandoned = services.tickets_expire(now=at)
    # the call is missed; of the waiting ones, only the page not seen since OPEN_NOW+1 min is stale
    assert (missed, abandoned) == (1, 1)
    assert Ticket.objects.get(pk=called.pk).status == Ticket.Status.WAITING
    assert Ticket.objects.get(pk=waiting.pk).status == Ticket.Status.LEFT
    assert Ticket.objects.get(pk=fresh.pk).status == Ticket.Status.WAITING
    assert audited(AuditEvent.ATTENTION_TICKET_ABANDONED, target_id=str(waiting.pk))
    assert services.tickets_expire(now=at) == (0, 0)  # idempotent


def test_reconnecting_within_the_grace_period_keeps_the_ticket(service, technician, settings):
    ticket = take(service)
    services.ticket_touch(ticket=ticket, now=OPEN_NOW + timedelta(seconds=100))
    assert services.tickets_expire(now=OPEN_NOW + timedelta(seconds=200)) == (0, 0)
    assert selectors.active_ticket_for(citizen=ticket.citizen) == ticket
    assert services.tickets_expire(now=OPEN_NOW + timedelta(seconds=221)) == (0, 1)
    assert selectors.active_ticket_for(citizen=ticket.citizen) is None


# --- Sessions -----------------------------------------------------------------------------------------


def _session(service, technician, citizen=None) -> AttentionSession:
    ticket = take(service, citizen)
    services.ticket_call_next(technician=technician, now=OPEN_NOW)
    return services.session_start(ticket=ticket, citizen=ticket.citizen, now=OPEN_NOW + timedelta(seconds=5))


def test_session_start_only_by_the_called_citizen_before_the_deadline(service, technician):
    ticket = take(service)
    with pytest.raises(WrongState):  # not called yet
        services.session_start(ticket=ticket, citizen=ticket.citizen, now=OPEN_NOW)
    services.ticket_call_next(technician=technician, now=OPEN_NOW)
    with pytest.raises(NotAllowed):
        services.session_start(ticket=ticket, citizen=new_citizen(), now=OPEN_NOW)
    with pytest.raises(WrongState):
        services.session_start(ticket=ticket, citizen=ticket.citizen, now=OPEN_NOW + timedelta(seconds=61))
    session = services.session_start(ticket=ticket, citizen=ticket.citizen, now=OPEN_NOW + timedelta(seconds=30))
    assert session.technician == technician and session.mode == ticket.mode
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.IN_SESSION
    assert audited(AuditEvent.ATTENTION_SESSION_STARTED, target_id=str(session.pk))


def test_session_get_for_user_is_404_for_others(service, technician):
    session = _session(service, technician)
    assert selectors.session_get_for_user(token=session.token, user=session.citizen) == session
    assert selectors.session_get_for_user(token=session.token, user=technician) == session
    for outsider in (new_citizen(), new_technician(online=True, now=OPEN_NOW)):
        with pytest.raises(Http404):
            selectors.session_get_for_user(token=session.token, user=outsider)
    unverified = technician
    unverified.is_verified = lambda: False
    with pytest.raises(Http404):
        selectors.session_get_for_user(token=session.token, user=unverified)
    with pytest.raises(Http404):
        selectors.session_get_for_user(token="nope", user=session.citizen)


def test_finish_writes_the_attention_record(service, technician):
    session = _session(service, technician)
    with pytest.raises(NotAllowed):
        services.session_finish(session=session, technician=new_technician(online=True, now=OPEN_NOW),
                                outcome="resolved")
    with pytest.raises(WrongState):
        services.session_finish(session=session, technician=technician, outcome="referred")
    finished = services.session_finish(session=session, technician=technician, outcome="follow_up",
                                       notes="Traerá el certificado.", now=OPEN_NOW + timedelta(minutes=12))
    assert finished.ended_at == OPEN_NOW + timedelta(minutes=12) and finished.outcome == "follow_up"
    assert Ticket.objects.get(pk=session.ticket_id).status == Ticket.Status.FINISHED
    assert list(selectors.attention_records_for_citizen(citizen=session.citizen)) == [finished]
    assert audited(AuditEvent.ATTENTION_SESSION_FINISHED, target_id=str(session.pk))
    with pytest.raises(WrongState):
        services.session_finish(session=session, technician=technician, outcome="resolved")
    # the technician is free again
    take(service)
    assert services.ticket_call_next(technician=technician, now=OPEN_NOW).status == Ticket.Status.CALLED


def test_transfer_to_a_colleague_requeues_at_the_head_reserved_for_them(service, technician):
    session = _session(service, technician)
    waiting = take(service, minutes=1)
    colleague = new_technician(online=True, now=OPEN_NOW)
    bystander = new_technician(online=True, now=OPEN_NOW)
    with pytest.raises(WrongState):
        services.session_transfer(session=session, technician=technician)
    new_ticket = services.session_transfer(session=session, technician=technician, to_technician=colleague)
    session.refresh_from_db()
    assert session.outcome == AttentionSession.Outcome.REFERRED and session.ended_at is not None
    assert new_ticket.citizen == session.citizen and new_ticket.status == Ticket.Status.WAITING
    assert selectors.queue_order(service_id=service.pk) == [new_ticket.pk, waiting.pk]
    assert services.ticket_call_next(technician=bystander, now=OPEN_NOW) == waiting  # not reserved for them
    assert services.ticket_call_next(technician=colleague, now=OPEN_NOW) == new_ticket
    assert audited(AuditEvent.ATTENTION_SESSION_TRANSFERRED, target_id=str(session.pk))


def test_transfer_to_another_service(service, technician):
    other = new_service(slug="prestaciones", name="Prestaciones")
    session = _session(service, technician)
    ticket = services.session_transfer(session=session, technician=technician, to_service=other)
    assert ticket.service == other and ticket.number == "P-001" and ticket.technician is None
    with pytest.raises(WrongState):
        services.session_transfer(session=session, technician=technician, to_service=other)


def test_survey_once_by_the_citizen_after_finishing(service, technician):
    session = _session(service, technician)
    with pytest.raises(WrongState):
        services.survey_submit(session=session, citizen=session.citizen, rating=5)
    services.session_finish(session=session, technician=technician, outcome="resolved")
    with pytest.raises(NotAllowed):
        services.survey_submit(session=session, citizen=new_citizen(), rating=5)
    with pytest.raises(WrongState):
        services.survey_submit(session=session, citizen=session.citizen, rating=6)
    survey = services.survey_submit(session=session, citizen=session.citizen, rating=4, comment="Muy amable")
    assert survey.rating == 4 and audited(AuditEvent.ATTENTION_SURVEY_SUBMITTED)
    with pytest.raises(WrongState):
        services.survey_submit(session=session, citizen=session.citizen, rating=5)
    assert SatisfactionSurvey.objects.count() == 1


# --- Documents in a session -----------------------------------------------------------------------------


def test_document_request_upload_and_send_go_through_the_file_and_the_chat(service):
    office = make_office()
    technician = new_technician(office=office, online=True, now=OPEN_NOW)
    citizen = new_citizen(office=office)
    session = _session(service, technician, citizen)
    with pytest.raises(NotAllowed):
        services.document_request(session=session, technician=new_technician(), doc_type="certificado",
                                  title="Empadronamiento")
    with pytest.raises(WrongState):
        services.document_request(session=session, technician=technician, doc_type="certificado", title=" ")
    request = services.document_request(session=session, technician=technician, doc_type="certificado",
                                        title="Certificado de empadronamiento")
    assert request.kind == ChatMessage.Kind.DOCUMENT_REQUEST and request.seq == 1
    upload = SimpleUploadedFile("padron.pdf", pdf_bytes("Padrón"), content_type="application/pdf")
    provided = services.document_provide(session=session, citizen=citizen, uploaded_file=upload,
                                         doc_type="certificado", title="Certificado de empadronamiento")
    assert provided.seq == 2 and provided.kind == ChatMessage.Kind.DOCUMENT
    document = Document.objects.get(citizen=citizen)
    assert provided.document == document and document.versions.get().registry_entry is not None
    assert document.versions.get().registry_entry.number in provided.body
    other = new_citizen()
    with pytest.raises(NotAllowed):
        services.document_provide(session=session, citizen=other, uploaded_file=upload, doc_type="otro", title="x")
    sent = services.document_send(session=session, technician=technician, document=document)
    assert sent.seq == 3 and sent.document == document
    letter = SimpleUploadedFile("carta.pdf", pdf_bytes("Carta"), content_type="application/pdf")
    sent_new = services.document_send(session=session, technician=technician, uploaded_file=letter,
                                      doc_type="otro", title="Carta de presentación")
    assert sent_new.seq == 4 and Document.objects.filter(citizen=citizen).count() == 2
    for event in (AuditEvent.ATTENTION_DOCUMENT_REQUESTED, AuditEvent.ATTENTION_DOCUMENT_RECEIVED,
                  AuditEvent.ATTENTION_DOCUMENT_SENT):
        assert audited(event, target_id=str(session.pk))
    services.session_finish(session=session, technician=technician, outcome="resolved")
    with pytest.raises(WrongState):
        services.document_request(session=session, technician=technician, doc_type="otro", title="Otro")


def test_console_snapshot_has_no_personal_data(service, technician):
    citizen = new_citizen()
    take(service, citizen)
    snapshot = selectors.console_snapshot(now=OPEN_NOW + timedelta(minutes=3))
    assert snapshot["tickets"] == [{"number": "O-001", "service": service.name, "waiting_seconds": 180,
                                    "status": "waiting", "status_label": "En espera", "appointment": False}]
    text = repr(snapshot)
    assert citizen.document_number not in text and citizen.first_name not in text
    assert snapshot["online"] == 1
