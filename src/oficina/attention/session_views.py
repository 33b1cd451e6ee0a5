"""The live session page, for the citizen and the technician (part "session", docs/live-attention.md).

`GET /atencion/sesion/<token>/`: the chat so far (server-rendered), the video area, and the panel of
each side (`attention/includes/{citizen,technician}_panel.html`, part "queue"). With JavaScript,
`session.js` keeps the chat live over `ws/atencion/sesion/<token>/` and `call.js` runs the WebRTC call;
without it the chat still works: `POST .../mensaje/` stores the message and comes back to the page.
Anyone but the session's citizen and technician gets 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from oficina.accounts.permissions import complete_session_required
from oficina.attention import chat, selectors, services
from oficina.attention.ice import ice_servers
from oficina.attention.models import AttentionSession, SatisfactionSurvey, Ticket
from oficina.casefile.services import citizen_file_access_record
from oficina.core.forms import DescribedFieldsMixin

PANELS = {"citizen": "attention/includes/citizen_panel.html",
          "technician": "attention/includes/technician_panel.html"}


class ChatMessageForm(DescribedFieldsMixin, forms.Form):
    body = forms.CharField(label=_("Mensaje"), max_length=chat.MAX_BODY_CHARS, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
                           error_messages={"required": _("Escriba un mensaje."),
                                           "max_length": _("El mensaje es demasiado largo: como máximo "
                                                           "%(limit_value)d caracteres.")})
    client_id = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


def _texts(role: str) -> dict[str, str]:
    """What session.js and call.js say, translated here (the scripts hold no text of their own)."""
    other = _("la técnica o el técnico") if role == "citizen" else _("la persona atendida")
    return {
        "connecting": _("Conectando…"),
        "connected": _("Conectado."),
        "reconnecting": _("Se ha perdido la conexión. Reconectando… Sus mensajes se enviarán al volver."),
        "waiting_peer": _("Esperando a que se conecte %(other)s…") % {"other": other},
        "peer_joined": _("Se ha conectado %(other)s.") % {"other": other},
        "peer_left": _("Se ha desconectado %(other)s. Puede esperar a que vuelva.") % {"other": other},
        "call_connecting": _("Conectando la videollamada…"),
        "call_connected": _("Videollamada conectada."),
        "call_audio_connected": _("Llamada de audio conectada."),
        "call_reconnecting": _("La conexión de vídeo se ha interrumpido. Reconectando…"),
        "call_failed": _("No se ha podido conectar la llamada. Puede seguir por el chat o pulsar «Reintentar la llamada»."),
        "camera_denied": _("El navegador no permite usar la cámara ni el micrófono. Para permitirlo, pulse el icono "
                           "junto a la dirección de la página, active cámara y micrófono y pulse «Reintentar la "
                           "llamada». Mientras tanto puede ver y oír a la otra persona y usar el chat."),
        "no_device": _("No se ha encontrado cámara ni micrófono en este equipo. Puede ver y oír a la otra persona "
                       "y usar el chat."),
        "device_busy": _("La cámara o el micrófono están en uso por otra aplicación. Ciérrela y pulse «Reintentar "
                         "la llamada»."),
        "no_webrtc": _("Este navegador no permite videollamadas. Puede seguir la atención por el chat."),
        "audio_only": _("Ha pasado a solo audio."),
        "chat_only": _("Ha dejado la llamada. La atención sigue por el chat."),
        "peer_chat_only": _("La otra persona ha dejado la llamada. La atención sigue por el chat."),
        "peer_camera_off": _("La otra persona ha apagado la cámara."),
        "peer_camera_on": _("La otra persona ha encendido la cámara."),
        "peer_mic_off": _("La otra persona ha silenciado el micrófono."),
        "peer_mic_on": _("La otra persona ha activado el micrófono."),
        "camera_off": _("Encender la cámara"),
        "camera_on": _("Apagar la cámara"),
        "mic_off": _("Activar el micrófono"),
        "mic_on": _("Silenciar el micrófono"),
        "ended": _("La atención ha terminado."),
        "send_failed": _("No se ha podido enviar el mensaje: "),
        "pending": _("Pendiente de envío"),
        "you": _("Usted"),
        "system": _("Aviso"),
        "staff": _("personal técnico"),
        "empty": _("Todavía no hay mensajes."),
    }


def _role(session: AttentionSession, user: Any) -> str:
    return "citizen" if session.citizen_id == user.pk else "technician"


def _panel(role: str) -> str | None:
    """The panel template of this side, once part "queue" has written it."""
    try:
        get_template(PANELS[role])
    except TemplateDoesNotExist:
        return None
    return PANELS[role]


def survey_url(session: AttentionSession) -> str:
    return reverse("attention:survey", args=[session.token])


def _has_survey(session: AttentionSession) -> bool:
    try:
        return session.survey is not None
    except SatisfactionSurvey.DoesNotExist:
        return False


def _answer_deadline(session: AttentionSession) -> str:
    """Until when the citizen may still answer the call (ISO 8601); "" once answered."""
    ticket = session.ticket
    if ticket.status != Ticket.Status.CALLED or ticket.called_at is None:
        return ""
    return (ticket.called_at + timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS)).isoformat()


def _render(request: HttpRequest, session: AttentionSession, form: ChatMessageForm, *, status: int = 200
            ) -> HttpResponse:
    role = _role(session, request.user)
    messages = chat.chat_messages_after(session=session, after=0, limit=10_000)
    context: dict[str, Any] = {
        "session": session,
        "role": role,
        "other_role": "technician" if role == "citizen" else "citizen",
        "chat_messages": [chat.chat_message_payload(message, session) | {"created_at": message.created_at}
                          for message in messages],
        "last_seq": messages[-1].seq if messages else 0,
        "form": form,
        "ended": session.ended_at is not None,
        "has_media": session.mode != "chat",
        "panel_template": _panel(role),
        "ice_servers": ice_servers(user=request.user),
        "ws_path": f"/ws/atencion/sesion/{session.token}/",
        "survey_url": survey_url(session),
        "console_url": reverse("attention:console"),
        "texts": _texts(role),
        "can_rate": role == "citizen" and session.ended_at is not None and not _has_survey(session),
        "answer_deadline": _answer_deadline(session),
    }
    panel_context = getattr(selectors, "session_panel_context", None)
    if panel_context is not None:
        context = {**panel_context(session, request.user), **context}
    return render(request, "attention/session.html", context, status=status)


@require_GET
@complete_session_required
def session_page(request: HttpRequest, token: str) -> HttpResponse:
    session = selectors.session_get_for_user(token=token, user=request.user)
    if not services.session_answered(session):
        unanswered = _unanswered(request, session)
        if unanswered is not None:
            return unanswered
    if (session.ended_at is not None and _role(session, request.user) == "citizen" and not _has_survey(session)
            and "historial" not in request.GET):
        return redirect(survey_url(session))
    if _role(session, request.user) == "technician":  # the panel shows the citizen's file, demand, appointments
        citizen_file_access_record(actor=request.user, citizen=session.citizen, what="live_session",
                                   target=session)
    return _render(request, session, ChatMessageForm(initial={"client_id": uuid.uuid4().hex}))


def _unanswered(request: HttpRequest, session: AttentionSession) -> HttpResponse | None:
    """A session prepared at the call, not answered yet. The citizen answers in the waiting room (being
    seen and heard needs their "Atender la llamada"); the technician waits here, unless the answer
    deadline has passed, which is applied now (as the console does) and sends them back to the console."""
    if _role(session, request.user) == "citizen":
        return redirect("attention:waiting_room")
    ticket = services.ticket_expire_if_due(ticket=session.ticket)
    if ticket.status != Ticket.Status.CALLED:
        flash.info(request, _("Turno %(number)s: no ha respondido a la llamada.") % {"number": ticket.number})
        return redirect("attention:console")
    return None


@require_POST
@complete_session_required
def session_message_post(request: HttpRequest, token: str) -> HttpResponse:
    """The chat without JavaScript: store the message, back to the page (at the chat)."""
    session = selectors.session_get_for_user(token=token, user=request.user)
    form = ChatMessageForm(request.POST)
    if not services.session_answered(session):
        form.add_error(None, _("La persona todavía no ha aceptado la llamada: podrá escribirle cuando la acepte."))
    elif form.is_valid():
        try:
            chat.chat_message_post(session=session, sender=request.user, body=form.cleaned_data["body"],
                                   client_id=form.cleaned_data["client_id"] or None)
        except chat.ChatRefused as refused:
            form.add_error("body" if refused.field == "body" else None, refused.message)
        else:
            return redirect(reverse("attention:session", args=[session.token]) + "#chat")
    return _render(request, session, form, status=400)
