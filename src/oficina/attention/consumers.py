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
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from oficina.attention import selectors, services
from oficina.attention.models import Ticket
from oficina.attention.permissions import can_attend, can_use_waiting_room, verify_otp_from_session

FORBIDDEN = 4403
CONSOLE_COALESCE_SECONDS = 0.1


def _error(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}


@database_sync_to_async
def _citizen_ticket(user: Any) -> tuple[Ticket | None, dict[str, Any] | None]:
    ticket = selectors.active_ticket_for(citizen=user)
    if ticket is None:
        return None, None
    services.ticket_touch(ticket=ticket)
    ticket = services.ticket_expire_if_due(ticket=ticket)
    if ticket.status not in Ticket.ACTIVE_STATUSES:
        return None, None
    state = selectors.ticket_state(ticket)
    if ticket.status == Ticket.Status.CALLED:
        state["type"] = "waiting.called"
    return ticket, state


@database_sync_to_async
def _touch(ticket_id: int) -> None:
    services.ticket_touch(ticket=Ticket(pk=ticket_id))


class WaitingRoomConsumer(AsyncJsonWebsocketConsumer):
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
        order = event.get("order") or []
        try:
            position = order.index(self.ticket_id) + 1
        except ValueError:
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


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
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
