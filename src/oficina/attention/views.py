"""Pages of the waiting room (citizen), the console (technician), the session panels' actions and the
survey. Everything works without JavaScript; waiting_room.js and console.js add live updates.

Session panel forms post here (part "queue"); the session page itself is `session_views` (part "session").
A panel form with a mistake is shown again on its own page, with the message next to the field and what
was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts.permissions import citizen_required, staff_required
from oficina.appointments.models import Appointment
from oficina.attention import forms, selectors, services
from oficina.attention.exceptions import AlreadyWaiting, AttentionError, WaitingRoomUnavailable
from oficina.attention.models import AttentionSession, Ticket
from oficina.attention.permissions import can_act_as_session_citizen, can_act_as_session_technician
from oficina.casefile.exceptions import UploadRefused
from oficina.core.exceptions import ApplicationError

# --- Citizen: choose, enter, wait, answer, leave ---------------------------------------------------


def _appointment_for(request: HttpRequest, raw: Any) -> Appointment | None:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return (Appointment.objects.select_related("service")
            .filter(pk=pk, citizen=request.user, mode=Appointment.Mode.VIDEO).first())


def _choose_page(request: HttpRequest, *, form: Any, appointment: Appointment | None = None,
                 unavailable: str = "", status: int = 200) -> HttpResponse:
    return render(request, "attention/choose.html", {
        "form": form, "appointment": appointment, "unavailable": unavailable,
        "hours": selectors.opening_hours_text(),
    }, status=status)


@citizen_required
@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """Pick a service and how to be attended. A citizen already waiting goes back to their ticket."""
    if selectors.active_ticket_for(citizen=request.user) is not None:
        return redirect("attention:waiting_room")
    return _choose_page(request, form=forms.ChooseForm())


@citizen_required
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    """GET ?cita=<id>: the video appointment's entry (button "Entrar en la sala de espera").
    POST: take the ticket (service + mode, or the appointment)."""
    if selectors.active_ticket_for(citizen=request.user) is not None:
        return redirect("attention:waiting_room")
    source = request.POST if request.method == "POST" else request.GET
    appointment = _appointment_for(request, source.get("cita")) if source.get("cita") else None
    if source.get("cita") and appointment is None:
        raise Http404
    if request.method == "GET":
        if appointment is None:
            return redirect("attention:choose")
        return _choose_page(request, form=forms.ChooseForm(initial={"service": appointment.service_id}),
                            appointment=appointment)
    form = forms.ChooseForm(request.POST)
    if appointment is not None:
        mode = request.POST.get("mode") if request.POST.get("mode") in Ticket.Mode.values else Ticket.Mode.VIDEO
        kwargs: dict[str, Any] = {"appointment": appointment, "mode": mode}
    elif form.is_valid():
        kwargs = {"service": form.cleaned_data["service"], "mode": form.cleaned_data["mode"]}
    else:
        return _choose_page(request, form=form, status=400)
    try:
        services.ticket_take(citizen=request.user, **kwargs)
    except AlreadyWaiting as error:
        messages.info(request, error.message)
    except WaitingRoomUnavailable as error:
        return _choose_page(request, form=form, appointment=appointment, unavailable=error.message, status=409)
    except ApplicationError as error:
        if error.field and error.field in form.fields:
            form.add_error(error.field, error.message)
            return _choose_page(request, form=form, appointment=appointment, status=400)
        return _choose_page(request, form=form, appointment=appointment, unavailable=error.message, status=409)
    return redirect("attention:waiting_room")


def _current_ticket(request: HttpRequest) -> Ticket | None:
    ticket = selectors.active_ticket_for(citizen=request.user)
    if ticket is not None:
        services.ticket_touch(ticket=ticket)
        ticket = services.ticket_expire_if_due(ticket=ticket)
    return ticket


@citizen_required
@require_GET
def waiting_room(request: HttpRequest) -> HttpResponse:
    """The ticket, its position and estimated wait; "Atender la llamada" when called."""
    ticket = _current_ticket(request)
    if ticket is None:
        last = selectors.latest_ticket_for(citizen=request.user)
        if last is not None and last.status == Ticket.Status.REMOVED:
            messages.warning(request, services._missed_message())
        return redirect("attention:choose")
    if ticket.status not in Ticket.ACTIVE_STATUSES:  # removed by the lazy check just now
        messages.warning(request, services._missed_message())
        return redirect("attention:choose")
    state = selectors.ticket_state(ticket)
    return render(request, "attention/waiting_room.html", {
        "ticket": ticket, "state": state, "grace_minutes": max(1, settings.ATTENTION_GRACE_SECONDS // 60)})


@citizen_required
@require_GET
def waiting_state(request: HttpRequest) -> JsonResponse:
    """The same as the socket's messages, for polling when WebSockets are blocked."""
    ticket = _current_ticket(request)
    if ticket is None or ticket.status not in Ticket.ACTIVE_STATUSES:
        last = selectors.latest_ticket_for(citizen=request.user)
        message = services._missed_message() if last is not None and last.status == Ticket.Status.REMOVED \
            else _("Ya no está en la sala de espera.")
        return JsonResponse({"type": "waiting.removed", "message": message})
    state = selectors.ticket_state(ticket)
    if ticket.status == Ticket.Status.CALLED:
        state["type"] = "waiting.called"
    return JsonResponse(state)


@citizen_required
@require_POST
def answer(request: HttpRequest) -> HttpResponse:
    ticket = selectors.active_ticket_for(citizen=request.user)
    if ticket is None:
        messages.warning(request, _("Ya no está en la sala de espera."))
        return redirect("attention:choose")
    if ticket.status == Ticket.Status.IN_SESSION:
        return redirect(services.session_url(ticket.session))
    try:
        session = services.session_start(ticket=ticket, citizen=request.user)
    except AttentionError as error:
        messages.error(request, error.message)
        return redirect("attention:waiting_room")
    return redirect(services.session_url(session))


@citizen_required
@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    ticket = selectors.active_ticket_for(citizen=request.user)
    if ticket is not None:
        try:
            services.ticket_leave(ticket=ticket, actor=request.user)
            messages.success(request, _("Ha salido de la sala de espera."))
        except AttentionError as error:
            messages.error(request, error.message)
            return redirect("attention:waiting_room")
    return redirect("attention:choose")


# --- Technician: console ---------------------------------------------------------------------------


def _console_context(request: HttpRequest, presence_form: Any = None) -> dict[str, Any]:
    for ticket in selectors.calls_past_deadline(now=timezone.now()):
        services.ticket_expire_if_due(ticket=ticket)
    presence = selectors.presence_for(technician=request.user)
    if presence_form is None:
        presence_form = forms.PresenceForm(initial={"services": list(presence.services.all()) if presence else []})
    current = selectors.current_ticket_for_technician(technician=request.user)
    return {
        "presence": presence, "presence_form": presence_form, "snapshot": selectors.console_snapshot(),
        "current": current, "current_session_url": _current_session_url(current),
    }


def _current_session_url(current: Ticket | None) -> str:
    """The page of the technician's current call or attention (a session exists from the call on)."""
    session = getattr(current, "session", None) if current is not None else None
    return services.session_url(session) if session is not None else ""


@staff_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "attention/console.html", _console_context(request))


@staff_required
@require_GET
def console_state(request: HttpRequest) -> JsonResponse:
    """The queue snapshot as JSON (console.js polls it when the socket is down)."""
    snapshot = selectors.console_snapshot()
    current = selectors.current_ticket_for_technician(technician=request.user)
    snapshot["current"] = None if current is None else {
        "number": current.number, "status": current.status, "url": _current_session_url(current),
    }
    return JsonResponse(snapshot)


@staff_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    form = forms.PresenceForm(request.POST)
    if not form.is_valid():
        return render(request, "attention/console.html", _console_context(request, form), status=400)
    try:
        services.presence_set(technician=request.user, status=form.cleaned_data["status"],
                              services=list(form.cleaned_data["services"]))
    except AttentionError as error:
        messages.error(request, error.message)
    return redirect("attention:console")


@staff_required
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    """Call the next citizen and go straight to the session page, which gets the call ready (socket,
    camera, offer) while the citizen answers."""
    try:
        ticket = services.ticket_call_next(technician=request.user)
    except AttentionError as error:
        messages.error(request, error.message)
        return redirect("attention:console")
    messages.success(request, _("Ha llamado al turno %(number)s. Esperando a que responda.")
                     % {"number": ticket.number})
    return redirect(services.session_url(ticket.session))


def _called_ticket(request: HttpRequest) -> Ticket:
    ticket = selectors.current_ticket_for_technician(technician=request.user)
    if ticket is None or ticket.status != Ticket.Status.CALLED:
        raise Http404
    return ticket


@staff_required
@require_POST
def recall(request: HttpRequest) -> HttpResponse:
    ticket = _called_ticket(request)
    try:
        services.ticket_recall(ticket=ticket, technician=request.user)
        messages.success(request, _("Ha vuelto a llamar."))
    except AttentionError as error:
        messages.error(request, error.message)
        return redirect("attention:console")
    return redirect(_current_session_url(ticket) or reverse("attention:console"))


@staff_required
@require_POST
def missed(request: HttpRequest) -> HttpResponse:
    try:
        ticket = services.ticket_missed(ticket=_called_ticket(request), actor=request.user)
        messages.info(request, _("Turno %(number)s: no responde.") % {"number": ticket.number})
    except AttentionError as error:
        messages.error(request, error.message)
    return redirect("attention:console")


# --- Session panels ----------------------------------------------------------------------------------


def _session(request: HttpRequest, token: str) -> AttentionSession:
    return selectors.session_get_for_user(token=token, user=request.user)


def _technician_session(request: HttpRequest, token: str) -> AttentionSession:
    session = _session(request, token)
    if not can_act_as_session_technician(request.user, session):
        raise Http404
    return session


def _citizen_session(request: HttpRequest, token: str) -> AttentionSession:
    session = _session(request, token)
    if not can_act_as_session_citizen(request.user, session):
        raise Http404
    return session


def _action_page(request: HttpRequest, session: AttentionSession, *, form: Any, title: str, button: str,
                 action: str, multipart: bool = False, status: int = 400) -> HttpResponse:
    return render(request, "attention/session_action.html", {
        "session": session, "form": form, "title": title, "button": button, "action": action,
        "multipart": multipart, "session_url": services.session_url(session)}, status=status)


def _apply_error(form: Any, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@staff_required
@require_POST
def session_finish(request: HttpRequest, token: str) -> HttpResponse:
    session = _technician_session(request, token)
    form = forms.FinishForm(request.POST, prefix="finish")
    if form.is_valid():
        try:
            services.session_finish(session=session, technician=request.user, outcome=form.cleaned_data["outcome"],
                                    notes=form.cleaned_data["notes"])
            messages.success(request, _("Atención finalizada y guardada en el expediente."))
            return redirect("attention:console")
        except ApplicationError as error:
            _apply_error(form, error)
    return _action_page(request, session, form=form, title=_("Finalizar la atención"),
                        button=_("Finalizar la atención"), action=reverse("attention:finish", args=[token]))


@staff_required
@require_POST
def session_transfer(request: HttpRequest, token: str) -> HttpResponse:
    session = _technician_session(request, token)
    form = forms.TransferForm(request.POST, exclude=request.user, prefix="transfer")
    if form.is_valid():
        try:
            ticket = services.session_transfer(session=session, technician=request.user,
                                               to_service=form.cleaned_data["to_service"],
                                               to_technician=form.cleaned_data["to_technician"],
                                               note=form.cleaned_data["note"])
            messages.success(request, _("Atención derivada: la persona espera con el turno %(number)s.")
                             % {"number": ticket.number})
            return redirect("attention:console")
        except ApplicationError as error:
            _apply_error(form, error)
    return _action_page(request, session, form=form, title=_("Derivar la atención"), button=_("Derivar"),
                        action=reverse("attention:transfer", args=[token]))


@staff_required
@require_POST
def document_request(request: HttpRequest, token: str) -> HttpResponse:
    session = _technician_session(request, token)
    form = forms.DocumentRequestForm(request.POST, prefix="request")
    if form.is_valid():
        try:
            services.document_request(session=session, technician=request.user, **form.cleaned_data)
            messages.success(request, _("Solicitud de documento enviada."))
            return redirect(services.session_url(session))
        except ApplicationError as error:
            _apply_error(form, error)
    return _action_page(request, session, form=form, title=_("Pedir un documento"), button=_("Pedir el documento"),
                        action=reverse("attention:document_request", args=[token]))


@staff_required
@require_POST
def document_send(request: HttpRequest, token: str) -> HttpResponse:
    from oficina.casefile.selectors import casefile_documents

    session = _technician_session(request, token)
    documents = list(casefile_documents(citizen=session.citizen)[:50])
    form = forms.DocumentSendForm(request.POST, request.FILES, documents=documents, prefix="send")
    if form.is_valid():
        data = form.cleaned_data
        document = next((d for d in documents if d.pk == data["document"]), None) if data["document"] else None
        try:
            services.document_send(session=session, technician=request.user, document=document,
                                   uploaded_file=data["file"] if document is None else None,
                                   doc_type=data["doc_type"], title=data["title"])
            messages.success(request, _("Documento enviado."))
            return redirect(services.session_url(session))
        except UploadRefused as error:
            form.add_error("file", error.message)
        except ApplicationError as error:
            _apply_error(form, error)
    return _action_page(request, session, form=form, title=_("Enviar un documento"), button=_("Enviar el documento"),
                        action=reverse("attention:document_send", args=[token]), multipart=True)


@citizen_required
@require_POST
def document_provide(request: HttpRequest, token: str) -> HttpResponse:
    session = _citizen_session(request, token)
    form = forms.DocumentProvideForm(request.POST, request.FILES, prefix="provide")
    if form.is_valid():
        try:
            services.document_provide(session=session, citizen=request.user, uploaded_file=form.cleaned_data["file"],
                                      doc_type=form.cleaned_data["doc_type"], title=form.cleaned_data["title"])
            messages.success(request, _("Documento aportado. Lo tiene en su expediente, con justificante."))
            return redirect(services.session_url(session))
        except UploadRefused as error:
            form.add_error(error.field if error.field in form.fields else "file", error.message)
        except ApplicationError as error:
            _apply_error(form, error)
    return _action_page(request, session, form=form, title=_("Aportar un documento"),
                        button=_("Aportar el documento"), action=reverse("attention:document_provide", args=[token]),
                        multipart=True)


# --- Survey ------------------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    session = _citizen_session(request, token)
    done = _has_survey(session)
    form = forms.SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST" and not done:
        if form.is_valid():
            try:
                services.survey_submit(session=session, citizen=request.user, rating=form.cleaned_data["rating"],
                                       comment=form.cleaned_data["comment"])
                messages.success(request, _("Gracias por su valoración."))
                return redirect("accounts:home")
            except ApplicationError as error:
                _apply_error(form, error)
        status = 400
    return render(request, "attention/survey.html", {"session": session, "form": form, "done": done},
                  status=status)


def _has_survey(session: AttentionSession) -> bool:
    from oficina.attention.models import SatisfactionSurvey

    return SatisfactionSurvey.objects.filter(session=session).exists()
