"""Fixtures of the personal-file tests: storage in a temporary folder, people of each role, clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from oficina.accounts.models import Role
from oficina.accounts.tests.conftest import (
    CommittingClient,
    make_citizen,
    make_office,
    make_staff,
    make_totp_device,
    sign_in_staff,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    """Every stored file (uploads, sealed PDFs) goes to a folder of this test only."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    settings.CLAMD_SOCKET = ""
    return root


def stored_files(root: Path, folder: str = "casefile") -> list[Path]:
    base = root / folder
    return sorted(path for path in base.rglob("*") if path.is_file()) if base.exists() else []


@pytest.fixture
def client() -> CommittingClient:
    return CommittingClient()


@pytest.fixture
def office():
    return make_office(province_code="47")


@pytest.fixture
def citizen(office):
    return make_citizen(office=office)


@pytest.fixture
def other_citizen(office):
    return make_citizen(document_number="X1234567L", email="eusebio@example.org", first_name="Eusebio", office=office)


@pytest.fixture
def technician(office):
    return make_staff(role=Role.TECHNICIAN, username="tecnica", office=office)


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def staff_client(user, *, steps_ahead: int = 0) -> CommittingClient:
    """A client signed in through the real staff pages (password + TOTP): an OTP-verified session."""
    browser = CommittingClient()
    sign_in_staff(browser, user, make_totp_device(user), steps_ahead=steps_ahead)
    return browser
