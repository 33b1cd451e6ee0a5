"""The demand page in a real Chromium against the live server: renew inside the window, download the
DARDE. Every page loaded passes axe-core and the production CSP (see oficina.testing.browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oficina.accounts.tests.browser_steps import sign_in_citizen_in_browser
from oficina.accounts.tests.conftest import make_citizen, make_office
from oficina.demand import services
from oficina.demand.models import Demand
from oficina.demand.renewal import renewal_window
from oficina.testing.browser import assert_accessible

from .conftest import profile

pytestmark = pytest.mark.browser



def sign_in(page, mailbox, citizen) -> None:
    sign_in_citizen_in_browser(page, mailbox, document_number=citizen.document_number, email=citizen.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, María")
    assert_accessible(page)


def test_citizen_renews_the_demand_and_downloads_the_darde(page, mailbox):
    citizen = make_citizen(office=make_office(postal_codes_served="47001"))
    demand = services.demand_register(citizen=citizen, profile=profile())
    Demand.objects.filter(pk=demand.pk).update(next_renewal_date=timezone.localdate())
    old_darde = demand.latest_darde
    sign_in(page, mailbox, citizen)

    page.get_by_role("link", name="Renovar la demanda (DARDE)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi demanda de empleo")
    assert_accessible(page)
    page.get_by_role("button", name="Renovar ahora").click()

    demand.refresh_from_db()
    new_date = demand.next_renewal_date.strftime("%d/%m/%Y")
    expect(page.get_by_role("status")).to_contain_text(f"Su próxima fecha de renovación es el {new_date}.")
    # Now outside the new window: refused, with the dates, and no button to press.
    first, last = renewal_window(demand)
    expect(page.get_by_role("main")).to_contain_text("Todavía no puede renovar su demanda")
    expect(page.get_by_role("main")).to_contain_text(f"Del {first:%d/%m/%Y} al {last:%d/%m/%Y}")
    expect(page.get_by_role("button", name="Renovar ahora")).to_have_count(0)
    assert demand.latest_darde != old_darde
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar mi DARDE").click()
    download = download_info.value
    assert download.suggested_filename == f"DARDE-{demand.number}.pdf"
    content = Path(download.path()).read_bytes()
    with demand.latest_darde.file.open("rb") as stored:
        assert content == stored.read()
