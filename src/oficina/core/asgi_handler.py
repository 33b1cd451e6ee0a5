"""Django's ASGI handler with a fixed set of long-lived request threads.

Django's own ASGI handler runs each request's synchronous part (our middleware and views are all
synchronous) in a thread created for that request, and hops between the event loop and that thread
once per middleware. Under load that costs about as much CPU as the view itself: a new thread, a new
database connection from the pool and a GIL hand-over per hop, for every request (bench/booking.py
measured 13 ms of server CPU per booking attempt against 5 ms for the same requests one at a time).

Here the middleware chain is loaded in synchronous mode and runs in one hop, on a thread borrowed from
a fixed set for the whole request (asgiref's `ThreadSensitiveContext(executor=...)`), so the request's
database connection stays on one thread from `request_started` to `request_finished` (and, with
CONN_MAX_AGE and no pool, between requests too, as under WSGI). Requests beyond the set wait in a queue
on the event loop, which costs nothing, instead of all competing for the GIL. `async_to_sync` calls
made by views (publishing to the channel layer) still run on the server's event loop. WebSockets are
untouched: Channels consumers keep their own single database thread.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.http import FileResponse, HttpRequest, HttpResponseBase


class ThreadSetASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        super().__init__()
        self.load_middleware(is_async=False)  # the whole chain in one hop, on the borrowed thread
        self._executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"http-{n}") for n in range(threads)]
        self._idle: asyncio.Queue[ThreadPoolExecutor] | None = None
        self._idle_loop: asyncio.AbstractEventLoop | None = None

    def _idle_executors(self) -> asyncio.Queue[ThreadPoolExecutor]:
        """The queue of free threads, made in the running loop (a test may run several loops in turn)."""
        loop = asyncio.get_running_loop()
        if self._idle is None or self._idle_loop is not loop:
            self._idle, self._idle_loop = asyncio.Queue(), loop
            for executor in self._executors:
                self._idle.put_nowait(executor)
        return self._idle

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            # The body first, on the event loop: an upload from a slow phone connection may take minutes,
            # and must not hold one of the few threads meanwhile.
            body_file = await super().read_body(receive)
        except RequestAborted:
            return
        idle = self._idle_executors()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, _BodyAlreadyRead(receive, body_file), send)
        finally:
            idle.put_nowait(executor)

    async def read_body(self, receive: Any) -> Any:
        if isinstance(receive, _BodyAlreadyRead):
            return receive.body_file
        return await super().read_body(receive)

    async def run_get_response(self, request: HttpRequest) -> HttpResponseBase:
        response = await sync_to_async(self.get_response)(request)  # thread-sensitive: the borrowed thread
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # as Django's: the server does the low-level chunking
        return response


class _BodyAlreadyRead:
    """The connection's `receive`, with the body already read into `body_file` (see `__call__`); Django
    still listens on it for the client going away."""

    def __init__(self, receive: Any, body_file: Any) -> None:
        self.receive, self.body_file = receive, body_file

    async def __call__(self) -> dict[str, Any]:
        return await self.receive()
