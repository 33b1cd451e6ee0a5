"""HTTP requests run on a fixed set of long-lived threads (core/asgi_handler.py), each request wholly on
one thread (signals, middleware, view: the database connection belongs to a thread), never more at once
than the set, and a view's `async_to_sync` still reaches the server's event loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.core.signals import request_finished, request_started
from django.http import FileResponse, HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from oficina.core.asgi_handler import ThreadSetASGIHandler

pytestmark = pytest.mark.asyncio

_lock = threading.Lock()
_state = {"active": 0, "most": 0}
_started_on: dict[int, str] = {}  # id(scope) → thread that ran request_started
_finished: list[str] = []  # threads that ran request_finished, in order
_streamed: list[int] = []  # parts of the streaming view produced so far


def _busy(request: HttpRequest) -> JsonResponse:
    with _lock:
        _state["active"] += 1
        _state["most"] = max(_state["most"], _state["active"])
    time.sleep(0.05)  # stands for a slow query, so that requests overlap if the handler lets them
    with _lock:
        _state["active"] -= 1
    return JsonResponse({"thread": threading.current_thread().name,
                         "started_on": _started_on.get(id(request.scope))})


def _publish(request: HttpRequest) -> JsonResponse:
    async_to_sync(get_channel_layer().send)(request.GET["channel"], {"type": "test.published"})
    return JsonResponse({"ok": True})


def _stream(request: HttpRequest) -> StreamingHttpResponse:
    async def parts():  # asynchronous: Django reads a synchronous one whole before sending any of it
        for n in range(int(request.GET.get("parts", "3"))):
            if request.GET.get("fail_at") == str(n):
                raise OSError("the file's storage went away")
            _streamed.append(n)
            yield f"part {n};".encode()
            await asyncio.sleep(0)

    return StreamingHttpResponse(parts(), content_type="text/plain")


def _file(request: HttpRequest) -> FileResponse:
    return FileResponse(open(__file__, "rb"), content_type="text/plain")


def _fail(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("a bug in a view")


urlpatterns = [path("busy/", _busy), path("upload/", csrf_exempt(_busy)), path("publish/", _publish),
               path("stream/", _stream), path("file/", _file), path("fail/", _fail)]


def _record_start(sender, scope=None, **kwargs) -> None:
    if scope is not None:
        _started_on[id(scope)] = threading.current_thread().name


def _record_finish(sender, **kwargs) -> None:
    _finished.append(threading.current_thread().name)


@pytest.fixture
def handler(settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    request_started.connect(_record_start)
    request_finished.connect(_record_finish)
    _state.update(active=0, most=0)
    _finished.clear()
    _streamed.clear()
    yield ThreadSetASGIHandler(threads=2)
    request_started.disconnect(_record_start)
    request_finished.disconnect(_record_finish)


def _scope(path_: str, query: bytes = b"") -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path_, "raw_path": path_.encode(), "query_string": query, "root_path": "",
            "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}


async def _get(handler, path_: str, query: bytes = b"") -> tuple[int, dict]:
    communicator = ApplicationCommunicator(handler, _scope(path_, query))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=10)
    body = await communicator.receive_output(timeout=10)
    await communicator.wait(timeout=10)
    return start["status"], json.loads(body["body"])


async def test_requests_share_a_fixed_set_of_threads_one_thread_per_request(handler):
    answers = await asyncio.gather(*(_get(handler, "/busy/") for _ in range(6)))

    assert {status for status, _ in answers} == {200}
    threads = {body["thread"] for _, body in answers}
    assert threads <= {"http-0_0", "http-1_0"}, threads  # ThreadPoolExecutor names its worker <prefix>_0
    assert all(body["started_on"] == body["thread"] for _, body in answers)  # signals ran on the same thread
    assert len(_finished) == 6 and set(_finished) <= threads  # request_finished too: the connection goes back
    assert _state["most"] == 2  # the two threads overlapped, and the other four requests waited their turn


async def test_a_view_publishing_with_async_to_sync_reaches_the_server_loop(handler):
    layer = get_channel_layer()
    channel = await layer.new_channel()

    status, _ = await _get(handler, "/publish/", f"channel={channel}".encode())

    assert status == 200
    assert (await asyncio.wait_for(layer.receive(channel), 5))["type"] == "test.published"


async def test_a_slow_upload_holds_no_thread_while_its_body_arrives(settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    handler = ThreadSetASGIHandler(threads=1)
    upload = ApplicationCommunicator(handler, {**_scope("/upload/"), "method": "POST"})
    await upload.send_input({"type": "http.request", "body": b"first part", "more_body": True})
    for _ in range(1000):  # until the handler has taken the first part (it is then waiting for the rest)
        if upload.input_queue.empty():
            break
        await asyncio.sleep(0.001)
    assert upload.input_queue.empty()

    status, _ = await _get(handler, "/busy/")  # the only thread is free: answered while the upload goes on

    assert status == 200
    await upload.send_input({"type": "http.request", "body": b", last part", "more_body": False})
    assert (await upload.receive_output(timeout=10))["status"] == 200
    await upload.receive_output(timeout=10)
    await upload.wait(timeout=10)


async def test_a_streaming_response_is_sent_whole_and_closed_after_its_last_part(handler):
    status, body = await _raw(handler, "/stream/", scope=_scope("/stream/", b"parts=3"))

    assert status == 200
    assert body == b"part 0;part 1;part 2;"
    assert len(_finished) == 1  # closed (request_finished) once, after the stream


async def test_a_client_leaving_mid_stream_stops_the_stream_and_still_closes_the_response(handler):
    communicator = ApplicationCommunicator(handler, _scope("/stream/", b"parts=100000"))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    assert (await communicator.receive_output(timeout=10))["status"] == 200
    await communicator.receive_output(timeout=10)  # the first part

    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(timeout=10)

    assert len(_streamed) < 100000  # stopped, not produced to the end for nobody
    assert len(_finished) == 1


async def test_a_view_error_is_a_500_page_and_the_thread_is_given_back(handler):
    status, body = await _raw(handler, "/fail/")
    assert status == 500
    assert len(_finished) == 1

    statuses = [status for status, _ in await asyncio.gather(*(_get(handler, "/busy/") for _ in range(3)))]
    assert statuses == [200, 200, 200]  # both threads still serve


async def test_an_undecodable_query_string_is_a_400_without_reaching_a_view(handler):
    status, _ = await _raw(handler, "/busy/", scope=_scope("/busy/", b"q=\xff"))  # not UTF-8

    assert status == 400
    assert _state["most"] == 0
    statuses = [status for status, _ in await asyncio.gather(*(_get(handler, "/busy/") for _ in range(3)))]
    assert statuses == [200, 200, 200]


async def _raw(handler, path_: str, scope: dict | None = None) -> tuple[int, bytes]:
    """GET: (status, the whole body, however many messages it came in)."""
    communicator = ApplicationCommunicator(handler, scope or _scope(path_))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(timeout=10)
    body = b""
    while True:
        message = await communicator.receive_output(timeout=10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)
    return start["status"], body


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")  # Django's own
async def test_a_file_is_sent_whole_and_closed(handler):
    status, body = await _raw(handler, "/file/")

    assert status == 200
    assert body == open(__file__, "rb").read()
    assert len(_finished) == 1


async def test_a_stream_that_fails_midway_is_an_error_and_the_response_is_still_closed(handler):
    communicator = ApplicationCommunicator(handler, _scope("/stream/", b"parts=5&fail_at=2"))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    assert (await communicator.receive_output(timeout=10))["status"] == 200

    with pytest.raises(OSError):  # to the server, which logs it and drops the connection
        await communicator.wait(timeout=10)

    assert _streamed == [0, 1]
    assert len(_finished) == 1


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
async def test_a_slow_download_holds_no_thread_while_its_bytes_go_out(settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    handler = ThreadSetASGIHandler(threads=1)
    sending, phone_caught_up = asyncio.Event(), asyncio.Event()
    received: list[bytes] = []

    async def receive() -> dict:
        if not received:
            received.append(b"")
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the phone stays connected
        return {"type": "http.disconnect"}

    async def slow_send(message: dict) -> None:  # as uvicorn's send waits while the socket's buffer is full
        if message["type"] == "http.response.body":
            sending.set()
            await phone_caught_up.wait()
            received.append(message["body"])

    download = asyncio.create_task(handler(_scope("/file/"), receive, slow_send))
    await asyncio.wait_for(sending.wait(), 10)

    status, _ = await asyncio.wait_for(_get(handler, "/busy/"), 10)  # the only thread serves meanwhile

    assert status == 200
    phone_caught_up.set()
    await asyncio.wait_for(download, 10)
    assert b"".join(received) == open(__file__, "rb").read()
