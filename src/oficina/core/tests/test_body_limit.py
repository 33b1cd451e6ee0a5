"""Bodies over the limit are refused before Django reads them: by Content-Length, or mid-stream."""

from __future__ import annotations

import pytest
from asgiref.testing import ApplicationCommunicator

from oficina.conf.asgi import application
from oficina.core.body_limit import RequestBodyLimit, max_request_body_bytes

pytestmark = pytest.mark.asyncio


def _scope(content_length: int | None, path: str = "/expediente/subir/") -> dict:
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/octet-stream")]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


async def _recording_app(scope, receive, send):
    """Reads the whole body like Django does, then answers 200 with how many bytes it saw."""
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(seen).encode()})


async def _run(app, scope, chunks: list[bytes]) -> list[dict]:
    communicator = ApplicationCommunicator(app, scope)
    for index, chunk in enumerate(chunks):
        await communicator.send_input({"type": "http.request", "body": chunk,
                                       "more_body": index < len(chunks) - 1})
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    await communicator.wait(5)
    return [start, body]


async def test_declared_length_over_the_limit_gets_413_without_calling_the_app():
    called = []

    async def app(scope, receive, send):
        called.append(scope)

    communicator = ApplicationCommunicator(RequestBodyLimit(app, max_bytes=100), _scope(101))
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    assert start["status"] == 413 and "demasiado grande" in body["body"].decode()
    assert called == []


async def test_streamed_body_over_the_limit_is_cut_and_refused():
    start, body = await _run(RequestBodyLimit(_recording_app, max_bytes=100), _scope(None), [b"x" * 60] * 3)
    assert start["status"] == 413


async def test_bodies_within_the_limit_pass_untouched():
    start, body = await _run(RequestBodyLimit(_recording_app, max_bytes=100), _scope(None), [b"x" * 50] * 2)
    assert (start["status"], body["body"]) == (200, b"100")


async def test_the_served_application_applies_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    too_big = max_request_body_bytes() + 1
    communicator = ApplicationCommunicator(application, _scope(too_big))
    start = await communicator.receive_output(5)
    assert start["status"] == 413
