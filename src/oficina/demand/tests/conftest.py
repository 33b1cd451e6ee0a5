"""Fixtures for the demand tests: a citizen, an office serving their postal code, a technician, a profile."""

from __future__ import annotations

from io import BytesIO

import pytest

from oficina.accounts.tests.conftest import make_citizen, make_office, make_staff
from oficina.demand.services import DemandProfile

__all__ = ["make_citizen", "make_office", "make_staff", "pdf_text", "profile", "squeeze"]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def profile(**overrides) -> DemandProfile:
    values = {"education_level": "fp_medium", "occupation_codes": ["5120", "5110"], "nationality": "ES",
              "address": "Calle Mayor 1", "municipality": "Valladolid", "postal_code": "47001",
              "languages": [{"language": "inglés", "level": "B1"}], "driving_licences": ["B"],
              "working_time": "full", "shifts": ["morning"], "travel_distance_km": 25,
              "experience": [{"occupation": "5120", "months": 24, "employer": "Bar Plaza"}]}
    values.update(overrides)
    return DemandProfile(**values)


@pytest.fixture
def office(db):
    return make_office(postal_codes_served="47001")


@pytest.fixture
def citizen(db, office):
    return make_citizen(office=office)


@pytest.fixture
def technician(db, office):
    return make_staff(office=office)


@pytest.fixture(autouse=True)
def _own_media_root(media_root):
    """Demand changes store sealed PDFs (DARDE, receipts): each test in its own folder."""


@pytest.fixture(autouse=True)
def cno11_catalogue(request):
    """The CNO-11 catalogue comes from a data migration; a transactional test before this one (live
    server, threads) empties every table when it ends, so put the catalogue back when it is missing."""
    if "transactional_db" in request.fixturenames:
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("db")
    else:
        return
    from oficina.demand.catalogue import load_cno11
    from oficina.demand.models import Occupation

    if not Occupation.objects.exists():
        load_cno11(Occupation)
