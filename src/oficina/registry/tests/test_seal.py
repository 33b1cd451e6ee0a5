"""The seal (PAdES B-B / B-T) and its validation: intact, trusted, altered, appended updates, no TSA/with TSA."""

from __future__ import annotations

from io import BytesIO

import pytest

from oficina.core.pdf import seal as seal_module
from oficina.core.pdf.documents import Fields, Paragraph, render_document
from oficina.core.pdf.seal import SealNotConfigured, seal_pdf, validate_pdf

from .conftest import pdf_text


@pytest.fixture(scope="module")
def unsealed() -> bytes:
    return render_document(
        title="Documento de prueba", csv="STMV5A92K52YC4MVFR", verify_url="https://sede.example/verificar/",
        organisation="Servicio Público de Empleo de Castilla y León",
        blocks=[Paragraph("Contenido con acentos: áéíóú ñ Ñ ü ¿?"), Fields([("Campo", "Valor")])],
    )


def test_sealed_pdf_is_intact_valid_and_trusted(unsealed):
    sealed = seal_pdf(unsealed, reason="Prueba", location="León")
    report = validate_pdf(sealed)
    assert report.signed and report.intact and report.valid and report.trusted
    assert not report.modified_after_signing
    assert report.ok
    assert report.signer_name == "SELLO DE DEMOSTRACIÓN — Oficina Virtual"
    assert report.signed_at is not None
    assert not report.timestamped  # B-B without a TSA
    assert "auténtico" in report.summary
    assert "Contenido con acentos: áéíóú ñ Ñ ü ¿?" in pdf_text(sealed)[0]


def test_the_signature_is_pades(unsealed):
    from pyhanko.pdf_utils.reader import PdfFileReader

    sealed = seal_pdf(unsealed, reason="Prueba")
    signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == "Prueba"
    signed_attrs = signature.signer_info["signed_attrs"]
    assert "signing_certificate_v2" in {attr["type"].native for attr in signed_attrs}


def test_without_the_trust_root_the_seal_is_not_trusted(unsealed, settings):
    sealed = seal_pdf(unsealed, reason="Prueba")
    settings.SEAL_TRUST_ROOTS = []
    report = validate_pdf(sealed)
    assert report.intact and report.valid
    assert not report.trusted
    assert not report.ok
    assert any("confianza" in problem for problem in report.problems)


def test_one_changed_byte_is_detected(unsealed):
    sealed = seal_pdf(unsealed, reason="Prueba")
    position = sealed.index(b"ReportLab")  # in the document information, covered by the signature
    altered = sealed[:position] + b"X" + sealed[position + 1:]
    report = validate_pdf(altered)
    assert report.signed
    assert not report.intact
    assert not report.ok
    assert "alterado" in " ".join(report.problems)


def test_an_incremental_update_after_sealing_is_flagged(unsealed):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    sealed = seal_pdf(unsealed, reason="Prueba")
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    writer.document_meta.title = "Título cambiado después"  # an update that leaves the signed bytes alone
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    output = BytesIO()
    writer.write(output)
    report = validate_pdf(output.getvalue())
    assert report.intact and report.valid and report.trusted  # the signed revision itself is fine
    assert report.modified_after_signing
    assert not report.ok
    assert any("después de sellarlo" in problem for problem in report.problems)


def test_unsigned_and_non_pdf_files(unsealed):
    unsigned = validate_pdf(unsealed)
    assert unsigned.is_pdf and not unsigned.signed and not unsigned.ok
    assert unsigned.summary == "El documento no tiene ninguna firma ni sello electrónico."
    not_pdf = validate_pdf(b"PK\x03\x04 a zip file")
    assert not not_pdf.is_pdf and not not_pdf.ok
    broken = validate_pdf(b"%PDF-1.7\n garbage without structure")
    assert not broken.signed and not broken.ok


def test_pades_b_t_with_the_in_process_tsa(unsealed, dummy_tsa):
    report = validate_pdf(seal_pdf(unsealed, reason="Prueba"))
    assert report.ok
    assert report.timestamped and report.timestamp_valid
    assert report.timestamp_at is not None


def test_pades_b_t_with_a_tsa_over_http(unsealed, http_tsa, settings):
    """A real RFC 3161 exchange: pyHanko's HTTPTimeStamper POSTs to TSA_URL, the test TSA answers."""
    assert settings.TSA_URL == http_tsa.url
    sealed = seal_pdf(unsealed, reason="Prueba")
    report = validate_pdf(sealed)
    assert report.ok
    assert report.timestamped and report.timestamp_valid
    # The first seal also asks for a sample token (pyHanko sizes the signature with it); the client is
    # kept per process, so the next seals cost one request each.
    first = http_tsa.requests
    assert first in (1, 2)
    seal_pdf(unsealed, reason="Prueba")
    assert http_tsa.requests == first + 1


def test_an_unreachable_tsa_fails_the_seal_clearly(unsealed, settings):
    from oficina.core.pdf.seal import SealFailed

    seal_module.set_timestamper_override(None, active=False)
    settings.TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens
    settings.TSA_TIMEOUT_SECONDS = 2
    with pytest.raises(SealFailed):
        seal_pdf(unsealed, reason="Prueba")


def test_sealing_without_configuration_fails_clearly(unsealed, settings):
    settings.SEAL_PKCS12_PATH = ""
    with pytest.raises(SealNotConfigured):
        seal_pdf(unsealed, reason="Prueba")
    settings.SEAL_PKCS12_PATH = "/nonexistent/seal.p12"
    with pytest.raises(SealNotConfigured):
        seal_pdf(unsealed, reason="Prueba")


def test_the_signer_is_loaded_once_per_process(unsealed, monkeypatch):
    from pyhanko.sign import signers

    seal_module.clear_caches()
    loads = []
    original = signers.SimpleSigner.load_pkcs12

    def counting(*args, **kwargs):
        loads.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(signers.SimpleSigner, "load_pkcs12", counting)
    for _ in range(3):
        seal_pdf(unsealed, reason="Prueba")
    assert len(loads) == 1


@pytest.mark.asyncio
async def test_async_seal_in_async_code(unsealed):
    from oficina.core.pdf.seal import async_seal_pdf, async_validate_pdf

    sealed = await async_seal_pdf(unsealed, reason="Prueba")
    assert (await async_validate_pdf(sealed)).ok
    # The sync functions also work when called from inside a running loop (helper thread).
    assert validate_pdf(seal_pdf(unsealed, reason="Prueba")).ok


def test_create_demo_seal_is_idempotent(tmp_path, settings):
    from django.core.management import call_command

    from oficina.core.pdf import demo

    settings.SEAL_PKCS12_PASSWORD = "demo-seal"
    call_command("create_demo_seal", directory=str(tmp_path))
    p12, ca = tmp_path / demo.PKCS12_NAME, tmp_path / demo.CA_PEM_NAME
    first = p12.read_bytes()
    assert b"Oficina Virtual DEMO CA" in ca.read_bytes() or ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE")
    call_command("create_demo_seal", directory=str(tmp_path))
    assert p12.read_bytes() == first  # kept
    call_command("create_demo_seal", directory=str(tmp_path), force=True)
    assert p12.read_bytes() != first  # replaced on request

    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, extra = pkcs12.load_key_and_certificates(p12.read_bytes(), b"demo-seal")
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == demo.DEMO_SEAL_NAME
    assert extra[0].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == demo.DEMO_CA_NAME
    assert x509.load_pem_x509_certificate(ca.read_bytes()) == extra[0]
