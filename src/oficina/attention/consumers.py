"""Waiting-room and console WebSockets (part "queue", see docs/live-attention.md).

`ws/atencion/sala/` — a citizen's page for their own active ticket. It joins the ticket's group
(`waiting.called`, `waiting.removed`) and, through the process's one shared membership (`fanout.py`), the
service's group: on `waiting.changed` (the whole waiting order and the minutes per place) the process
computes every local socket's position with no query and writes `waiting.position` to those whose position
or wait changed, in one pass. `waiting.ping` keeps the ticket's last_seen_at fresh (grace period) and
answers with the position.

`ws/atencion/puesto/` — a technician's console (staff, OTP-verified session). It joins `attention.console`
(`console.changed` → a fresh `queue.snapshot`, coalesced) and its own `attention.technician.<id>`
(`console.session_started` {url}).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.consumer import get_handler_name
from django.utils.translation import gettext as _

from oficina.attention import fanout, selectors, services
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
def _citizen_ticket(user: Any) -> Ticket | None:
    """The citizen's active ticket, its last_seen_at refreshed (and expired first if it is due)."""
    ticket = selectors.active_ticket_for(citizen=user)
    if ticket is None:
        return None
    services.ticket_touch(ticket=ticket)
    ticket = services.ticket_expire_if_due(ticket=ticket)
    return ticket if ticket.status in Ticket.ACTIVE_STATUSES else None


def _cached_state(ticket: Ticket) -> dict[str, Any] | None:
    """A waiting ticket's state from the queue this process last saw, without the database; None when
    there is no fresh queue or the ticket is not in it yet (its own event is still on the way)."""
    cached = _QUEUE_CACHE.get(ticket.service_id)
    if ticket.status != Ticket.Status.WAITING or cached is None:
        return None
    if time.monotonic() - cached[0] >= QUEUE_CACHE_SECONDS or not selectors.position_in(cached[1], ticket.pk):
        return None
    return selectors.ticket_state(ticket, order=cached[1], per_place=cached[2])


@database_sync_to_async
def _stored_state(ticket: Ticket) -> dict[str, Any]:
    if ticket.status != Ticket.Status.WAITING:
        return selectors.ticket_state(ticket)
    order, per_place = _queue(ticket.service_id)
    if not selectors.position_in(order, ticket.pk):  # the cache is older than this ticket
        _QUEUE_CACHE.pop(ticket.service_id, None)
        order, per_place = _queue(ticket.service_id)
    return selectors.ticket_state(ticket, order=order, per_place=per_place)


async def _ticket_state(ticket: Ticket) -> dict[str, Any]:
    state = _cached_state(ticket) or await _stored_state(ticket)
    if ticket.status == Ticket.Status.CALLED:
        state["type"] = "waiting.called"
    return state


@database_sync_to_async
def _touch(ticket_id: int) -> None:
    services.ticket_touch(ticket=Ticket(pk=ticket_id))


def _places(order: str) -> dict[str, int]:
    """Each ticket id (as text) of an encoded order ",12,15,13," with its 1-based place: one split per
    event instead of a search of the whole order per socket."""
    ids = order.strip(",").split(",") if len(order) > 1 else []
    return dict(zip(ids, range(1, len(ids) + 1)))


def _queue_changed(service_id: int) -> fanout.Handler:
    """What this process does with a service's `waiting.changed`: remember the queue and give every local
    waiting room of the service its new position, in one pass over the sockets."""

    def handle(event: dict[str, Any], rooms: list[WaitingRoomConsumer]) -> None:
        if event.get("type") != "waiting.changed":
            return
        order, per_place = event.get("order") or ",", float(event.get("per_place", 0))
        _QUEUE_CACHE[service_id] = (time.monotonic(), order, per_place)
        places = _places(order)
        for room in rooms:
            room.queue_changed(places, per_place)

    return handle


class _NoDatabaseEvents:
    """Channels runs `close_old_connections` through the one thread-sensitive worker thread before every
    message it dispatches. Group events that only relay data do not touch the database: skipping that hop
    keeps a burst of events from queueing behind the HTTP requests' database work."""

    relay_only: frozenset[str] = frozenset()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") in self.relay_only:
            await getattr(self, get_handler_name(message))(message)
            return
        await super().dispatch(message)  # type: ignore[misc]


class WaitingRoomConsumer(_NoDatabaseEvents, AsyncJsonWebsocketConsumer):
    """A citizen's waiting-room socket. Its ticket's group is its own; the service's group is joined once
    per process for all of them (`fanout.SharedGroup`), which calls `queue_changed` on each."""

    relay_only = frozenset({"waiting.position", "waiting.called", "waiting.removed"})
    ticket_id: int | None = None
    service_id: int | None = None
    last_sent: tuple[Any, ...] | None = None
    groups_joined: tuple[str, ...] = ()
    queue: fanout.SharedGroup | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not can_use_waiting_room(user):
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        ticket = await _citizen_ticket(user)
        if ticket is None:
            await self.send_json({"type": "waiting.removed", "message": _("Ya no está en la sala de espera.")})
            await self.close()
            return
        self.ticket_id, self.service_id = ticket.pk, ticket.service_id
        self._position_prefix = json.dumps({"type": "waiting.position", "ticket": ticket.number,
                                            "status": Ticket.Status.WAITING})[:-1] + ', "position": '
        self._ticket_key = str(ticket.pk)
        # Join first, read the state after: a change from now on reaches this socket, and the state read
        # is at least as new as the queue this process had seen when it joined.
        self.queue = fanout.shared_group(self.channel_layer, services.service_group(ticket.service_id),
                                         _queue_changed(ticket.service_id))
        await self.queue.add(self)
        self.groups_joined = (services.ticket_group(ticket.pk),)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        state = await _ticket_state(ticket)
        if self.last_sent is None or state["type"] != "waiting.position":  # else a newer change came first
            await self._send_state(state)

    async def disconnect(self, code: int) -> None:
        await self._leave_groups()
        if self.ticket_id is not None:
            await _touch(self.ticket_id)  # the grace period counts from the moment the page went away

    async def _leave_groups(self) -> None:
        if self.queue is not None:
            await self.queue.discard(self)
            self.queue = None
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = ()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "waiting.ping":
            await self.send_json(_error("unknown_message", _("Mensaje desconocido.")))
            return
        ticket = await _citizen_ticket(self.scope["user"])
        if ticket is None or ticket.pk != self.ticket_id:
            await self.send_json({"type": "waiting.removed", "message": _("Ya no está en la sala de espera.")})
            await self.close()
            return
        sent_before = self.last_sent
        state = await _ticket_state(ticket)
        if self.last_sent is not sent_before and state["type"] == "waiting.position":
            return  # a change was written meanwhile: newer than this state, and the ping's answer
        self.last_sent = None  # a ping always gets an answer
        await self._send_state(state)

    async def _send_state(self, state: dict[str, Any]) -> None:
        key = (state.get("type"), state.get("status"), state.get("position"), state.get("estimated_wait_minutes"))
        if key == self.last_sent:
            return
        self.last_sent = key
        await self.send_json(state)

    def queue_changed(self, places: dict[str, int], per_place: float) -> None:
        """The service's queue changed (`SharedGroup` handler, for every socket in one pass: no awaiting).
        The message is the one `_send_state` would send, written without building a dict for json."""
        position = places.get(self._ticket_key, 0)
        if not position:
            return  # not waiting any more: the ticket's own group tells why
        minutes = selectors.estimated_wait_minutes(position, per_place)
        key = ("waiting.position", Ticket.Status.WAITING, position, minutes)
        if key == self.last_sent:
            return
        self.last_sent = key
        text = f'{self._position_prefix}{position}, "estimated_wait_minutes": {minutes}}}'
        fanout.send_soon(self.send(text_data=text))

    # --- group events ---

    async def waiting_position(self, event: dict[str, Any]) -> None:
        await self._send_state(dict(event))

    async def waiting_called(self, event: dict[str, Any]) -> None:
        self.last_sent = None
        await self.send_json(event)

    async def waiting_removed(self, event: dict[str, Any]) -> None:
        await self.send_json(event)
        self.ticket_id = None
        await self._leave_groups()
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
