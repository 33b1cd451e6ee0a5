"""The live session's WebSocket `ws/atencion/sesion/<token>/`: chat and WebRTC signalling (part "session",
see docs/live-attention.md).

Only the session's citizen and its (OTP-verified) technician get in; anyone else is accepted and closed
at once with code 4403, so the browser knows not to retry. Both join the group `attention.session.<id>`:
- `chat.send` → `chat.chat_message_post` (stored, then `chat.message` to the group after the commit);
  `chat.sync {after}` → the stored messages after that seq, then `chat.synced {last_seq}`;
- `signal {data}` → checked by `signalling.signal_clean` and a per-connection rate limit, relayed to the
  other participant only (never echoed, never stored);
- presence: `session.peer {role, present}` when a participant connects or leaves; a newcomer is told
  at once who is already there;
- `session.ended` (sent by `services.session_finish`): the citizen is sent to the survey, the technician
  back to the console.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from oficina.attention import chat, selectors, services
from oficina.attention.permissions import verify_otp_from_session
from oficina.attention.signalling import MAX_SIGNAL_BYTES, RateLimiter, SignalRefused, signal_clean
from oficina.core.exceptions import ApplicationError

INSTANCE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# On PostgreSQL, chat writes and history reads run in the thread pool (thread_sensitive=False), not in the
# one thread Channels shares for sync code by default: the sessions of a process do not wait for each
# other's database round trips (each pool thread has its own connection, from the psycopg pool). SQLite
# has one writer anyway, and threads fighting for its lock wait in its busy handler (p99 ≈ 1 s in
# bench/live_session.py against ≈ 0.2 s when they queue in the one thread), so there they stay serial.
CLOSE_FORBIDDEN = 4403
CLOSE_ENDED = 4410
MAX_FRAME_CHARS = MAX_SIGNAL_BYTES + 4096  # a signal plus its envelope


def _serial_database() -> bool:
    return connection.vendor == "sqlite"


def survey_url(token: str) -> str:
    return reverse("attention:survey", args=[token])


def console_url() -> str:
    return reverse("attention:console")


class SessionConsumer(AsyncJsonWebsocketConsumer):
    session: Any = None
    role: str = ""
    group: str = ""
    instance: str = ""  # one page load of the browser (`?i=`): a WebSocket reconnect keeps it, a reload not
    answered: bool = False  # the citizen has accepted the call (chat and documents wait for it)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels hops through its one shared sync thread (`close_old_connections`) before every message;
        here every database access already goes through `database_sync_to_async`, which does that in its
        own thread, so relayed signals and chat deliveries skip the hop (and the queue behind it)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Connection -----------------------------------------------------------------------------

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        found = await database_sync_to_async(self._session_for)(token)
        await self.accept()
        if found is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.session, self.role = found
        if self.session.ended_at is not None:
            await self.send_json(self._ended_message({}))
            await self.close(code=CLOSE_ENDED)
            return
        # A session exists from the call on; the citizen comes in only through "Atender la llamada", and
        # the technician, waiting meanwhile, may write once the citizen is here (see services).
        self.answered = services.session_answered(self.session)
        if self.role == "citizen" and not self.answered:
            await self.close(code=CLOSE_FORBIDDEN)  # the page then sends them to the waiting room
            return
        self.signal_limit = RateLimiter(burst=50, per_second=20)
        self.chat_limit = RateLimiter(burst=30, per_second=5)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        instance = (query.get("i") or [""])[0]
        self.instance = instance if INSTANCE.match(instance) else ""
        # Which socket: a reconnect may arrive before the server notices the old socket is gone, so the
        # other side counts connections rather than trusting the last present/absent it heard.
        self.connection_id = hashlib.sha256(self.channel_name.encode()).hexdigest()[:12]
        self.group = chat.session_group(self.session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_send(self.group, {
            "type": "session.peer", "role": self.role, "present": True, "instance": self.instance,
            "connection": self.connection_id,
            "reply_to": self.channel_name,
        })

    def _session_for(self, token: str) -> tuple[Any, str] | None:
        user = self.scope.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        user = verify_otp_from_session(user, self.scope.get("session"))
        self.user = user
        try:
            session = selectors.session_get_for_user(token=token, user=user)
        except Http404:
            return None
        return session, ("citizen" if session.citizen_id == user.pk else "technician")

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_send(self.group, {"type": "session.peer", "role": self.role,
                                                             "present": False, "instance": self.instance,
                                                             "connection": self.connection_id})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- From the browser -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if self.session is None:
            return
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("too_large", _("El mensaje es demasiado grande."))
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("bad_message", _("El mensaje no es JSON válido."))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "signal":
            await self._signal(content.get("data"))
        elif kind == "chat.send":
            await self._chat_send(content)
        elif kind == "chat.sync":
            await self._chat_sync(content.get("after"))
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._error("unknown_message", _("Tipo de mensaje desconocido."))

    async def _signal(self, data: Any) -> None:
        if not self.signal_limit.allow():
            await self._error("rate_limited", _("Demasiados mensajes de señalización; espere un momento."))
            return
        try:
            cleaned = signal_clean(data)
        except SignalRefused as refused:
            await self._error(refused.code, refused.message)
            return
        await self.channel_layer.group_send(self.group, {"type": "signal", "from": self.role, "data": cleaned})

    async def _chat_send(self, content: dict[str, Any]) -> None:
        client_id = content.get("client_id")
        if not self.answered:
            await self._error("not_answered", _("La persona todavía no ha aceptado la llamada: podrá escribirle "
                                                "cuando la acepte."), client_id=client_id)
            return
        if not self.chat_limit.allow():
            await self._error("rate_limited", _("Está enviando mensajes demasiado deprisa; espere un momento."),
                              client_id=client_id)
            return
        try:
            await database_sync_to_async(chat.chat_message_post, thread_sensitive=_serial_database())(
                session=self.session, sender=self.user, body=content.get("body"),
                client_id=client_id if isinstance(client_id, str) else None)
        except ApplicationError as refused:
            await self._error(refused.code, refused.message, client_id=client_id)

    async def _chat_sync(self, after: Any) -> None:
        try:
            last = max(int(after or 0), 0)
        except (TypeError, ValueError):
            await self._error("bad_message", _("Número de mensaje no válido."))
            return
        while True:
            payloads = await database_sync_to_async(self._history, thread_sensitive=_serial_database())(last)
            for payload in payloads:
                await self.send_json(payload)
            if len(payloads) < chat.HISTORY_PAGE:
                break
            last = payloads[-1]["seq"]
        if payloads:
            last = payloads[-1]["seq"]
        await self.send_json({"type": "chat.synced", "last_seq": last})

    def _history(self, after: int) -> list[dict[str, Any]]:
        messages = chat.chat_messages_after(session=self.session, after=after)
        return [chat.chat_message_payload(message, self.session) for message in messages]

    async def _error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    # --- From the group -------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    async def signal(self, event: dict[str, Any]) -> None:
        if event.get("from") != self.role:  # to the other participant only, never back to the sender
            await self.send_json({"type": "signal", "from": event["from"], "data": event["data"]})

    async def session_peer(self, event: dict[str, Any]) -> None:
        if event.get("role") == self.role:
            return
        if event.get("present"):
            self.answered = True  # the citizen's socket gets in only after answering
        await self.send_json({"type": "session.peer", "role": event["role"], "present": event["present"],
                              "instance": event.get("instance", ""), "connection": event.get("connection", "")})
        reply_to = event.get("reply_to")
        if reply_to and event.get("present"):
            # The newcomer learns that this side is already here (no reply_to: no echo back).
            await self.channel_layer.send(reply_to, {"type": "session.peer", "role": self.role, "present": True,
                                                     "instance": self.instance, "connection": self.connection_id})

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_json(self._ended_message(event))

    async def session_document(self, event: dict[str, Any]) -> None:
        await self.send_json(event)

    def _ended_message(self, event: dict[str, Any]) -> dict[str, Any]:
        if self.role == "citizen":
            return {"type": "session.ended", "survey_url": event.get("survey_url") or survey_url(self.session.token)}
        return {"type": "session.ended", "url": event.get("url") or console_url()}
