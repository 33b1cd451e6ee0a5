"""A fresh Redis channel layer for every test.

channels_redis keeps asyncio locks on the layer object (the receive lock of RedisChannelLayer), and each
async test runs in an event loop of its own: a lock once bound to one test's loop makes a later test's
receive fail with "bound to a different event loop". A server process has one loop, so this is a test
matter only. The in-memory layer (one process, no Redis) is left alone: the live server's consumers and
the test thread must share its one instance.
"""

from __future__ import annotations

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def _fresh_redis_channel_layer():
    for alias, layer in list(channel_layers.backends.items()):
        if type(layer).__module__.startswith("channels_redis"):
            del channel_layers.backends[alias]
    yield
