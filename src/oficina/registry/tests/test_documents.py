"""PDF rendering: footer with CSV, address and QR on every page; Spanish text; long fingerprints wrap."""

from __future__ import annotations

import hashlib

from oficina.core.pdf.csv_codes import format_csv, new_csv
from oficina.core.pdf.documents import Fields, Heading, Paragraph, Table, render_document, verification_link

from .conftest import pdf_text, squeeze

VERIFY = "https://sede.example.es/verificar/"


def test_verification_link_carries_the_normalised_csv():
    code = new_csv()
    assert verification_link(VERIFY, format_csv(code).lower()) == f"{VERIFY}?csv={code}"
    assert verification_link("https://x/v/?a=1", code) == f"https://x/v/?a=1&csv={code}"


def test_every_page_has_the_csv_and_the_address():
    code = new_csv()
    fingerprints = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(60)]
    pdf = render_document(
        title="Índice del expediente", csv=code, verify_url=VERIFY, organisation="Servicio Público de Empleo",
        blocks=[Heading("Documentos"), Table(["Nº", "Nombre", "Huella SHA-256"],
                                             [[str(i), f"documento-{i}.pdf", fp] for i, fp in enumerate(fingerprints)])],
    )
    pages = pdf_text(pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Código Seguro de Verificación (CSV): {format_csv(code)}" in text
        assert VERIFY in text
        assert f"Página {number}" in text
    # Long fingerprints wrap inside their (narrow) column but are all there.
    everything = squeeze(" ".join(pages))
    for fingerprint in fingerprints:
        assert fingerprint in everything


def test_every_page_draws_a_qr_code():
    from pypdf import PdfReader
    from io import BytesIO

    pdf = render_document(title="T", csv=new_csv(), verify_url=VERIFY, organisation="O",
                          blocks=[Paragraph("línea " * 400)] * 6)
    pages = PdfReader(BytesIO(pdf)).pages
    assert len(pages) >= 2
    for page in pages:
        content = page.get_contents().get_data()
        assert content.count(b" re") > 100  # the QR's runs of dark modules, drawn as rectangles


def test_spanish_text_and_fields():
    pdf = render_document(
        title="Justificante de presentación", csv=new_csv(), verify_url=VERIFY, organisation="Junta de Castilla y León",
        blocks=[Fields([("Interesado/a", "Begoña Muñoz Núñez"), ("Asunto", "¿Aportación de documentación?")]),
                Paragraph("Artículo 31.2.b — días inhábiles")],
    )
    text = pdf_text(pdf)[0]
    for expected in ("Justificante de presentación", "Begoña Muñoz Núñez", "¿Aportación de documentación?",
                     "Artículo 31.2.b — días inhábiles", "Junta de Castilla y León"):
        assert expected in text
