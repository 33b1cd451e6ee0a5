"""Fixtures and helpers for the accounts tests: accounts of each role, TOTP codes, sign-in steps, audit checks."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from oficina.accounts.models import Role, User
from oficina.core.models import AuditRecord
from oficina.offices.models import Office, Province

PASSWORD = "Trigo-Meseta-2024"
STAFF_PASSWORD = "Despacho-Ecyl-2024"


class CommittingClient(Client):
    """A test client whose requests end like real ones: the `transaction.on_commit` callbacks registered
    while handling a request (mail with one-time codes) run when it returns. Outside tests there is no
    surrounding transaction, so they run when the service's transaction commits."""

    def request(self, **request: Any):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client() -> CommittingClient:
    return CommittingClient()


@pytest.fixture
def other_client() -> CommittingClient:
    return CommittingClient()


_numbers = itertools.count(1)


PROVINCE_NAMES = {"05": "Ávila", "09": "Burgos", "24": "León", "34": "Palencia", "37": "Salamanca",
                  "40": "Segovia", "42": "Soria", "47": "Valladolid", "49": "Zamora"}


def province(code: str) -> Province:
    """Migration 0002 creates the provinces; transactional tests (browser) start with empty tables."""
    return Province.objects.get_or_create(code=code, defaults={"name": PROVINCE_NAMES[code]})[0]


def make_office(*, province_code: str = "47", postal_codes_served: str = "") -> Office:
    number = next(_numbers)
    return Office.objects.create(
        code=f"ACC-{number}", name=f"Oficina de pruebas {number}", province=province(province_code),
        municipality="Valladolid", postal_codes_served=postal_codes_served,
    )


def make_citizen(
    *, document_number: str = "12345678Z", email: str = "maria@example.org", confirmed: bool = True, **fields: Any
) -> User:
    values: dict[str, Any] = {
        "username": document_number,
        "document_number": document_number,
        "role": Role.CITIZEN,
        "first_name": "María",
        "last_name": "García López",
        "email": email,
        "phone": "+34612345678",
        "postal_code": "47001",
        "date_of_birth": date(1970, 5, 14),
        "email_confirmed_at": timezone.now() if confirmed else None,
        **fields,
    }
    user = User(**values)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_staff(*, role: str = Role.TECHNICIAN, username: str = "tecnica", office: Office | None = None, **fields: Any) -> User:
    if role == Role.TECHNICIAN and office is None:
        office = make_office()
    user = User(username=username, role=role, office=office, first_name="Lucía", last_name="Martín",
                email=f"{username}@example.org", **fields)
    user.set_password(STAFF_PASSWORD)
    user.save()
    return user


def make_totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Teléfono", confirmed=True)


def totp_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the app shows now (or `steps_ahead` 30-second steps later: a code is accepted only once,
    so a second sign-in in the same step needs the next one, which the device's tolerance accepts)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):0{device.digits}d}"


def audited(event: str, *, result: str | None = None, target: User | None = None):
    records = AuditRecord.objects.filter(event=event)
    if result is not None:
        records = records.filter(result=result)
    if target is not None:
        records = records.filter(target_type="accounts.user", target_id=str(target.pk))
    return records


def citizen_password_step(client: Client, user: User, password: str = PASSWORD):
    return client.post("/cuenta/acceso/contrasena/", {"username": user.document_number, "password": password})


def sign_in_citizen(client: Client, mailbox, user: User, password: str = PASSWORD) -> None:
    """Both factors through the real pages; the code comes from the real SMTP server."""
    before = len(mailbox.to(user.email))
    response = citizen_password_step(client, user, password)
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/codigo/", response
    code = mailbox.last_code(user.email, count=before + 1)
    response = client.post("/cuenta/acceso/codigo/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/cuenta/", response


def sign_in_staff(client: Client, user: User, device: TOTPDevice, *, steps_ahead: int = 0) -> None:
    response = client.post("/personal/acceso/", {"username": user.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/personal/acceso/totp/", response
    response = client.post("/personal/acceso/totp/", {"code": totp_code(device, steps_ahead=steps_ahead)})
    assert response.status_code == 302 and response["Location"] == "/personal/", response
