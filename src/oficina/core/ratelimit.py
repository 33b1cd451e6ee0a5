"""A fixed-window rate limit kept in Django's cache (Redis when REDIS_URL is set, see conf/base.py).

    if not ratelimit.allow("verify_lookup", client_ip, limit=20, window_seconds=600):
        ...answer 429

The first hit of a window creates its counter with the window as timeout (`cache.add`), later hits
increment it atomically (`cache.incr`), so concurrent requests never lose a count.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from oficina.core import request_context

__all__ = ["allow", "client_key", "hits", "reset"]


def _key(scope: str, identity: str, window_seconds: int) -> str:
    window = int(time.time()) // window_seconds
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]  # no raw IPs in cache keys
    return f"ratelimit:{scope}:{window_seconds}:{window}:{digest}"


def allow(scope: str, identity: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit of `identity` in `scope`; False once it is over `limit` in the current window."""
    key = _key(scope, identity, window_seconds)
    if cache.add(key, 1, timeout=window_seconds + 1):
        return 1 <= limit
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit


def hits(scope: str, identity: str, *, window_seconds: int) -> int:
    return int(cache.get(_key(scope, identity, window_seconds)) or 0)


def reset(scope: str, identity: str, *, window_seconds: int) -> None:
    cache.delete(_key(scope, identity, window_seconds))


def client_key(request: HttpRequest) -> str:
    """Who is asking, for rate limits: the client IP (behind PROXY_COUNT trusted proxies)."""
    return request_context.current().ip or request.META.get("REMOTE_ADDR") or "unknown"
