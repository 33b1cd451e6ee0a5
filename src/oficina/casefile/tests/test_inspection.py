"""Content checks of uploads: type from the magic bytes, every refusal with its own message, names."""

from __future__ import annotations

import io

import pytest

from oficina.casefile.constants import Format
from oficina.casefile.exceptions import UploadRefused
from oficina.casefile.inspection import inspect_upload, sanitise_filename

from .factories import jpeg_bytes, pdf_bytes, png_bytes, png_header_only

LIMIT = 10 * 1024 * 1024


def inspect(name: str, content: bytes, *, max_bytes: int = LIMIT):
    return inspect_upload(io.BytesIO(content), name=name, size=len(content), max_bytes=max_bytes)


def refusal(name: str, content: bytes, **options) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        inspect(name, content, **options)
    assert caught.value.field == "file"
    return caught.value


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("cv.pdf", pdf_bytes(), Format.PDF),
    ("foto.JPG", jpeg_bytes(), Format.JPEG),
    ("foto.jpeg", jpeg_bytes(), Format.JPEG),
    ("escaneo.png", png_bytes(), Format.PNG),
])
def test_accepted_files_are_described_by_their_content(name, content, expected):
    import hashlib

    inspected = inspect(name, content)
    assert inspected.format == expected
    assert inspected.size == len(content)
    assert inspected.sha256 == hashlib.sha256(content).hexdigest()
    assert inspected.name == name


def test_a_name_without_extension_gets_the_one_of_its_content():
    assert inspect("Mi título", pdf_bytes()).name == "Mi título.pdf"
    assert inspect("foto", jpeg_bytes()).name == "foto.jpg"


def test_the_browser_content_type_and_the_name_do_not_decide_the_type():
    error = refusal("documento.pdf", b"MZ\x90\x00" + b"\0" * 200)  # a Windows executable called .pdf
    assert error.code == "unsupported_type"
    assert "PDF o una foto en JPEG o PNG" in error.message


@pytest.mark.parametrize(("name", "content", "message"), [
    ("foto.png", pdf_bytes(), "termina en «.png», pero su contenido es un PDF"),
    ("cv.pdf", jpeg_bytes(), "termina en «.pdf», pero su contenido es un JPEG"),
    ("informe.docx", pdf_bytes(), "termina en «.docx», pero su contenido es un PDF"),
])
def test_content_that_does_not_match_the_extension_is_refused_with_a_clear_message(name, content, message):
    error = refusal(name, content)
    assert error.code == "extension_mismatch"
    assert message in error.message


def test_encrypted_pdf_is_refused():
    error = refusal("nomina.pdf", pdf_bytes(encrypt="secreto"))
    assert error.code == "pdf_encrypted"
    assert "protegido con contraseña" in error.message


@pytest.mark.parametrize("content", [
    pdf_bytes()[: len(pdf_bytes()) // 2],  # cut in half
    b"%PDF-1.7\n" + b"basura " * 100,  # only the magic bytes
    pdf_bytes()[:-12],  # no %%EOF
])
def test_broken_pdf_is_refused(content):
    error = refusal("cv.pdf", content)
    assert error.code == "pdf_broken"
    assert "dañado o incompleto" in error.message


def test_image_over_40_megapixels_is_refused_without_decoding_it():
    content = png_bytes((8000, 6000), mode="1")  # 48 MP, 1 bit: a few KB
    assert len(content) < 100_000
    error = refusal("plano.png", content)
    assert error.code == "image_too_many_pixels"
    assert "48 megapíxeles; el máximo es 40" in error.message


def test_image_of_40_megapixels_exactly_is_accepted():
    assert inspect("plano.png", png_bytes((8000, 5000), mode="1")).format == Format.PNG


def test_decompression_bomb_header_is_refused():
    error = refusal("bomba.png", png_header_only(100_000, 100_000))
    assert error.code == "image_too_many_pixels"


def test_truncated_image_is_refused():
    error = refusal("foto.jpg", jpeg_bytes()[:12])
    assert error.code in {"image_broken", "unsupported_type"}


def test_file_over_the_limit_is_refused():
    content = pdf_bytes()
    error = refusal("cv.pdf", content, max_bytes=len(content) - 1)
    assert error.code == "too_large"
    assert "demasiado grande" in error.message


def test_empty_file_is_refused():
    assert refusal("cv.pdf", b"").code == "empty"


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\María\\Documentos\\Título de cocina.pdf", "Título de cocina.pdf"),
    ("cv\x00\x07\x1b.pdf", "cv.pdf"),
    ("factura\u202eFDP.exe", "facturaFDP.exe"),  # right-to-left override removed
    ("  .. Vida laboral\tJosé Ñúñez .pdf ", "Vida laboral José Ñúñez .pdf"),
    ('a<b>c:"d|e?f*.png', "a_b_c__d_e_f_.png"),
    ("", "documento"),
    ("....", "documento"),
    ("Cafe\u0301.pdf", "Café.pdf"),  # NFC: one code point for é
])
def test_filenames_are_sanitised_keeping_accents(raw, clean):
    assert sanitise_filename(raw) == clean


def test_long_filenames_keep_their_extension():
    clean = sanitise_filename("á" * 300 + ".pdf")
    assert len(clean) <= 120 and clean.endswith(".pdf") and clean.startswith("ááá")
