"""Issue 3, end to end: a citizen uploads a document, sees it in their file and downloads the sealed
receipt; someone else who has only the CSV printed on that receipt verifies it at /verificar, downloads
the original, and the seal checks out as intact and trusted; the same receipt with one byte changed is
reported as altered. Every page passes axe and the production CSP (oficina.testing.browser)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from oficina.accounts.tests.conftest import make_citizen, make_office
from oficina.casefile.tests.factories import pdf_bytes
from oficina.casefile.tests.test_browser import sign_in
from oficina.core.pdf.seal import validate_pdf
from oficina.registry.models import RegistryEntry
from oficina.testing.browser import assert_accessible, visit

pytestmark = pytest.mark.browser

CSV_ON_PAPER = re.compile(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{2,4}){3,5})\b")


def _upload_and_download_receipt(page, mailbox, tmp_path: Path) -> bytes:
    sign_in(page, mailbox, make_citizen(office=make_office()))
    page.get_by_role("link", name="Mis documentos").click()
    assert_accessible(page)
    document = tmp_path / "Curriculum.pdf"
    document.write_bytes(pdf_bytes(pages=2))
    page.get_by_label("Tipo de documento").select_option("curriculum")
    page.get_by_label("Título", exact=True).fill("Mi currículum")
    page.get_by_label("Archivo").set_input_files(str(document))
    page.get_by_role("button", name="Subir el documento").click()
    expect(page.get_by_role("heading", name="Mi currículum")).to_be_visible()
    assert_accessible(page)
    number = RegistryEntry.objects.get().number
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Descargar el justificante de {number}").click()
    return Path(download.value.path()).read_bytes()


def _csv_printed_on(receipt: bytes) -> str:
    pages = PdfReader(io.BytesIO(receipt)).pages
    codes = [set(CSV_ON_PAPER.findall(p.extract_text())) for p in pages]
    assert codes and all(codes), "every page must print the CSV"
    common = set.intersection(*codes)
    assert len(common) == 1, common
    return common.pop()


def test_upload_receipt_and_verification_by_someone_with_only_the_csv(page, open_page, mailbox, tmp_path):
    receipt = _upload_and_download_receipt(page, mailbox, tmp_path)
    csv = _csv_printed_on(receipt)

    stranger = open_page()  # another browser, nobody signed in
    visit(stranger, "/verificar/")
    stranger.get_by_label("Código Seguro de Verificación (CSV)").fill(csv)
    stranger.get_by_role("button", name="Comprobar el código").click()
    expect(stranger.get_by_role("heading", name="El código corresponde a un documento emitido por esta sede")
           ).to_be_visible()
    assert_accessible(stranger)
    with stranger.expect_download() as download:
        stranger.get_by_role("link", name="Descargar el documento original (PDF)").click()
    original = Path(download.value.path()).read_bytes()
    assert original == receipt

    report = validate_pdf(original)
    assert report.intact and report.valid and report.trusted and not report.modified_after_signing

    genuine, altered = tmp_path / "justificante.pdf", tmp_path / "justificante-alterado.pdf"
    genuine.write_bytes(original)
    position = original.index(b"ReportLab") + 1
    altered.write_bytes(original[:position] + b"X" + original[position + 1:])  # one byte changed
    assert not validate_pdf(altered.read_bytes()).intact

    stranger.get_by_label("Documento PDF").set_input_files(str(genuine))
    stranger.get_by_role("button", name="Comprobar el PDF").click()
    expect(stranger.get_by_role("heading", name="El documento es auténtico", exact=False)).to_be_visible()
    assert_accessible(stranger)
    stranger.get_by_label("Documento PDF").set_input_files(str(altered))
    stranger.get_by_role("button", name="Comprobar el PDF").click()
    expect(stranger.get_by_text(re.compile("se ha alterado|alterada"))).to_be_visible()
    assert_accessible(stranger)
