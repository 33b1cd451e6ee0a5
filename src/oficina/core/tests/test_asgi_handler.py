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
from django.core.signals import request_started
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from oficina.core.asgi_handler import ThreadSetASGIHandler

pytestmark = pytest.mark.asyncio

_lock = threading.Lock()
_state = {"active": 0, "most": 0}
_started_on: dict[int, str] = {}  # id(scope) → thread that ran request_started


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


urlpatterns = [path("busy/", _busy), path("upload/", csrf_exempt(_busy)), path("publish/", _publish)]


def _record_start(sender, scope=None, **kwargs) -> None:
    if scope is not None:
        _started_on[id(scope)] = threading.current_thread().name


@pytest.fixture
def handler(settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    request_started.connect(_record_start)
    _state.update(active=0, most=0)
    yield ThreadSetASGIHandler(threads=2)
    request_started.disconnect(_record_start)


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
