"""Fixtures for the registry tests: people, offices, receipts, PDF text, an isolated cache (rate limits)."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from io import BytesIO

import pytest
from django.test import Client, TestCase

from oficina.accounts.models import Role, User
from oficina.offices.models import Office, Province
from oficina.registry.services import EntryFile

_numbers = itertools.count(1)
_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


class CommittingClient(Client):
    """Requests end like real ones: on_commit callbacks run when the request returns."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client() -> CommittingClient:
    return CommittingClient()


@pytest.fixture(autouse=True)
def _isolated_cache(settings) -> None:
    """Each test counts its rate limits from zero, in memory (never in a shared Redis)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"registry-test-{uuid.uuid4().hex}"}}


def make_office(*, province_code: str = "24") -> Office:
    number = next(_numbers)
    province, _ = Province.objects.get_or_create(code=province_code, defaults={"name": "León"})
    return Office.objects.create(code=f"REG-{number}-{uuid.uuid4().hex[:4]}", name=f"Oficina de León {number}",
                                 province=province, municipality="León")


def make_citizen(*, office: Office | None = None, first_name: str = "María José",
                 last_name: str = "Peñalba Ibáñez") -> User:
    digits = 10_000_000 + next(_numbers) * 7919 + uuid.uuid4().int % 1_000_000
    dni = f"{digits}{_DNI_LETTERS[digits % 23]}"
    return User.objects.create_user(username=dni, document_number=dni, role=Role.CITIZEN, office=office,
                                    first_name=first_name, last_name=last_name)


def make_technician(*, office: Office) -> User:
    return User.objects.create_user(username=f"tecnico{next(_numbers)}-{uuid.uuid4().hex[:4]}",
                                    role=Role.TECHNICIAN, office=office, first_name="Luis", last_name="Técnico")


def entry_file(name: str = "contrato.pdf", content: bytes = b"%PDF-1.4 contenido", content_type: str = "application/pdf") -> EntryFile:
    return EntryFile(name=name, size=len(content), sha256=hashlib.sha256(content).hexdigest(), content_type=content_type)


def pdf_text(data: bytes) -> list[str]:
    """The text of each page (pypdf)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages]


def squeeze(text: str) -> str:
    """Without any whitespace: long words wrap across lines in the PDF."""
    return "".join(text.split())


@pytest.fixture
def office(db) -> Office:
    return make_office()


@pytest.fixture
def citizen(db, office) -> User:
    return make_citizen(office=office)
