"""Refuse request bodies over a limit before Django reads them (ASGI middleware).

Under ASGI, Django spools the whole body to a temporary file before any view or upload handler runs, so
a 2 GB "document" would cost 2 GB of disk and bandwidth before the 10 MB check says no. This refuses it
at the door: by its Content-Length at once, and a body without one (chunked) as soon as it passes the
limit. The limit is the largest upload any form accepts, plus room for the multipart envelope.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from django.conf import settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

ENVELOPE_BYTES = 1024 * 1024
_TOO_LARGE_PAGE = (
    '<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>Archivo demasiado grande</title></head>'
    "<body><main><h1>El archivo es demasiado grande</h1><p>Lo que ha enviado supera el tamaño máximo "
    "permitido. Vuelva atrás y elija un archivo más pequeño.</p></main></body></html>"
).encode()


def max_request_body_bytes() -> int:
    configured = getattr(settings, "MAX_REQUEST_BODY_BYTES", 0)
    if configured:
        return configured
    largest = max(getattr(settings, "UPLOAD_MAX_BYTES", 0), getattr(settings, "VERIFY_MAX_UPLOAD_BYTES", 0))
    return largest + ENVELOPE_BYTES


async def _send_too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(_TOO_LARGE_PAGE)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": _TOO_LARGE_PAGE})


class RequestBodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._max_bytes or max_request_body_bytes()
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_too_large(send)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}  # Django stops reading and abandons the request
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if exceeded and not started:
            await _send_too_large(send)
