"""Reads of live attention: sessions for a user, queue order, positions, estimated waits, availability,
the console's snapshot (no personal data) and the attention records of a citizen.

Queue order: lower `priority` first (0 transferred, 10 appointment holders at their time, 100 arrivals),
then `queued_at` (arrival; behind the next citizen after one unanswered call), then id.
Estimated wait: position × (mean duration of the service's last ESTIMATE_SAMPLE finished sessions, or the
service's appointment duration when there are none) ÷ technicians online for the service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.appointments.models import Service
from oficina.attention.models import AttentionSession, Presence, Ticket
from oficina.attention.permissions import can_view_session
from oficina.core.calendar import MADRID, BusinessCalendar

__all__ = [
    "Availability",
    "active_service_ids",
    "active_ticket_for",
    "attention_records_for_citizen",
    "availability",
    "calls_past_deadline",
    "console_snapshot",
    "minutes_per_place",
    "position_in",
    "queue_order",
    "session_get_for_user",
    "session_panel_context",
    "sessions_in_progress",
    "technician_in_session_with",
    "technicians_online",
    "ticket_state",
    "waiting_changed_event",
]

ESTIMATE_SAMPLE = 20


def session_get_for_user(*, token: str, user: Any) -> AttentionSession:
    """The session with this token if `user` is its citizen or its (OTP-verified) technician; 404 for
    missing and forbidden alike. In a consumer, run `permissions.verify_otp_from_session(user,
    scope["session"])` first so staff users carry `is_verified()`."""
    session = (AttentionSession.objects.select_related("ticket", "citizen", "technician", "service")
               .filter(token=token).first())
    if session is None or not can_view_session(user, session):
        raise Http404
    return session


# --- Queue --------------------------------------------------------------------------------------------


def active_ticket_for(*, citizen: Any) -> Ticket | None:
    """The citizen's ticket that still holds a place (at most one: a partial unique constraint)."""
    return (Ticket.objects.select_related("service").filter(citizen=citizen, status__in=Ticket.ACTIVE_STATUSES)
            .first())


def latest_ticket_for(*, citizen: Any) -> Ticket | None:
    """The active ticket, else the last one (to tell a citizen why they are no longer in the room)."""
    return active_ticket_for(citizen=citizen) or (
        Ticket.objects.select_related("service").filter(citizen=citizen).order_by("-created_at", "-id").first())


def queue_order(*, service_id: int) -> list[int]:
    """Ids of the service's waiting tickets, first to be called first."""
    return list(Ticket.objects.filter(service_id=service_id, status=Ticket.Status.WAITING)
                .order_by("priority", "queued_at", "id").values_list("pk", flat=True))


def active_service_ids() -> list[int]:
    return list(Ticket.objects.filter(status=Ticket.Status.WAITING).values_list("service_id", flat=True)
                .distinct().order_by())


def _online() -> QuerySet[Presence]:
    return Presence.objects.filter(status=Presence.Status.ONLINE)


def technicians_online(*, service: Service | int | None = None) -> int:
    """Technicians online attending `service` (a presence with no services attends all of them)."""
    presences = _online()
    if service is not None:
        service_id = service if isinstance(service, int) else service.pk
        presences = presences.filter(Q(services__isnull=True) | Q(services=service_id))
    return presences.values("technician_id").distinct().count()


def sessions_in_progress() -> int:
    """Citizens being attended or called right now (a called citizen holds a technician)."""
    return Ticket.objects.filter(status__in=[Ticket.Status.CALLED, Ticket.Status.IN_SESSION]).count()


def mean_session_minutes(*, service_id: int) -> float:
    durations = list(AttentionSession.objects.filter(service_id=service_id, ended_at__isnull=False)
                     .order_by("-ended_at").values_list("started_at", "ended_at")[:ESTIMATE_SAMPLE])
    if not durations:
        minutes = Service.objects.filter(pk=service_id).values_list("duration_minutes", flat=True).first()
        return float(minutes or 15)
    return sum((end - start).total_seconds() for start, end in durations) / len(durations) / 60


def minutes_per_place(*, service_id: int) -> float:
    return mean_session_minutes(service_id=service_id) / max(1, technicians_online(service=service_id))


def estimated_wait_minutes(position: int, per_place: float) -> int:
    return max(1, math.ceil(position * per_place)) if position > 0 else 0


def encode_order(order: list[int]) -> str:
    """The waiting order as one string ",12,15,13,": a group message is decoded once per socket, and a
    string decodes in a copy where a list of 1,000 numbers costs a tenth of a millisecond each time."""
    return "," + ",".join(map(str, order)) + "," if order else ","


def position_in(order: str | list[int], ticket_id: int) -> int:
    """1-based place of `ticket_id` in an order (encoded string or list); 0 when it is not waiting."""
    if isinstance(order, list):
        return order.index(ticket_id) + 1 if ticket_id in order else 0
    at = order.find(f",{ticket_id},")
    return order.count(",", 0, at) + 1 if at >= 0 else 0


def waiting_changed_event(*, service_id: int) -> dict[str, Any]:
    """The group event after a queue change: the whole order (encoded) and the minutes per place, so that
    every consumer computes its own position and wait without a query (1,000 clients, one query)."""
    return {"type": "waiting.changed", "order": encode_order(queue_order(service_id=service_id)),
            "per_place": round(minutes_per_place(service_id=service_id), 3)}


def ticket_state(ticket: Ticket, *, order: str | list[int] | None = None,
                 per_place: float | None = None) -> dict[str, Any]:
    """What the waiting-room page and its socket show (`waiting.position` message; JSON poll)."""
    from django.urls import reverse

    state: dict[str, Any] = {"type": "waiting.position", "ticket": ticket.number, "status": ticket.status}
    if ticket.status == Ticket.Status.WAITING:
        if order is None:
            order = queue_order(service_id=ticket.service_id)
        if per_place is None:
            per_place = minutes_per_place(service_id=ticket.service_id)
        position = position_in(order, ticket.pk)
        state.update(position=position, estimated_wait_minutes=estimated_wait_minutes(position, per_place))
    elif ticket.status == Ticket.Status.CALLED and ticket.called_at is not None:
        deadline = ticket.called_at + timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS)
        state.update(answer_url=reverse("attention:answer"), deadline=deadline.isoformat())
    elif ticket.status == Ticket.Status.IN_SESSION:
        session = AttentionSession.objects.filter(ticket=ticket).values_list("token", flat=True).first()
        if session:
            state["session_url"] = reverse("attention:session", args=[session])
    return state


def calls_past_deadline(*, now: datetime) -> QuerySet[Ticket]:
    limit = now - timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS)
    return Ticket.objects.filter(status=Ticket.Status.CALLED, called_at__lt=limit)


# --- Availability -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    open: bool
    reason: str = ""  # "", "closed", "nobody_online", "full"
    message: str = ""


def _clock(text: str) -> time:
    hours, _sep, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def is_open(now: datetime) -> bool:
    """Opening days and hours (ATTENTION_OPENING_DAYS/OPENS/CLOSES, Europe/Madrid; "24:00" closes at
    midnight), and not on public holidays unless ATTENTION_OPEN_ON_HOLIDAYS."""
    local = now.astimezone(MADRID)
    if local.weekday() not in settings.ATTENTION_OPENING_DAYS:
        return False
    if not settings.ATTENTION_OPEN_ON_HOLIDAYS and local.date() in BusinessCalendar().holidays_in_year(local.year):
        return False
    if local.time() < _clock(settings.ATTENTION_OPENS):
        return False
    return settings.ATTENTION_CLOSES == "24:00" or local.time() < _clock(settings.ATTENTION_CLOSES)


def opening_hours_text() -> str:
    names = [_("lunes"), _("martes"), _("miércoles"), _("jueves"), _("viernes"), _("sábado"), _("domingo")]
    days = sorted(settings.ATTENTION_OPENING_DAYS)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = _("de %(first)s a %(last)s") % {"first": names[days[0]], "last": names[days[-1]]}
    else:
        day_text = ", ".join(names[d] for d in days)
    return _("%(days)s, de %(opens)s a %(closes)s (hora peninsular), salvo festivos") % {
        "days": day_text, "opens": settings.ATTENTION_OPENS, "closes": settings.ATTENTION_CLOSES}


def availability(*, service: Service, now: datetime | None = None) -> Availability:
    """Whether a citizen may enter the room of `service` now, and if not why (Spanish message)."""
    now = now or timezone.now()
    if not is_open(now):
        return Availability(False, "closed", _("La sala de espera está cerrada. Horario: %(hours)s.")
                            % {"hours": opening_hours_text()})
    if technicians_online(service=service) == 0:
        return Availability(False, "nobody_online",
                            _("Ahora no hay nadie atendiendo %(service)s.") % {"service": service.name})
    if sessions_in_progress() >= settings.ATTENTION_MAX_CONCURRENT:
        return Availability(False, "full", _("Estamos atendiendo al máximo de personas a la vez. "
                                              "Inténtelo de nuevo dentro de un rato."))
    return Availability(True)


# --- Console ------------------------------------------------------------------------------------------


def console_snapshot(*, now: datetime | None = None) -> dict[str, Any]:
    """The queue as technicians see it before calling: number, service, waiting time, status. No names,
    no documents: nothing personal until the citizen is called."""
    now = now or timezone.now()
    tickets = (Ticket.objects.filter(status__in=[Ticket.Status.WAITING, Ticket.Status.CALLED])
               .select_related("service").order_by("priority", "queued_at", "id")[:200])
    return {
        "type": "queue.snapshot",
        "tickets": [{"number": t.number, "service": t.service.name,
                     "waiting_seconds": max(0, int((now - t.created_at).total_seconds())),
                     "status": t.status, "status_label": str(t.get_status_display()),
                     "appointment": t.appointment_id is not None} for t in tickets],
        "online": technicians_online(),
        "in_progress": sessions_in_progress(),
    }


def current_ticket_for_technician(*, technician: Any) -> Ticket | None:
    """The ticket this technician called or is attending."""
    return (Ticket.objects.select_related("service", "session")
            .filter(technician=technician, status__in=[Ticket.Status.CALLED, Ticket.Status.IN_SESSION]).first())


def presence_for(*, technician: Any) -> Presence | None:
    return Presence.objects.prefetch_related("services").filter(technician=technician).first()


# --- Records and panels -------------------------------------------------------------------------------


def attention_records_for_citizen(*, citizen: Any) -> QuerySet[AttentionSession]:
    """The citizen's finished live attentions (the attention records of their file), newest first."""
    return (AttentionSession.objects.filter(citizen=citizen, ended_at__isnull=False)
            .select_related("service", "technician", "ticket").order_by("-started_at"))


def technician_in_session_with(*, technician: Any, citizen: Any) -> bool:
    """Whether `technician` is attending `citizen` live right now (grounds to see the citizen's file)."""
    return AttentionSession.objects.filter(technician=technician, citizen=citizen, ended_at__isnull=True).exists()


def session_panel_context(session: AttentionSession, user: Any) -> dict[str, Any]:
    """Context for `attention/includes/technician_panel.html` or `citizen_panel.html` (the session page
    includes the one for `user`'s side): forms, the citizen's documents, demand and appointments."""
    from oficina.attention import forms
    from oficina.attention.models import ChatMessage
    from oficina.attention.permissions import can_act_as_session_technician

    requests = list(session.messages.filter(kind=ChatMessage.Kind.DOCUMENT_REQUEST).order_by("seq"))
    shared = list(session.messages.filter(kind=ChatMessage.Kind.DOCUMENT).select_related("document")
                  .order_by("seq"))
    context: dict[str, Any] = {"session": session, "document_requests": requests, "shared_documents": shared,
                               "session_open": session.ended_at is None}
    if can_act_as_session_technician(user, session):
        from oficina.appointments.selectors import appointments_for_citizen
        from oficina.casefile.selectors import casefile_documents
        from oficina.demand.selectors import demand_for_citizen

        documents = list(casefile_documents(citizen=session.citizen)[:50])
        context.update(
            panel="technician",
            citizen=session.citizen,
            citizen_documents=documents,
            demand=demand_for_citizen(session.citizen),
            appointments=list(appointments_for_citizen(citizen=session.citizen)[:10]),
            request_form=forms.DocumentRequestForm(prefix="request"),
            send_form=forms.DocumentSendForm(documents=documents, prefix="send"),
            transfer_form=forms.TransferForm(exclude=user, prefix="transfer"),
            finish_form=forms.FinishForm(prefix="finish"),
        )
    else:
        context.update(panel="citizen", provide_form=forms.DocumentProvideForm(prefix="provide"))
    return context
