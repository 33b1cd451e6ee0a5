"""WebSocket routing and the channel layer (in-memory by default, Redis when REDIS_URL is set)."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from oficina.conf.asgi import application
from oficina.core.health import check_channel_layer

pytestmark = pytest.mark.asyncio


def _communicator(origin: bytes = b"http://127.0.0.1") -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/clock/", headers=[(b"origin", origin), (b"host", b"127.0.0.1")])


# Channels closes stale database connections around every consumer message, in its shared sync thread;
# after other WebSocket tests that thread holds a connection, which pytest-django only lets it touch
# inside a database test.
@pytest.mark.django_db(transaction=True)
async def test_clock_socket_sends_official_time_and_answers_through_the_layer():
    communicator = _communicator()
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["type"] == "clock.time" and first["iso"][-6:] in {"+01:00", "+02:00"}
    await communicator.send_json_to({"type": "clock.ping"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "clock.time"
    await communicator.send_json_to({"type": "nonsense"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "error", "code": "unknown_message"}
    await communicator.disconnect()


async def test_socket_from_a_foreign_origin_is_refused():
    communicator = _communicator(origin=b"https://evil.example")
    connected, _ = await communicator.connect()
    assert not connected


async def test_channel_layer_round_trip_uses_the_configured_backend():
    layer = get_channel_layer()
    expected = "RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected
    assert await check_channel_layer()


async def test_redis_pool_is_sized_for_mass_reconnects():
    """The default pool of 100 fails 500 simultaneous connects (TOOLING.md); ours must be larger."""
    if not settings.REDIS_URL:
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("InMemoryChannelLayer")
        return
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    assert host["max_connections"] >= 500
