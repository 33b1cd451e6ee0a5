"""Writes of live attention: presence, tickets (take, leave, call, recall, missed, expiry), sessions
(start, transfer, finish), surveys, and documents asked for or sent inside a session.

Every service writes and audits in one transaction; events leave for the WebSocket groups only after it
commits (`core.realtime`). Queue changes publish `waiting.changed` with the service's whole waiting order
(ticket ids) and the minutes per place, so that each waiting-room consumer works out its own position
without a query (docs/live-attention.md).

Two rules live in the database, not here: one active ticket per citizen (partial unique constraint) and
one ticket number per service and day (unique constraint; numbers are handed out under a row lock on the
service). Call-next claims the first waiting ticket with `SELECT ... FOR UPDATE SKIP LOCKED`, so two
technicians clicking at once get two different citizens.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.accounts.models import User
from oficina.accounts.permissions import is_staff_member
from oficina.appointments.models import Appointment, Service
from oficina.attention import chat, selectors
from oficina.attention.exceptions import (
    AlreadyWaiting,
    NotAllowed,
    QueueEmpty,
    WaitingRoomUnavailable,
    WrongState,
)
from oficina.attention.models import AttentionSession, ChatMessage, Presence, SatisfactionSurvey, Ticket
from oficina.attention.permissions import (
    can_act_as_session_citizen,
    can_act_as_session_technician,
    can_attend,
    can_use_waiting_room,
)
from oficina.core.audit import AuditEvent, audit_record
from oficina.core.models import AuditRecord
from oficina.core.realtime import send_event, send_event_on_commit

logger = logging.getLogger(__name__)

__all__ = [
    "document_provide",
    "document_request",
    "document_send",
    "presence_set",
    "session_finish",
    "session_start",
    "session_transfer",
    "survey_submit",
    "ticket_call_next",
    "ticket_leave",
    "ticket_missed",
    "ticket_recall",
    "ticket_take",
    "ticket_touch",
    "tickets_expire",
]

#: Priorities (lower goes first).
PRIORITY_TRANSFERRED = 0
PRIORITY_APPOINTMENT = 10
PRIORITY_ARRIVAL = 100


# --- Events -------------------------------------------------------------------------------------------


def service_group(service_id: int) -> str:
    return f"attention.service.{service_id}"


def ticket_group(ticket_id: int) -> str:
    return f"attention.ticket.{ticket_id}"


CONSOLE_GROUP = "attention.console"


def technician_group(user_id: int) -> str:
    return f"attention.technician.{user_id}"


def session_group(session_id: int) -> str:
    return f"attention.session.{session_id}"


def _publish_queue(service_id: int) -> None:
    """After the commit: the service's waiting order to its waiting rooms, and a refresh to consoles.
    The order is read after the commit, so the last event sent reflects every committed change."""

    def publish() -> None:
        send_event(service_group(service_id), selectors.waiting_changed_event(service_id=service_id))
        send_event(CONSOLE_GROUP, {"type": "console.changed"})

    transaction.on_commit(publish)


def _publish_console() -> None:
    send_event_on_commit(CONSOLE_GROUP, {"type": "console.changed"})


# --- Presence -----------------------------------------------------------------------------------------


@transaction.atomic
def presence_set(*, technician: User, status: str, services: list[Service] | None = None,
                 now: datetime | None = None) -> Presence:
    """Go online, pause or go offline; `services` (when given) are the ones attended (none = all)."""
    if not can_attend(technician):
        raise NotAllowed(_("Solo el personal de atención puede conectarse al puesto."))
    if status not in Presence.Status.values:
        raise WrongState(_("Estado desconocido."), field="status")
    now = now or timezone.now()
    presence, _created = Presence.objects.select_for_update().get_or_create(
        technician=technician, defaults={"status": status, "changed_at": now})
    presence.status, presence.changed_at = status, now
    presence.save(update_fields=["status", "changed_at"])
    if services is not None:
        presence.services.set(services)
    audit_record(event=AuditEvent.ATTENTION_PRESENCE_CHANGED, actor=technician, target=presence,
                 details={"status": status, "services": sorted(s.pk for s in presence.services.all())})
    for service_id in selectors.active_service_ids():
        _publish_queue(service_id)  # the estimated waits depend on who is online
    _publish_console()
    return presence


# --- Tickets ------------------------------------------------------------------------------------------


def _prefix(service: Service) -> str:
    return (service.slug[:1] or "T").upper()


def _next_sequence(*, service: Service, day: Any) -> int:
    """Under a row lock on the service: numbers of one service are handed out one at a time."""
    Service.objects.select_for_update().filter(pk=service.pk).first()
    last = Ticket.objects.filter(service=service, day=day).aggregate(last=Max("sequence"))["last"] or 0
    return last + 1


def _appointment_window_open(appointment: Appointment, now: datetime) -> bool:
    early = timedelta(minutes=settings.ATTENTION_APPOINTMENT_EARLY_MINUTES)
    return appointment.starts_at - early <= now <= appointment.ends_at


def _refuse(*, citizen: User, service: Service | None, error: WaitingRoomUnavailable) -> None:
    # Written outside the caller's transaction (which rolls back): the refusal stays in the log.
    audit_record(event=AuditEvent.ATTENTION_TICKET_REFUSED, actor=citizen, target=service,
                 result=AuditRecord.Result.FAILURE, details={"reason": error.code})


def _check_open(*, service: Service, now: datetime) -> None:
    availability = selectors.availability(service=service, now=now)
    if availability.reason == "closed":
        raise WaitingRoomUnavailable(availability.message, "closed")
    if availability.reason == "nobody_online":
        raise WaitingRoomUnavailable(availability.message, "nobody_online")
    if availability.reason == "full":
        raise WaitingRoomUnavailable(availability.message, "full")


def ticket_take(*, citizen: User, service: Service | None = None, mode: str = Ticket.Mode.VIDEO,
                appointment: Appointment | None = None, now: datetime | None = None) -> Ticket:
    """A place in the waiting room of `service`, or of the citizen's video `appointment` (from
    ATTENTION_APPOINTMENT_EARLY_MINUTES before it until its end; appointment holders go first and are let
    in whoever is online and however full it is). Refused outside opening hours, when nobody attends the
    service, or when ATTENTION_MAX_CONCURRENT sessions are in progress. A citizen who already has an
    active ticket gets AlreadyWaiting (the view sends them back to it)."""
    now = now or timezone.now()
    try:
        return _ticket_take(citizen=citizen, service=service, mode=mode, appointment=appointment, now=now)
    except WaitingRoomUnavailable as error:
        _refuse(citizen=citizen, service=service or (appointment.service if appointment else None), error=error)
        raise


@transaction.atomic
def _ticket_take(*, citizen: User, service: Service | None, mode: str, appointment: Appointment | None,
                 now: datetime) -> Ticket:
    if not can_use_waiting_room(citizen):
        raise NotAllowed(_("La sala de espera es para ciudadanos y ciudadanas."))
    if mode not in Ticket.Mode.values:
        raise WrongState(_("Elija cómo quiere que le atiendan."), field="mode")
    priority = PRIORITY_ARRIVAL
    if appointment is not None:
        if appointment.citizen_id != citizen.pk or not appointment.is_video \
                or appointment.status != Appointment.Status.BOOKED:
            raise NotAllowed(_("Esa cita no es suya o no es por videollamada."))
        if not _appointment_window_open(appointment, now):
            raise WaitingRoomUnavailable(
                _("La sala de su cita se abre %(minutes)s minutos antes de la hora de la cita.")
                % {"minutes": settings.ATTENTION_APPOINTMENT_EARLY_MINUTES}, "too_early")
        service = appointment.service
        priority = PRIORITY_APPOINTMENT
    if service is None or not service.is_active:
        raise WrongState(_("Elija un servicio."), field="service")
    existing = selectors.active_ticket_for(citizen=citizen)
    if existing is not None:
        raise AlreadyWaiting(_("Ya tiene un turno en la sala de espera (%(number)s).") % {"number": existing.number})
    if appointment is None:
        _check_open(service=service, now=now)
    day = timezone.localtime(now).date()
    sequence = _next_sequence(service=service, day=day)
    ticket = Ticket(number=f"{_prefix(service)}-{sequence:03d}", day=day, sequence=sequence, service=service,
                    citizen=citizen, appointment=appointment, mode=mode, priority=priority, created_at=now,
                    queued_at=now, last_seen_at=now)
    try:
        with transaction.atomic():
            ticket.save()
    except IntegrityError:
        # A second tab of the same citizen won the race: the partial unique constraint decides.
        raise AlreadyWaiting(_("Ya tiene un turno en la sala de espera.")) from None
    audit_record(event=AuditEvent.ATTENTION_TICKET_TAKEN, actor=citizen, target=ticket,
                 details={"service": service.slug, "mode": mode,
                          "appointment_id": appointment.pk if appointment else None})
    _publish_queue(service.pk)
    return ticket


def ticket_touch(*, ticket: Ticket, now: datetime | None = None) -> None:
    """The citizen's page is still there (WebSocket ping, poll, page view): the grace period restarts.
    A heartbeat, not a decision: not audited, one UPDATE."""
    Ticket.objects.filter(pk=ticket.pk, status__in=Ticket.ACTIVE_STATUSES).update(
        last_seen_at=now or timezone.now())


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("service").get(pk=ticket.pk)


@transaction.atomic
def ticket_leave(*, ticket: Ticket, actor: User, now: datetime | None = None) -> Ticket:
    """The citizen leaves the waiting room (only while waiting or called)."""
    ticket = _locked(ticket)
    if ticket.citizen_id != actor.pk:
        raise NotAllowed(_("Ese turno no es suyo."))
    if ticket.status not in (Ticket.Status.WAITING, Ticket.Status.CALLED):
        raise WrongState(_("Este turno ya no está en la sala de espera."))
    was_called = ticket.status == Ticket.Status.CALLED
    ticket.status, ticket.closed_at = Ticket.Status.LEFT, now or timezone.now()
    ticket.save(update_fields=["status", "closed_at"])
    discarded = _session_discard(ticket) if was_called else None
    audit_record(event=AuditEvent.ATTENTION_TICKET_LEFT, actor=actor, target=ticket,
                 details={"session_discarded": discarded} if discarded else None)
    _publish_queue(ticket.service_id)
    if was_called and ticket.technician_id:
        send_event_on_commit(technician_group(ticket.technician_id), {"type": "console.changed"})
    return ticket


def _online_presence(technician: User) -> Presence:
    presence = Presence.objects.filter(technician=technician).first()
    if presence is None or presence.status != Presence.Status.ONLINE:
        raise WrongState(_("Conéctese antes de llamar (botón «Conectarme»)."))
    return presence


def ticket_call_next(*, technician: User, now: datetime | None = None) -> Ticket:
    """Call the first waiting citizen of the services this technician attends (tickets transferred to
    someone else are skipped). Atomic: the ticket is claimed with FOR UPDATE SKIP LOCKED."""
    now = now or timezone.now()
    with transaction.atomic():
        if not can_attend(technician):
            raise NotAllowed(_("Solo el personal de atención puede llamar."))
        presence = _online_presence(technician)
        if Ticket.objects.filter(technician=technician, status__in=[Ticket.Status.CALLED,
                                                                    Ticket.Status.IN_SESSION]).exists():
            raise WrongState(_("Ya tiene una atención en curso: termínela antes de llamar a otra persona."))
        if selectors.sessions_in_progress() >= settings.ATTENTION_MAX_CONCURRENT:
            raise WaitingRoomUnavailable(
                _("Se ha alcanzado el máximo de %(max)s atenciones a la vez. Espere a que termine alguna.")
                % {"max": settings.ATTENTION_MAX_CONCURRENT}, "full")
        service_ids = list(presence.services.values_list("pk", flat=True))
        candidates = Ticket.objects.filter(status=Ticket.Status.WAITING).filter(
            Q(technician__isnull=True) | Q(technician=technician))
        if service_ids:
            candidates = candidates.filter(service_id__in=service_ids)
        ticket = (candidates.order_by("priority", "queued_at", "id")
                  .select_for_update(skip_locked=True, of=("self",)).first())
        if ticket is None:
            raise QueueEmpty(_("No hay nadie esperando."))
        ticket.status, ticket.technician, ticket.called_at = Ticket.Status.CALLED, technician, now
        ticket.save(update_fields=["status", "technician", "called_at"])
        session = _session_prepare(ticket=ticket, now=now)
        audit_record(event=AuditEvent.ATTENTION_TICKET_CALLED, actor=technician, target=ticket,
                     details={"service": ticket.service_id, "missed_calls": ticket.missed_calls,
                              "session_id": session.pk})
        _announce_call(ticket)
        _publish_queue(ticket.service_id)
    return ticket


def _session_prepare(*, ticket: Ticket, now: datetime) -> AttentionSession:
    """The session of a call, made when the technician calls so that their session page (socket, camera,
    WebRTC offer) is ready before the citizen answers; the call connects as soon as the citizen's page
    does. Until the citizen answers (`session_start`) it is only a room being prepared: no chat, no
    documents, no finishing, and the citizen cannot open it. Unanswered, it is discarded
    (`_session_discard`). `ticket.session` is this object afterwards (one-to-one cache)."""
    session = AttentionSession(ticket=ticket, citizen_id=ticket.citizen_id, technician_id=ticket.technician_id,
                               service_id=ticket.service_id, mode=ticket.mode, started_at=now)
    session.save()
    return session


def _session_discard(ticket: Ticket) -> int | None:
    """A call that ends unanswered (missed, or the citizen left): its prepared session goes away, so the
    technician's page goes back to the console and no longer opens the citizen's file, and the ticket may
    be called again (one session per ticket). Nothing was said in it (chat and documents wait for the
    answer). Returns the id of the session discarded, for the audit record."""
    session = AttentionSession.objects.filter(ticket=ticket, ended_at__isnull=True).first()
    if session is None:
        return None
    session_id = session.pk
    send_event_on_commit(session_group(session_id), {
        "type": "session.ended", "url": reverse("attention:console"),
        "survey_url": reverse("attention:waiting_room"), "unanswered": True,
    })
    session.delete()
    return session_id


def session_answered(session: AttentionSession) -> bool:
    """Whether the citizen has accepted the call (a session exists from the call on: `_session_prepare`)."""
    return session.ticket.status != Ticket.Status.CALLED


def _require_answered(session: AttentionSession) -> None:
    if not session_answered(session):
        raise WrongState(_("La persona todavía no ha aceptado la llamada."), "not_answered")


def _announce_call(ticket: Ticket) -> None:
    deadline = ticket.called_at + timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS)
    send_event_on_commit(ticket_group(ticket.pk), {
        "type": "waiting.called", "ticket": ticket.number, "answer_url": reverse("attention:answer"),
        "deadline": deadline.isoformat(),
    })


@transaction.atomic
def ticket_recall(*, ticket: Ticket, technician: User, now: datetime | None = None) -> Ticket:
    """Call the same citizen again (a new answer deadline). Only the technician who called."""
    ticket = _locked(ticket)
    if ticket.technician_id != technician.pk or not can_attend(technician):
        raise NotAllowed(_("Solo quien llamó puede volver a llamar."))
    if ticket.status != Ticket.Status.CALLED:
        raise WrongState(_("Este turno ya no está llamado."))
    ticket.called_at = now or timezone.now()
    ticket.save(update_fields=["called_at"])
    audit_record(event=AuditEvent.ATTENTION_TICKET_RECALLED, actor=technician, target=ticket)
    _announce_call(ticket)
    return ticket


def _missed_message() -> str:
    return _("No ha respondido a la llamada dos veces y ha salido de la sala de espera. Puede volver a "
             "entrar o pedir cita previa.")


@transaction.atomic
def ticket_missed(*, ticket: Ticket, actor: User | None = None, now: datetime | None = None) -> Ticket:
    """The called citizen did not answer: the first time back to the queue behind the next citizen, the
    second time out of the room, with a message. `actor` None: the answer deadline passed (task)."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    if ticket.status != Ticket.Status.CALLED:
        raise WrongState(_("Este turno ya no está llamado."))
    if actor is not None and (ticket.technician_id != actor.pk or not can_attend(actor)):
        raise NotAllowed(_("Solo quien llamó puede marcar que no responde."))
    technician_id = ticket.technician_id
    discarded = _session_discard(ticket)
    ticket.missed_calls += 1
    ticket.called_at, ticket.technician = None, None
    if ticket.missed_calls >= 2:
        ticket.status, ticket.closed_at = Ticket.Status.REMOVED, now
        ticket.save(update_fields=["missed_calls", "called_at", "technician", "status", "closed_at"])
        audit_record(event=AuditEvent.ATTENTION_TICKET_REMOVED, actor=actor, target=ticket,
                     details={"missed_calls": ticket.missed_calls, "session_discarded": discarded})
        send_event_on_commit(ticket_group(ticket.pk), {"type": "waiting.removed", "message": _missed_message()})
    else:
        following = (Ticket.objects.filter(service_id=ticket.service_id, status=Ticket.Status.WAITING)
                     .exclude(pk=ticket.pk).order_by("priority", "queued_at", "id").first())
        if following is not None:  # right behind the next one, same priority
            ticket.priority = following.priority
            ticket.queued_at = following.queued_at + timedelta(microseconds=1)
        else:
            ticket.queued_at = now
        ticket.status = Ticket.Status.WAITING
        ticket.save(update_fields=["missed_calls", "called_at", "technician", "status", "priority", "queued_at"])
        audit_record(event=AuditEvent.ATTENTION_TICKET_MISSED, actor=actor, target=ticket,
                     details={"missed_calls": ticket.missed_calls, "session_discarded": discarded})
    _publish_queue(ticket.service_id)
    if technician_id:
        send_event_on_commit(technician_group(technician_id), {"type": "console.changed"})
    return ticket


def tickets_expire(*, now: datetime | None = None) -> tuple[int, int]:
    """Calls unanswered past ATTENTION_ANSWER_SECONDS count as missed; waiting tickets whose page has not
    been seen for ATTENTION_GRACE_SECONDS are given up. Idempotent. Returns (missed, abandoned)."""
    now = now or timezone.now()
    missed = abandoned = 0
    for ticket in selectors.calls_past_deadline(now=now):
        try:
            ticket_missed(ticket=ticket, now=now)
            missed += 1
        except WrongState:
            pass  # answered or handled meanwhile
    stale = now - timedelta(seconds=settings.ATTENTION_GRACE_SECONDS)
    for ticket in Ticket.objects.filter(status=Ticket.Status.WAITING, last_seen_at__lt=stale).only("pk"):
        if _abandon(ticket=ticket, stale=stale, now=now):
            abandoned += 1
    return missed, abandoned


@transaction.atomic
def _abandon(*, ticket: Ticket, stale: datetime, now: datetime) -> bool:
    ticket = _locked(ticket)
    if ticket.status != Ticket.Status.WAITING or ticket.last_seen_at >= stale:
        return False
    ticket.status, ticket.closed_at = Ticket.Status.LEFT, now
    ticket.save(update_fields=["status", "closed_at"])
    audit_record(event=AuditEvent.ATTENTION_TICKET_ABANDONED, target=ticket,
                 details={"last_seen_at": ticket.last_seen_at.isoformat()})
    send_event_on_commit(ticket_group(ticket.pk), {
        "type": "waiting.removed",
        "message": _("Ha salido de la sala de espera porque su página estuvo cerrada demasiado tiempo."),
    })
    _publish_queue(ticket.service_id)
    return True


def ticket_expire_if_due(*, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """Lazy check on reads (waiting-room state, console): apply a passed answer deadline now."""
    now = now or timezone.now()
    if ticket.status == Ticket.Status.CALLED and ticket.called_at is not None and \
            ticket.called_at + timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS) < now:
        try:
            return ticket_missed(ticket=ticket, now=now)
        except WrongState:
            ticket.refresh_from_db()
    return ticket


# --- Sessions -----------------------------------------------------------------------------------------


def session_url(session: AttentionSession) -> str:
    return reverse("attention:session", args=[session.token])


@transaction.atomic
def session_start(*, ticket: Ticket, citizen: User, now: datetime | None = None) -> AttentionSession:
    """The called citizen answers (accepts to be seen and heard): the session prepared at the call starts.
    The technician is already on its page; a console of theirs still open elsewhere is sent there too."""
    now = now or timezone.now()
    ticket = _locked(ticket)
    if ticket.citizen_id != citizen.pk:
        raise NotAllowed(_("Ese turno no es suyo."))
    if ticket.status != Ticket.Status.CALLED or ticket.technician_id is None:
        raise WrongState(_("Todavía no le han llamado, o la llamada ya no está activa."))
    if ticket.called_at + timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS) < now:
        raise WrongState(_("La llamada ha caducado. Espere a que le vuelvan a llamar."))
    ticket.status = Ticket.Status.IN_SESSION
    ticket.save(update_fields=["status"])
    session = AttentionSession.objects.filter(ticket=ticket).first()
    if session is None:  # called before sessions were prepared at the call
        session = _session_prepare(ticket=ticket, now=now)
    session.started_at = now  # the attention starts now; its duration feeds the estimated waits
    session.save(update_fields=["started_at"])
    audit_record(event=AuditEvent.ATTENTION_SESSION_STARTED, actor=citizen, target=session,
                 details={"ticket": ticket.number, "technician_id": ticket.technician_id, "mode": ticket.mode})
    send_event_on_commit(technician_group(ticket.technician_id),
                         {"type": "console.session_started", "url": session_url(session)})
    _publish_console()
    return session


def _locked_session(session: AttentionSession) -> AttentionSession:
    return (AttentionSession.objects.select_for_update(of=("self",))
            .select_related("ticket", "service", "citizen", "technician").get(pk=session.pk))


@transaction.atomic
def session_transfer(*, session: AttentionSession, technician: User, to_service: Service | None = None,
                     to_technician: User | None = None, note: str = "", now: datetime | None = None) -> Ticket:
    """Refer the citizen to a colleague or to another service: this session ends as "referred" and the
    citizen gets a new ticket at the head of that queue (reserved for the colleague when one is named)."""
    now = now or timezone.now()
    session = _locked_session(session)
    if not can_act_as_session_technician(technician, session):
        raise NotAllowed(_("Solo el técnico o la técnica de la atención puede derivarla."))
    if session.ended_at is not None:
        raise WrongState(_("Esta atención ya ha terminado."))
    _require_answered(session)
    if to_technician is not None and (to_technician.pk == technician.pk or not is_staff_member(to_technician)):
        raise WrongState(_("Elija a otra persona del equipo."), field="to_technician")
    if to_service is None and to_technician is None:
        raise WrongState(_("Elija a quién o a qué servicio deriva la atención."), field="to_service")
    service = to_service or session.service
    _close_session(session=session, outcome=AttentionSession.Outcome.REFERRED,
                   notes=note or _("Derivado/a."), now=now)
    old = session.ticket
    day = timezone.localtime(now).date()
    sequence = _next_sequence(service=service, day=day)
    ticket = Ticket(number=f"{_prefix(service)}-{sequence:03d}", day=day, sequence=sequence, service=service,
                    citizen_id=session.citizen_id, appointment_id=old.appointment_id, mode=old.mode,
                    priority=PRIORITY_TRANSFERRED, created_at=now, queued_at=now, last_seen_at=now,
                    technician=to_technician)
    ticket.save()
    audit_record(event=AuditEvent.ATTENTION_SESSION_TRANSFERRED, actor=technician, target=session,
                 details={"to_service": service.slug, "to_technician_id": to_technician.pk if to_technician else None,
                          "new_ticket": ticket.number})
    send_event_on_commit(session_group(session.pk), {
        "type": "session.ended", "survey_url": reverse("attention:waiting_room"),
        "url": reverse("attention:console"), "transferred": True,
    })
    _publish_queue(service.pk)
    return ticket


def _close_session(*, session: AttentionSession, outcome: str, notes: str, now: datetime) -> None:
    session.ended_at, session.outcome, session.notes = now, outcome, notes
    session.save(update_fields=["ended_at", "outcome", "notes"])
    ticket = session.ticket
    ticket.status, ticket.closed_at = Ticket.Status.FINISHED, now
    ticket.save(update_fields=["status", "closed_at"])
    _publish_console()


@transaction.atomic
def session_finish(*, session: AttentionSession, technician: User, outcome: str, notes: str = "",
                   now: datetime | None = None) -> AttentionSession:
    """Finish: outcome and notes go into the session, which is the attention record in the citizen's file.
    The citizen is sent to the satisfaction survey."""
    now = now or timezone.now()
    session = _locked_session(session)
    if not can_act_as_session_technician(technician, session):
        raise NotAllowed(_("Solo el técnico o la técnica de la atención puede finalizarla."))
    if session.ended_at is not None:
        raise WrongState(_("Esta atención ya ha terminado."))
    _require_answered(session)
    if outcome not in AttentionSession.Outcome.values or outcome == AttentionSession.Outcome.REFERRED:
        raise WrongState(_("Elija el resultado de la atención."), field="outcome")
    notes = (notes or "").strip()
    if len(notes) > 4000:
        raise WrongState(_("Las notas no pueden tener más de 4000 caracteres."), field="notes")
    _close_session(session=session, outcome=outcome, notes=notes, now=now)
    audit_record(event=AuditEvent.ATTENTION_SESSION_FINISHED, actor=technician, target=session,
                 details={"outcome": outcome, "duration_seconds": int((now - session.started_at).total_seconds())})
    send_event_on_commit(session_group(session.pk), {
        "type": "session.ended", "survey_url": reverse("attention:survey", args=[session.token]),
        "url": reverse("attention:console"),
    })
    _publish_queue(session.service_id)  # the estimated waits use finished sessions' durations
    return session


@transaction.atomic
def survey_submit(*, session: AttentionSession, citizen: User, rating: int, comment: str = "",
                  now: datetime | None = None) -> SatisfactionSurvey:
    """The citizen's 1–5 rating of a finished session, once."""
    session = _locked_session(session)
    if not can_act_as_session_citizen(citizen, session):
        raise NotAllowed(_("Solo la persona atendida puede valorar la atención."))
    if session.ended_at is None:
        raise WrongState(_("Podrá valorar la atención cuando termine."))
    if SatisfactionSurvey.objects.filter(session=session).exists():
        raise WrongState(_("Ya ha valorado esta atención. Gracias."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise WrongState(_("Elija una valoración del 1 al 5."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise WrongState(_("El comentario no puede tener más de 1000 caracteres."), field="comment")
    survey = SatisfactionSurvey.objects.create(session=session, rating=rating, comment=comment,
                                               created_at=now or timezone.now())
    audit_record(event=AuditEvent.ATTENTION_SURVEY_SUBMITTED, actor=citizen, target=session,
                 details={"rating": rating})
    return survey


# --- Documents inside a session -----------------------------------------------------------------------


def _post(*, session: AttentionSession, sender: User, kind: str, body: str, document: Any = None) -> ChatMessage:
    """A chat message in the session's numbering (`chat.chat_message_post`: next seq under the session's
    row lock, delivered after the commit), linked to `document` when there is one."""
    message = chat.chat_message_post(session=session, sender=sender, body=body, client_id=None, kind=kind)
    if document is not None:
        ChatMessage.objects.filter(pk=message.pk).update(document=document)
        message.document = document
    return message


def _open_session(session: AttentionSession) -> AttentionSession:
    session = _locked_session(session)
    if session.ended_at is not None:
        raise WrongState(_("Esta atención ya ha terminado."))
    _require_answered(session)
    return session


@transaction.atomic
def document_request(*, session: AttentionSession, technician: User, doc_type: str, title: str,
                     now: datetime | None = None) -> ChatMessage:
    """The technician asks for a document; the citizen sees the request (chat and panel) with an upload form."""
    from oficina.casefile.constants import DocType

    session = _open_session(session)
    if not can_act_as_session_technician(technician, session):
        raise NotAllowed(_("Solo el técnico o la técnica de la atención puede pedir documentos."))
    title = (title or "").strip()
    if doc_type not in DocType.values:
        raise WrongState(_("Elija el tipo de documento."), field="doc_type")
    if not title:
        raise WrongState(_("Escriba qué documento necesita."), field="title")
    body = _("Le pedimos este documento: %(title)s (%(type)s).") % {"title": title[:200],
                                                                    "type": DocType(doc_type).label}
    message = _post(session=session, sender=technician, kind=ChatMessage.Kind.DOCUMENT_REQUEST, body=body)
    audit_record(event=AuditEvent.ATTENTION_DOCUMENT_REQUESTED, actor=technician, target=session,
                 details={"doc_type": doc_type, "title": title[:200], "seq": message.seq})
    send_event_on_commit(session_group(session.pk), {"type": "session.document", "seq": message.seq})
    return message


def document_provide(*, session: AttentionSession, citizen: User, uploaded_file: Any, doc_type: str, title: str,
                     now: datetime | None = None) -> ChatMessage:
    """The citizen uploads a document inside the session: it goes into their file through the upload
    pipeline (registry entry + sealed receipt) and the chat says so. UploadRefused passes through."""
    from oficina.casefile import services as casefile_services

    session = AttentionSession.objects.select_related("ticket").get(pk=session.pk)
    if not can_act_as_session_citizen(citizen, session):
        raise NotAllowed(_("Solo la persona atendida puede aportar documentos en esta atención."))
    if session.ended_at is not None:
        raise WrongState(_("Esta atención ya ha terminado."))
    version = casefile_services.document_upload(citizen=citizen, uploaded_by=citizen, uploaded_file=uploaded_file,
                                                doc_type=doc_type, title=title)
    with transaction.atomic():
        session = _open_session(session)
        entry = version.registry_entry
        body = _("He aportado el documento «%(title)s» (registro %(number)s).") % {
            "title": version.document.title, "number": entry.number}
        message = _post(session=session, sender=citizen, kind=ChatMessage.Kind.DOCUMENT, body=body,
                        document=version.document)
        audit_record(event=AuditEvent.ATTENTION_DOCUMENT_RECEIVED, actor=citizen, target=session,
                     details={"document_id": version.document_id, "registry_entry": entry.number, "seq": message.seq})
        send_event_on_commit(session_group(session.pk), {"type": "session.document", "seq": message.seq})
    return message


def document_send(*, session: AttentionSession, technician: User, document: Any = None, uploaded_file: Any = None,
                  doc_type: str = "", title: str = "", now: datetime | None = None) -> ChatMessage:
    """The technician gives the citizen a document: one already in the citizen's file, or a new one
    uploaded now to the file (origin administration, registry entry). The chat carries it."""
    from oficina.casefile import services as casefile_services

    session = AttentionSession.objects.select_related("citizen", "ticket").get(pk=session.pk)
    if not can_act_as_session_technician(technician, session):
        raise NotAllowed(_("Solo el técnico o la técnica de la atención puede enviar documentos."))
    if session.ended_at is not None:
        raise WrongState(_("Esta atención ya ha terminado."))
    _require_answered(session)  # before the upload: nothing goes into the file for a call not answered
    if document is None and uploaded_file is None:
        raise WrongState(_("Elija un documento del expediente o suba uno."), field="document")
    if document is not None and document.citizen_id != session.citizen_id:
        raise NotAllowed(_("Ese documento no es de este expediente."))
    if uploaded_file is not None:
        version = casefile_services.document_upload(citizen=session.citizen, uploaded_by=technician,
                                                    uploaded_file=uploaded_file, doc_type=doc_type, title=title)
        document = version.document
    with transaction.atomic():
        session = _open_session(session)
        body = _("Le envío el documento «%(title)s». Lo tiene en su expediente.") % {"title": document.title}
        message = _post(session=session, sender=technician, kind=ChatMessage.Kind.DOCUMENT, body=body,
                        document=document)
        audit_record(event=AuditEvent.ATTENTION_DOCUMENT_SENT, actor=technician, target=session,
                     details={"document_id": document.pk, "seq": message.seq})
        send_event_on_commit(session_group(session.pk), {"type": "session.document", "seq": message.seq})
    return message
