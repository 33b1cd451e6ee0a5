"""Reference for the HTTP benchmark: the smallest ASGI app uvicorn can serve (no Django)."""


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"41")]})
    await send({"type": "http.response.body", "body": b'{"database": "ok", "channel_layer": "ok"}'})
