"""Django's ASGI handler with a fixed set of long-lived request threads.

Django's own ASGI handler runs each request's synchronous part (our middleware and views are all
synchronous) in a thread created for that request, and hops between the event loop and that thread
once per middleware. Under load that costs about as much CPU as the view itself: a new thread, a new
database connection from the pool and a GIL hand-over per hop, for every request (bench/booking.py
measured 13 ms of server CPU per booking attempt against 5 ms for the same requests one at a time).

Here the middleware chain is loaded in synchronous mode, and the whole synchronous part of a request
(request_started, middleware and view, rendering, request_finished) runs in one hop, on a thread
borrowed from a fixed set (asgiref's `ThreadSensitiveContext(executor=...)`), so the request's database
connection stays on one thread from `request_started` to `request_finished` (and, with CONN_MAX_AGE and
no pool, between requests too, as under WSGI). Django's handler takes three hops and two tasks per
request; one hop took the server's CPU per page from 4.5 to 3.2 ms (bench/booking.py's read, one client).
The most recently freed thread serves next (last in, first out): on a quiet server one thread does all
the work and keeps the processor's caches warm. Requests beyond the set wait in a queue on the event
loop, which costs nothing, instead of all competing for the GIL. The thread is given back before the
response is sent, so a slow client holds only its socket (a file is read whole first, as Django's own
handler does; an asynchronous stream is the exception, sent while holding the thread, stopped if the
client goes away, and closed afterwards). `async_to_sync` calls made by
views (publishing to the channel layer) still run on the server's event loop. WebSockets are untouched:
Channels consumers keep their own single database thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix


class ThreadSetASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        super().__init__()
        self.load_middleware(is_async=False)  # the whole chain in one hop, on the borrowed thread
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}") for n in range(threads)]
        self._idle: asyncio.LifoQueue[ThreadPoolExecutor] | None = None
        self._idle_loop: asyncio.AbstractEventLoop | None = None

    def _idle_executors(self) -> asyncio.LifoQueue[ThreadPoolExecutor]:
        """The queue of free threads, made in the running loop (a test may run several loops in turn)."""
        loop = asyncio.get_running_loop()
        if self._idle is None or self._idle_loop is not loop:
            self._idle, self._idle_loop = asyncio.LifoQueue(), loop
            for executor in self._executors:
                self._idle.put_nowait(executor)
        return self._idle

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            # The body first, on the event loop: an upload from a slow phone connection may take minutes,
            # and must not hold one of the few threads meanwhile.
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        idle = self._idle_executors()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                response, start, parts = await sync_to_async(self._respond)(scope, body_file)
                if start is None:  # an asynchronous stream (none of our views makes one): sent holding the thread
                    await self._stream(response, receive, send)
                    return
        finally:
            idle.put_nowait(executor)
            body_file.close()
        # The thread is free again before the bytes go out: a phone on a slow line taking a minute over
        # a 5 MB document holds only its socket, as a slow upload does.
        await send(start)
        for number, part in enumerate(parts, start=1):
            await send({"type": "http.response.body", "body": part, "more_body": number < len(parts)})

    def _respond(self, scope: dict[str, Any], body_file: Any) -> tuple[HttpResponseBase, dict | None, list[bytes]]:
        """On the borrowed thread, in one go: what Django's `handle` does in three hops (request_started,
        the middleware chain and view, request_finished), and the response's bytes. The response is
        closed here, so the database connection goes back to the pool before anything is sent. A file
        (a synchronous stream) is read whole, as Django's handler also does under ASGI; an asynchronous
        stream is returned open, to be sent from the loop and closed afterwards."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size  # as Django's: the server does the low-level chunking
        if response.streaming and response.is_async:
            return response, None, []
        start = {"type": "http.response.start", "status": response.status_code,
                 "headers": _encoded_headers(response)}
        try:
            parts = list(response.streaming_content) if response.streaming else [response.content]
        finally:
            response.close()
        return response, start, parts or [b""]

    async def _stream(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """A streaming response, as Django sends it: stopped if the client goes away meanwhile."""
        tasks = [asyncio.create_task(self.listen_for_disconnect(receive)),
                 asyncio.create_task(self.send_response(response, send))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if not task.done():
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        pass
                elif not task.cancelled() and not isinstance(task.exception(), (RequestAborted, AssertionError)):
                    task.result()  # an error while streaming; a client that went away is not one
        finally:
            await sync_to_async(response.close)()


def _encoded_headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """The response's headers and cookies as ASGI wants them (as Django's `send_response` encodes them)."""
    headers = [(name.encode("ascii") if isinstance(name, str) else bytes(name),
                value.encode("latin1") if isinstance(value, str) else bytes(value))
               for name, value in response.items()]
    headers += [(b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
                for cookie in response.cookies.values()]
    return headers
