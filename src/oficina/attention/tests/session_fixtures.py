"""Helpers of the live-session tests (part "session"): a session between a citizen and a technician, and
signed-in WebSocket communicators for either side."""

from __future__ import annotations

import itertools
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from oficina.accounts.constants import PASSWORD_BACKEND
from oficina.accounts.models import User
from oficina.accounts.tests.conftest import make_citizen, make_totp_device
from oficina.appointments.tests.conftest import make_service, make_technician
from oficina.attention.models import AttentionSession, Ticket

_numbers = itertools.count(1)


def make_live_session(*, mode: str = "video", citizen: User | None = None, technician: User | None = None,
                      ended: bool = False) -> AttentionSession:
    """A session in progress, written straight to the database (the queue's pages are tested elsewhere)."""
    number = next(_numbers)
    service = make_service(slug="orientacion-en-directo", name="Orientación en directo")
    citizen = citizen or make_citizen(document_number=f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}",
                                      email=f"persona{number}@example.org", first_name="Ana")
    technician = technician or make_technician(username=f"tecnico.vivo{number}")
    now = timezone.now()
    ticket = Ticket.objects.create(number=f"V-{number:03d}", day=timezone.localdate(), sequence=number,
                                   service=service, citizen=citizen, mode=mode,
                                   status=Ticket.Status.FINISHED if ended else Ticket.Status.IN_SESSION,
                                   created_at=now, called_at=now, last_seen_at=now, technician=technician)
    return AttentionSession.objects.create(ticket=ticket, citizen=citizen, technician=technician, service=service,
                                           mode=mode, started_at=now, ended_at=now if ended else None)


def session_cookie(user: User, *, otp: bool = True) -> str:
    """A signed-in Django session for `user` (staff: TOTP-verified unless otp=False); the cookie header."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = PASSWORD_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.is_staff_member and otp:
        store[DEVICE_ID_SESSION_KEY] = make_totp_device(user).persistent_id
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def communicator(token: str, cookie: str | None, *, instance: str = "") -> WebsocketCommunicator:
    from oficina.conf.asgi import application

    headers: list[tuple[bytes, bytes]] = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    path = f"/ws/atencion/sesion/{token}/" + (f"?i={instance}" if instance else "")
    return WebsocketCommunicator(application, path, headers=headers)


async def receive_until(communicator: WebsocketCommunicator, wanted: str, *, timeout: float = 5) -> dict[str, Any]:
    """The next message of type `wanted`, skipping others (presence, sync markers)."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message.get("type") == wanted:
            return message
