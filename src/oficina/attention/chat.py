"""The chat of a live session: every message is stored, numbered, then delivered.

`chat_message_post` takes the session's next sequence number (its `last_seq`, under the session row's
lock), writes the ChatMessage, and only after the commit sends `chat.message` to the session's group.
So what a browser shows has always been stored first, and numbers are 1, 2, 3... with no gaps or
repeats. A browser that lost its connection asks for `chat_messages_after(last seq it saw)`.

A message carries the sending browser's `client_id` (a UUID). When the connection drops right after a
send, the browser cannot know whether it arrived, so it sends it again with the same id: the second
post returns the stored message (and announces it again, which browsers ignore by seq) instead of
storing it twice.

Messages are not audited one by one, and nothing of their content is logged: the session is the
audited record, and the chat is its content.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.attention.models import AttentionSession, ChatMessage
from oficina.core.exceptions import ApplicationError
from oficina.core.realtime import send_event_on_commit

__all__ = [
    "MAX_BODY_CHARS",
    "ChatRefused",
    "chat_message_payload",
    "chat_message_post",
    "chat_messages_after",
    "chat_system_message_post",
    "session_group",
]

MAX_BODY_CHARS = 2000
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HISTORY_PAGE = 500


class ChatRefused(ApplicationError):
    code = "chat_refused"


def session_group(session_id: int) -> str:
    return f"attention.session.{session_id}"


def _sender_role(session: AttentionSession, message: ChatMessage) -> str:
    if message.sender_id is None:
        return "system"
    return "citizen" if message.sender_id == session.citizen_id else "technician"


def chat_message_payload(message: ChatMessage, session: AttentionSession | None = None) -> dict[str, Any]:
    """The `chat.message` WebSocket message (docs/live-attention.md) for a stored message."""
    session = session or message.session
    sender = message.sender
    return {
        "type": "chat.message",
        "seq": message.seq,
        "kind": message.kind,
        "sender": _sender_role(session, message),
        "sender_name": (sender.first_name or sender.get_username()) if sender is not None else "",
        "body": message.body,
        "at": message.created_at.isoformat(),
        "client_id": message.client_id or "",
    }


def _clean_body(body: Any) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ChatRefused(_("Escriba un mensaje."), "empty", field="body")
    body = body.strip().replace("\r\n", "\n")
    if len(body) > MAX_BODY_CHARS:
        raise ChatRefused(_("El mensaje es demasiado largo: como máximo %(max)d caracteres.") % {"max": MAX_BODY_CHARS},
                          "too_long", field="body")
    return body


def _store(*, session: AttentionSession, sender: Any, body: str, client_id: str | None, kind: str) -> ChatMessage:
    """Inside a transaction: the message already stored under this client id, or a new one numbered next."""
    # The session row's lock orders the writers of one session; SQLite takes its write lock when the
    # transaction starts (transaction_mode IMMEDIATE), PostgreSQL at this SELECT ... FOR UPDATE.
    locked = AttentionSession.objects.select_for_update().only("id", "last_seq", "ended_at").get(pk=session.pk)
    if locked.ended_at is not None:
        raise ChatRefused(_("La atención ha terminado: ya no se pueden enviar mensajes."), "session_ended")
    if client_id is not None:
        existing = ChatMessage.objects.filter(session_id=session.pk, sender=sender, client_id=client_id).first()
        if existing is not None:
            existing.sender = sender
            return existing
    locked.last_seq += 1
    AttentionSession.objects.filter(pk=session.pk).update(last_seq=locked.last_seq)
    message = ChatMessage.objects.create(session_id=session.pk, seq=locked.last_seq, sender=sender, kind=kind,
                                         body=body, client_id=client_id, created_at=timezone.now())
    session.last_seq = locked.last_seq
    return message


def chat_message_post(*, session: AttentionSession, sender: Any, body: Any, client_id: str | None,
                      kind: str = ChatMessage.Kind.TEXT) -> ChatMessage:
    """Store one message of `sender` (the session's citizen or technician) and deliver it after the
    commit. Re-posting the same `client_id` returns the message already stored (delivered again).
    Refused (ChatRefused): empty or longer than MAX_BODY_CHARS, sender not in the session, session ended,
    malformed client id."""
    if sender is None or sender.pk not in (session.citizen_id, session.technician_id):
        raise ChatRefused(_("No participa en esta atención."), "not_participant")
    if client_id is not None and (not isinstance(client_id, str) or not CLIENT_ID.match(client_id)):
        raise ChatRefused(_("El mensaje no se ha podido identificar; vuelva a cargar la página."), "bad_client_id")
    if kind not in ChatMessage.Kind.values:
        raise ChatRefused(_("Tipo de mensaje desconocido."), "bad_kind")
    cleaned = _clean_body(body)
    with transaction.atomic():
        message = _store(session=session, sender=sender, body=cleaned, client_id=client_id, kind=kind)
        send_event_on_commit(session_group(session.pk), chat_message_payload(message, session))
    return message


def chat_system_message_post(*, session: AttentionSession, body: str,
                             kind: str = ChatMessage.Kind.SYSTEM) -> ChatMessage:
    """A notice written by the service itself (e.g. "the technician asked for a document"), in the same
    numbering; delivered after the commit like any other message."""
    cleaned = _clean_body(body)
    with transaction.atomic():
        message = _store(session=session, sender=None, body=cleaned, client_id=None, kind=kind)
        send_event_on_commit(session_group(session.pk), chat_message_payload(message, session))
    return message


def chat_messages_after(*, session: AttentionSession, after: int, limit: int = HISTORY_PAGE) -> list[ChatMessage]:
    """Messages with seq > `after`, in order, at most `limit` (ask again from the last one for more)."""
    after = max(int(after), 0)
    return list(ChatMessage.objects.select_related("sender")
                .filter(session_id=session.pk, seq__gt=after).order_by("seq")[:limit])
