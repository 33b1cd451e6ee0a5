"""Two server processes sharing the Redis channel layer: the citizen's waiting-room WebSocket is on one,
the technician's "Llamar al siguiente" goes through the other, and the call still reaches the citizen.

Runs when REDIS_URL is set (CI's PostgreSQL + Redis pass); both uvicorn processes use this test's
database (PostgreSQL, or the SQLite test file) and read the sessions the test created.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import websockets
from django.conf import settings
from django.db import connection
from django.test import Client

from bench.server import serve_process, server_env
from oficina.attention import services
from oficina.attention.models import Ticket

from .queue_fixtures import always_open, login_citizen, login_technician, new_citizen, new_service, new_technician  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("always_open"),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the Redis channel layer)"),
]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db.get("USER") or "")
    password = (":" + urllib.parse.quote(db["PASSWORD"])) if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _env(tmp_path: Path) -> dict[str, str]:
    env = server_env(tmp_path / "unused.sqlite3")
    env.update({
        "DATABASE_URL": _database_url(), "REDIS_URL": os.environ["REDIS_URL"],
        "ATTENTION_OPENING_DAYS": "0,1,2,3,4,5,6", "ATTENTION_OPENS": "00:00", "ATTENTION_CLOSES": "24:00",
        "ATTENTION_OPEN_ON_HOLIDAYS": "1", "SECRET_KEY": settings.SECRET_KEY,
    })
    return env


def _post(port: int, path: str, session_key: str) -> int:
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret in the form
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=f"csrfmiddlewaretoken={csrf}".encode(), method="POST",
        headers={"Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                 "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_call_through_one_process_reaches_the_citizen_on_the_other(tmp_path):
    service = new_service()
    technician = new_technician(online=True)
    citizen = new_citizen()
    ticket = services.ticket_take(citizen=citizen, service=service)
    citizen_key = login_citizen(Client(), citizen).cookies["sessionid"].value
    technician_key = login_technician(Client(), technician).cookies["sessionid"].value
    env = _env(tmp_path)

    with serve_process("oficina.conf.asgi:application", env) as (port_a, _a), \
            serve_process("oficina.conf.asgi:application", env) as (port_b, _b):

        async def scenario() -> dict:
            async with websockets.connect(f"ws://127.0.0.1:{port_a}/ws/atencion/sala/",
                                          origin=f"http://127.0.0.1:{port_a}",
                                          additional_headers={"Cookie": f"sessionid={citizen_key}"},
                                          open_timeout=20) as socket:
                first = json.loads(await asyncio.wait_for(socket.recv(), 20))
                assert first["type"] == "waiting.position" and first["position"] == 1, first
                status = await asyncio.to_thread(_post, port_b, "/atencion/puesto/llamar/", technician_key)
                assert status == 302, status
                while True:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 20))
                    if message["type"] == "waiting.called":
                        return message

        called = asyncio.run(scenario())
    assert called["ticket"] == ticket.number and called["answer_url"] == "/atencion/sala/responder/"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED and ticket.technician == technician
