"""Waiting-room and console WebSockets (part "queue", see docs/live-attention.md).

`ws/atencion/sala/` — a citizen's page for their own active ticket. It joins the service's group
(`waiting.changed`: the whole waiting order and the minutes per place, so the consumer computes its own
position with no query, and sends `waiting.position` only when it changed) and the ticket's group
(`waiting.called`, `waiting.removed`). `waiting.ping` keeps the ticket's last_seen_at fresh (grace period)
and answers with the position.

`ws/atencion/puesto/` — a technician's console (staff, OTP-verified session). It joins `attention.console`
(`console.changed` → a fresh `queue.snapshot`, coalesced) and its own `attention.technician.<id>`
(`console.session_started` {url}).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.consumer import get_handler_name
from django.utils.translation import gettext as _

from oficina.attention import selectors, services
from oficina.attention.models import Ticket
from oficina.attention.permissions import can_attend, can_use_waiting_room, verify_otp_from_session

FORBIDDEN = 4403
CONSOLE_COALESCE_SECONDS = 0.1


def _error(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}


#: The latest waiting order and minutes per place of each service seen by this process, from the group
#: events or a query, with the time it was taken: a burst of connections (1,000 pages reconnecting) reads
#: the queue once a second instead of once per connection. Group events keep it current.
_QUEUE_CACHE: dict[int, tuple[float, str, float]] = {}
QUEUE_CACHE_SECONDS = 1.0


def _queue(service_id: int) -> tuple[str, float]:
    cached = _QUEUE_CACHE.get(service_id)
    if cached is not None and time.monotonic() - cached[0] < QUEUE_CACHE_SECONDS:
        return cached[1], cached[2]
    event = selectors.waiting_changed_event(service_id=service_id)
    _QUEUE_CACHE[service_id] = (time.monotonic(), event["order"], event["per_place"])
    return event["order"], event["per_place"]


@database_sync_to_async
def _citizen_ticket(user: Any) -> tuple[Ticket | None, dict[str, Any] | None]:
    ticket = selectors.active_ticket_for(citizen=user)
    if ticket is None:
        return None, None
    services.ticket_touch(ticket=ticket)
    ticket = services.ticket_expire_if_due(ticket=ticket)
    if ticket.status not in Ticket.ACTIVE_STATUSES:
        return None, None
    if ticket.status == Ticket.Status.WAITING:
        order, per_place = _queue(ticket.service_id)
        if not selectors.position_in(order, ticket.pk):  # the cache is older than this ticket
            _QUEUE_CACHE.pop(ticket.service_id, None)
            order, per_place = _queue(ticket.service_id)
        state = selectors.ticket_state(ticket, order=order, per_place=per_place)
    else:
        state = selectors.ticket_state(ticket)
    if ticket.status == Ticket.Status.CALLED:
        state["type"] = "waiting.called"
    return ticket, state


@database_sync_to_async
def _touch(ticket_id: int) -> None:
    services.ticket_touch(ticket=Ticket(pk=ticket_id))


class _NoDatabaseEvents:
    """Channels runs `close_old_connections` through the one thread-sensitive worker thread before every
    message it dispatches. Group events that only relay data do not touch the database: skipping that hop
    is what lets one process fan a queue change out to 1,000 sockets in milliseconds, not seconds."""

    relay_only: frozenset[str] = frozenset()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") in self.relay_only:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)  # type: ignore[misc]


class WaitingRoomConsumer(_NoDatabaseEvents, AsyncJsonWebsocketConsumer):
    relay_only = frozenset({"waiting.changed", "waiting.position", "waiting.called", "waiting.removed"})
    ticket_id: int | None = None
    service_id: int | None = None
    last_sent: tuple[Any, ...] | None = None
    groups_joined: tuple[str, ...] = ()

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not can_use_waiting_room(user):
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        ticket, state = await _citizen_ticket(user)
        if ticket is None:
            await self.send_json({"type": "waiting.removed", "message": _("Ya no está en la sala de espera.")})
            await self.close()
            return
        self.ticket_id, self.service_id, self.number = ticket.pk, ticket.service_id, ticket.number
        self.groups_joined = (services.service_group(ticket.service_id), services.ticket_group(ticket.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self._send_state(state)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()
        if self.ticket_id is not None:
            await _touch(self.ticket_id)  # the grace period counts from the moment the page went away

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "waiting.ping":
            await self.send_json(_error("unknown_message", _("Mensaje desconocido.")))
            return
        ticket, state = await _citizen_ticket(self.scope["user"])
        if ticket is None or ticket.pk != self.ticket_id:
            await self.send_json({"type": "waiting.removed", "message": _("Ya no está en la sala de espera.")})
            await self.close()
            return
        self.last_sent = None  # a ping always gets an answer
        await self._send_state(state)

    async def _send_state(self, state: dict[str, Any]) -> None:
        key = (state.get("type"), state.get("status"), state.get("position"), state.get("estimated_wait_minutes"))
        if key == self.last_sent:
            return
        self.last_sent = key
        await self.send_json(state)

    # --- group events ---

    async def waiting_changed(self, event: dict[str, Any]) -> None:
        order = event.get("order") or ","
        _QUEUE_CACHE[self.service_id] = (time.monotonic(), order, float(event.get("per_place", 0)))
        position = selectors.position_in(order, self.ticket_id)
        if not position:
            return  # not waiting any more: the ticket's own group tells why
        await self._send_state({
            "type": "waiting.position", "ticket": self.number, "status": Ticket.Status.WAITING,
            "position": position,
            "estimated_wait_minutes": selectors.estimated_wait_minutes(position, float(event.get("per_place", 0))),
        })

    async def waiting_position(self, event: dict[str, Any]) -> None:
        await self._send_state(dict(event))

    async def waiting_called(self, event: dict[str, Any]) -> None:
        self.last_sent = None
        await self.send_json(event)

    async def waiting_removed(self, event: dict[str, Any]) -> None:
        await self.send_json(event)
        self.ticket_id = None
        await self.close()


@database_sync_to_async
def _verified_technician(scope: dict[str, Any]) -> Any:
    user = scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    verify_otp_from_session(user, scope.get("session"))
    return user if can_attend(user) else None


@database_sync_to_async
def _snapshot() -> dict[str, Any]:
    return selectors.console_snapshot()


class ConsoleConsumer(_NoDatabaseEvents, AsyncJsonWebsocketConsumer):
    relay_only = frozenset({"console.changed", "console.session_started"})
    groups_joined: tuple[str, ...] = ()
    _refresh: asyncio.Task | None = None

    async def connect(self) -> None:
        user = await _verified_technician(self.scope)
        if user is None:
            await self.close(code=FORBIDDEN)
            return
        self.groups_joined = (services.CONSOLE_GROUP, services.technician_group(user.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json(await _snapshot())

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()
        if self._refresh is not None:
            self._refresh.cancel()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "queue.refresh":
            await self.send_json(await _snapshot())
            return
        await self.send_json(_error("unknown_message", _("Mensaje desconocido.")))

    async def console_changed(self, event: dict[str, Any]) -> None:
        """Many changes in a burst give one snapshot (one query) per console."""
        if self._refresh is not None and not self._refresh.done():
            return
        self._refresh = asyncio.ensure_future(self._send_snapshot_soon())

    async def _send_snapshot_soon(self) -> None:
        await asyncio.sleep(CONSOLE_COALESCE_SECONDS)
        await self.send_json(await _snapshot())

    async def console_session_started(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "console.session_started", "url": event["url"]})
