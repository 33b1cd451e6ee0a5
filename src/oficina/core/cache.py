"""Django's Redis cache backend, with one connection pool per process instead of one per request.

Django keeps a cache object per thread and, under ASGI, per request (`django.core.cache.caches` is an
asgiref `Local`), and each object makes its own redis-py connection pool (django/django#18459, still
open). So every request opened a new TCP connection to Redis, paid its handshake, and left the socket to
the garbage collector: the read benchmark counted one connection per request. Here the pools belong to
the process, one per server and set of options, and every cache object borrows from them. redis-py's
pools are thread-safe and grow to the number of threads using them at once.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_pools: dict[tuple[str, str], object] = {}
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options) -> None:
        super().__init__(servers, **options)
        # What besides the server makes a pool different; worked out once, not on every command.
        self._pool_identity = repr((self._pool_class, sorted(self._pool_options.items(), key=str)))

    def _get_connection_pool(self, write: bool):
        server = self._servers[self._get_connection_pool_index(write)]
        key = (server, self._pool_identity)
        pool = _pools.get(key)
        if pool is None:
            with _pools_lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = self._pool_class.from_url(server, **self._pool_options)
        return pool


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
