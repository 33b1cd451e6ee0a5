"""Helpers for the waiting-room and console tests (part "queue"): services, citizens, technicians with an
OTP-verified session, times inside opening hours."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from oficina.accounts.models import Role, User
from oficina.accounts.tests.conftest import make_citizen, make_office, make_staff, make_totp_device
from oficina.appointments.models import Service
from oficina.attention import services
from oficina.attention.models import Presence
from oficina.core.calendar import MADRID

_numbers = itertools.count(1)

#: A Monday, 10:00 in Madrid: inside the default opening hours, not a holiday.
OPEN_NOW = datetime(2026, 3, 23, 10, 0, tzinfo=MADRID)


def document_number(n: int) -> str:
    number = 20_000_000 + n
    return f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def new_citizen(**fields: Any) -> User:
    n = next(_numbers)
    return make_citizen(document_number=document_number(n), email=f"ciudadano{n}@example.org", **fields)


def new_service(slug: str = "orientacion", name: str = "Orientación laboral", minutes: int = 20) -> Service:
    return Service.objects.update_or_create(slug=slug, defaults={
        "name": name, "duration_minutes": minutes, "allows_office": True, "allows_video": True,
        "is_active": True})[0]


def verified(user: User) -> User:
    """What django-otp's middleware gives a staff user who passed the TOTP step (services ask for it)."""
    user.is_verified = lambda: True
    return user


def new_technician(*, office: Any = None, online: bool = False, services_: list[Service] | None = None,
                   now: datetime | None = None) -> User:
    n = next(_numbers)
    user = verified(make_staff(role=Role.TECHNICIAN, username=f"tecnico{n}", office=office or make_office()))
    if online:
        services.presence_set(technician=user, status=Presence.Status.ONLINE, services=services_ or [], now=now)
    return user


def login_citizen(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def login_technician(client: Client, user: User) -> Client:
    """Signed in with a confirmed TOTP device stored in the session, as after the real TOTP step."""
    device = make_totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def always_open(settings):
    """The waiting room open whatever the test's real clock says."""
    settings.ATTENTION_OPENING_DAYS = list(range(7))
    settings.ATTENTION_OPENS, settings.ATTENTION_CLOSES = "00:00", "24:00"
    settings.ATTENTION_OPEN_ON_HOLIDAYS = True
    return settings
