"""An ASGI app that answers with the id of the process serving it (test_serve.py)."""

import os


async def app(scope, receive, send):
    assert scope["type"] == "http"
    body = str(os.getpid()).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
