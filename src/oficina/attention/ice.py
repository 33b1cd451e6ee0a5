"""ICE servers for a live session's WebRTC call (STUN/TURN from settings).

TURN relays media, so it must not be open to anyone: with `ATTENTION_TURN_SECRET` (the TURN server's
shared secret; coturn `use-auth-secret` + `static-auth-secret`) each page gets credentials that expire,
in the coturn "REST API" scheme (draft-uberti-behave-turn-rest):

    username   = "<expiry as a Unix timestamp>:<user id>"
    credential = base64(HMAC-SHA1(secret, username))

The TURN server recomputes the HMAC from its copy of the secret and refuses the username once the
timestamp has passed, so nothing is stored and nothing needs revoking.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from django.conf import settings

__all__ = ["ice_servers", "turn_credentials"]


def turn_credentials(*, secret: str, user_id: Any, ttl: int, now: float | None = None) -> tuple[str, str]:
    """(username, credential) valid for `ttl` seconds from `now` (Unix time; default: the clock)."""
    expiry = int(now if now is not None else time.time()) + int(ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, user: Any, now: float | None = None) -> list[dict[str, Any]]:
    """The `iceServers` list for `RTCPeerConnection`, for this user: STUN URLs as they are, TURN URLs with
    fresh time-limited credentials (only when a TURN secret is set). Empty: host candidates only."""
    servers: list[dict[str, Any]] = []
    stun_urls = list(settings.ATTENTION_STUN_URLS)
    if stun_urls:
        servers.append({"urls": stun_urls})
    turn_urls = list(settings.ATTENTION_TURN_URLS)
    if turn_urls and settings.ATTENTION_TURN_SECRET:
        username, credential = turn_credentials(secret=settings.ATTENTION_TURN_SECRET, user_id=user.pk,
                                                ttl=settings.ATTENTION_TURN_TTL, now=now)
        servers.append({"urls": turn_urls, "username": username, "credential": credential})
    return servers
