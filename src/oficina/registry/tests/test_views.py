"""/verificar/: lookup by CSV (also from the QR's ?csv=), download of the original, PDF check, rate limits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oficina.core.pdf.csv_codes import format_csv, new_csv
from oficina.registry.constants import EntryKind
from oficina.registry.selectors import sealed_document_open
from oficina.registry.services import registry_entry_create

from .conftest import make_citizen

pytestmark = pytest.mark.django_db
VERIFY = reverse("registry:verify")
UNKNOWN = "No encontramos ningún documento con este código"


@pytest.fixture
def entry(citizen):
    return registry_entry_create(submitter=citizen, subject="Aportación de documentación", kind=EntryKind.DOCUMENT_UPLOAD)


@pytest.fixture
def sealed_bytes(entry) -> bytes:
    with sealed_document_open(entry.receipt) as handle:
        return handle.read()


def test_the_page_needs_no_login_and_shows_both_forms(client):
    response = client.get(VERIFY)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Código Seguro de Verificación (CSV)" in content
    assert 'enctype="multipart/form-data"' in content
    assert "<script>" not in content and "style=" not in content


def test_a_typed_code_shows_the_document(client, entry):
    receipt = entry.receipt
    response = client.get(VERIFY, {"csv": format_csv(receipt.csv).lower()})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Justificante de presentación en el registro electrónico" in content
    assert entry.addressee_office.name in content
    assert receipt.issued_at.astimezone().strftime("%d/%m/%Y") in content
    assert reverse("registry:verify_download", args=[receipt.csv]) in content
    assert UNKNOWN not in content


def test_the_original_downloads_byte_for_byte(client, entry, sealed_bytes):
    response = client.get(reverse("registry:verify_download", args=[entry.receipt.csv]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == sealed_bytes


@pytest.mark.parametrize("typed", ["", "ABCD", "x" * 18, "<b>nope</b>"])
def test_unknown_or_malformed_codes_get_the_same_neutral_message(client, typed, entry):
    response = client.get(VERIFY, {"csv": typed or new_csv()})
    content = response.content.decode()
    assert response.status_code == 200
    assert UNKNOWN in content
    assert 'aria-describedby="id_csv-hint id_csv-error"' in content
    assert 'class="error-summary"' in content
    assert "<b>nope</b>" not in content
    response = client.get(f"/verificar/{(typed or new_csv()).replace('/', '')}/documento.pdf")
    assert response.status_code == 404


def test_lookups_are_rate_limited_per_ip(client, settings, entry):
    settings.VERIFY_LOOKUP_LIMIT = 3
    for _ in range(3):
        assert client.get(VERIFY, {"csv": new_csv()}).status_code == 200
    response = client.get(VERIFY, {"csv": entry.receipt.csv})  # even a right code, once over the limit
    assert response.status_code == 429
    assert "Demasiadas comprobaciones" in response.content.decode()
    assert response["Retry-After"] == str(settings.VERIFY_WINDOW_SECONDS)
    assert client.get(reverse("registry:verify_download", args=[entry.receipt.csv])).status_code == 429
    other_ip = client.get(VERIFY, {"csv": entry.receipt.csv}, REMOTE_ADDR="10.0.0.2")
    assert other_ip.status_code == 200
    assert client.get(VERIFY).status_code == 200  # the empty page is never limited


def _upload(client, name: str, data: bytes, **extra):
    return client.post(VERIFY, {"document": SimpleUploadedFile(name, data, content_type="application/pdf")}, **extra)


def test_checking_the_sealed_pdf(client, sealed_bytes):
    content = _upload(client, "justificante.pdf", sealed_bytes).content.decode()
    assert "El documento es auténtico" in content
    assert "Íntegro: el contenido no ha cambiado desde la firma." in content
    assert "Certificado de confianza" in content
    assert "SELLO DE DEMOSTRACIÓN — Oficina Virtual" in content
    assert "Sin cambios después de la firma." in content


def test_checking_an_altered_pdf(client, sealed_bytes):
    position = sealed_bytes.index(b"ReportLab")
    altered = sealed_bytes[:position] + b"Z" + sealed_bytes[position + 1:]
    content = _upload(client, "alterado.pdf", altered).content.decode()
    assert "El documento NO se puede dar por válido." in content
    assert "No íntegro: el contenido ha cambiado desde la firma." in content


def test_checking_an_unsigned_pdf(client):
    from oficina.core.pdf.documents import Paragraph, render_document

    pdf = render_document(title="Sin firma", csv=new_csv(), verify_url="https://x/", blocks=[Paragraph("x")],
                          organisation="O")
    content = _upload(client, "sin-firma.pdf", pdf).content.decode()
    assert "El documento no tiene ninguna firma ni sello electrónico." in content


@pytest.mark.parametrize("data", [b"PK\x03\x04 zip", b"%PDF-1.7 broken beyond repair"])
def test_checking_something_that_is_not_a_pdf(client, data):
    content = _upload(client, "falso.pdf", data).content.decode()
    assert 'id="id_document-error"' in content
    assert "no es un documento PDF" in content or "dañado" in content


def test_empty_and_oversized_uploads(client, settings):
    content = client.post(VERIFY, {}).content.decode()
    assert "Elija el fichero PDF que quiere comprobar." in content
    settings.VERIFY_MAX_UPLOAD_BYTES = 1000
    content = _upload(client, "grande.pdf", b"%PDF-1.7" + b"x" * 2000).content.decode()
    assert "el máximo es" in content


def test_pdf_checks_are_rate_limited(client, settings):
    settings.VERIFY_UPLOAD_LIMIT = 2
    for _ in range(2):
        assert _upload(client, "a.pdf", b"not a pdf").status_code == 200
    assert _upload(client, "a.pdf", b"not a pdf").status_code == 429


def test_the_receipt_download_is_for_its_owner_and_staff(client, entry, sealed_bytes, office):
    from .conftest import make_technician

    url = reverse("registry:receipt_download", args=[entry.number])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(make_citizen(office=office, first_name="Otra"))
    assert client.get(url).status_code == 404  # someone else's: not found, nothing leaks
    client.force_login(entry.submitter)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sealed_bytes
    client.force_login(make_technician(office=office))
    assert client.get(url).status_code == 200
