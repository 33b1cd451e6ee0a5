"""Events to WebSocket groups, sent only after the transaction that caused them commits.

A rolled-back change must never reach a browser: services call `send_event_on_commit` inside their
transaction and the event leaves when (and only if) it commits.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def send_event(group: str, event: dict[str, Any]) -> None:
    """Send now, from sync code (outside an event loop)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def send_event_on_commit(group: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_event(group, event))
