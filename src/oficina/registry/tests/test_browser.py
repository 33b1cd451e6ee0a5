"""/verificar/ in a real Chromium: typing a real CSV, following the QR link, checking a PDF. Every page
passes axe (WCAG 2.1 AA) and the production CSP (oficina.testing.browser)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from oficina.core.pdf.csv_codes import format_csv
from oficina.registry.constants import EntryKind
from oficina.registry.selectors import sealed_document_open
from oficina.registry.services import registry_entry_create
from oficina.testing.browser import assert_accessible, visit

from .conftest import make_citizen, make_office

pytestmark = pytest.mark.browser


@pytest.fixture
def receipt(live_server_url):
    citizen = make_citizen(office=make_office())
    return registry_entry_create(submitter=citizen, subject="Aportación de documentación",
                                 kind=EntryKind.DOCUMENT_UPLOAD).receipt


def test_verify_a_typed_code(page, receipt):
    visit(page, "/verificar/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verificar un documento")
    page.get_by_label("Código Seguro de Verificación (CSV)").fill(format_csv(receipt.csv).lower())
    page.get_by_role("button", name="Comprobar el código").click()
    expect(page.get_by_role("heading", name="El código corresponde a un documento emitido por esta sede")).to_be_visible()
    expect(page.get_by_text("Justificante de presentación en el registro electrónico")).to_be_visible()
    expect(page.get_by_role("link", name="Descargar el documento original (PDF)")).to_have_attribute(
        "href", f"/verificar/{receipt.csv}/documento.pdf")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    page.get_by_label("Código Seguro de Verificación (CSV)").fill("ABCD-EFGH")
    page.get_by_role("button", name="Comprobar el código").click()
    expect(page.get_by_role("alert")).to_contain_text("No encontramos ningún documento con este código")
    expect(page.get_by_label("Código Seguro de Verificación (CSV)")).to_have_attribute(
        "aria-describedby", "id_csv-hint id_csv-error")


def test_the_qr_link_and_a_pdf_check(desktop_page, receipt, tmp_path):
    page = desktop_page
    visit(page, f"/verificar/?csv={receipt.csv}")
    expect(page.get_by_text(receipt.title)).to_be_visible()
    assert_accessible(page)

    path = tmp_path / "justificante.pdf"
    with sealed_document_open(receipt) as handle:
        path.write_bytes(handle.read())
    page.get_by_label("Documento PDF").set_input_files(str(path))
    page.get_by_role("button", name="Comprobar el PDF").click()
    expect(page.get_by_role("heading", name="El documento es auténtico", exact=False)).to_be_visible()
    expect(page.get_by_text("SELLO DE DEMOSTRACIÓN — Oficina Virtual")).to_be_visible()
