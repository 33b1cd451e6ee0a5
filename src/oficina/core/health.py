"""Health checks of the parts a request depends on."""

from __future__ import annotations

import asyncio
import uuid

from channels.layers import get_channel_layer
from django.db import connection


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


async def check_channel_layer(timeout: float = 2.0) -> bool:
    """Send a message to a fresh channel and read it back."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await asyncio.wait_for(layer.send(channel, {"type": "health.ping", "token": token}), timeout)
        message = await asyncio.wait_for(layer.receive(channel), timeout)
        return message.get("token") == token
    except Exception:
        return False
