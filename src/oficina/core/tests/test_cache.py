"""The Redis cache backend shares one connection pool per process (oficina.core.cache)."""

from __future__ import annotations

import contextvars
import os
import secrets

import pytest
from django.core.cache import caches
from django.test import override_settings

from oficina.core.cache import RedisCache

SERVER = "redis://127.0.0.1:6379/15"  # never connected to by the tests that only compare pools


def _pool(cache: RedisCache, *, write: bool = False):
    return cache._cache._get_connection_pool(write)


def test_cache_objects_of_one_process_share_the_connection_pool():
    first, second = RedisCache(SERVER, {}), RedisCache(SERVER, {})
    assert _pool(first) is _pool(second)
    assert _pool(first, write=True) is _pool(second)


def test_another_server_or_other_options_get_their_own_pool():
    base = _pool(RedisCache(SERVER, {}))
    assert _pool(RedisCache("redis://127.0.0.1:6379/14", {})) is not base
    assert _pool(RedisCache(SERVER, {"OPTIONS": {"socket_timeout": 3}})) is not base


@override_settings(CACHES={"default": {"BACKEND": "oficina.core.cache.RedisCache", "LOCATION": SERVER}})
def test_each_request_context_gets_its_own_cache_object_but_the_same_pool():
    """Why the pool must be shared: under ASGI every request runs in a context of its own, and Django's
    `caches` makes a new cache object in each."""
    def default_cache():
        return caches["default"]

    in_one, in_another = (contextvars.Context().run(default_cache) for _ in range(2))
    assert in_one is not in_another
    assert _pool(in_one) is _pool(in_another)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a Redis server to count connections on)")
def test_requests_in_their_own_contexts_reuse_one_redis_connection():
    import redis

    url = os.environ["REDIS_URL"]
    prefix = f"test-{secrets.token_hex(4)}"
    admin = redis.Redis.from_url(url)
    received_before = admin.info("stats")["total_connections_received"]

    def one_request(n: int) -> None:  # what each request does: its own cache object, a write and a read
        cache = RedisCache(url, {"KEY_PREFIX": prefix})
        cache.set("visit", n)
        assert cache.get("visit") == n

    for n in range(20):
        contextvars.Context().run(one_request, n)
    new_connections = admin.info("stats")["total_connections_received"] - received_before
    admin.close()
    # Django's own backend opens one per request here (20); the pool may need one the first time.
    assert new_connections <= 1
