"""The real ASGI application (HTTP and WebSocket) served by uvicorn on 127.0.0.1, for browser tests.

One server runs for the whole session (`asgi_live_server`); each test that asks for `live_server_url` gets
the `transactional_db` fixture with it, so rows the test writes are committed and visible to the
server's threads, and the tables are emptied after the test. Settings changed with pytest-django's
`settings` fixture apply to the server too (it runs in the same process), except those Django reads
once when the application starts, such as MIDDLEWARE.

The server's threads open their own connections to the test database (Django closes them at the
end of each request) and see what the test committed:
- SQLite: the test database is a file (conf/test.py), not Django's default shared-cache in-memory
  database, whose table locks fail at once ("database table is locked") as soon as two threads
  write together, e.g. two browser pages, or a request while the test thread writes. A file
  database waits for the lock instead (WAL, 20 s timeout).
- PostgreSQL: nothing special.

Static files are served by Django's `ASGIStaticFilesHandler` from the finders (no `collectstatic`),
wrapped around the application for HTTP only; WebSocket scopes go straight to the Channels router.

    def test_health(live_server_url):
        with urllib.request.urlopen(f"{live_server_url}/healthz") as response:
            assert json.load(response) == {"database": "ok", "channel_layer": "ok"}
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

__all__ = ["LiveServer", "asgi_live_server", "live_server_url"]

_HOST = "127.0.0.1"
_START_TIMEOUT_SECONDS = 15.0
_STOP_TIMEOUT_SECONDS = 15.0


@dataclass
class LiveServer:
    """uvicorn serving an ASGI application from a background thread, on a port chosen by the OS."""

    application: object
    host: str = _HOST

    def __post_init__(self) -> None:
        # Bind here, not in uvicorn: the port is known (and ours) before the thread starts.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((self.host, 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.application,
            lifespan="off",  # Django and Channels have no lifespan protocol
            log_level="warning",
            access_log=False,
            ws_per_message_deflate=False,  # as in production (see README, design notes)
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="live-server", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the live server thread exited while starting; see the log above")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the live server did not start within {_START_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask uvicorn to finish (it closes connections, then the loop) and wait for the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(_STOP_TIMEOUT_SECONDS)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(_STOP_TIMEOUT_SECONDS)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("the live server thread did not stop")


def _application():
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from oficina.conf.asgi import application

    return ASGIStaticFilesHandler(application)


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup) -> Iterator[LiveServer]:
    """The session's server. Tests use `live_server_url`, which also gives them the database.
    (Not named `live_server`: that is pytest-django's WSGI server, which has no WebSocket.)"""
    server = LiveServer(_application())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server_url(asgi_live_server: LiveServer, transactional_db) -> str:
    """Base URL (no trailing slash) of the live server, with this test's data visible to it."""
    return asgi_live_server.url
