"""Who is asking and from where, for code that runs below the view (audit records, mostly).

Set by `RequestContextMiddleware` for HTTP and by consumers for WebSocket; read by `core.audit`.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "oficina_request_context", default=RequestContext()
)


def current() -> RequestContext:
    return _current.get()


def activate(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def deactivate(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)


def client_ip(meta: dict, proxy_count: int | None) -> str | None:
    """The caller's IP: REMOTE_ADDR, or the right entry of X-Forwarded-For behind N trusted proxies."""
    if proxy_count:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxy_count:
            return forwarded[-proxy_count]
    return meta.get("REMOTE_ADDR") or None
