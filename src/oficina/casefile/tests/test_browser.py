"""The personal file in a real Chromium against the live server; and an upload cut off mid-body.

Every page loaded passes axe-core and the production CSP (see oficina.testing.browser).
"""

from __future__ import annotations

import hashlib
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import expect

from oficina.accounts.tests.browser_steps import sign_in_citizen_in_browser
from oficina.accounts.tests.conftest import make_citizen, make_office
from oficina.casefile.models import Document, DocumentVersion
from oficina.registry.models import RegistryEntry
from oficina.testing.browser import assert_accessible, visit

from .conftest import stored_files
from .factories import pdf_bytes

pytestmark = pytest.mark.browser


def sign_in(page, mailbox, citizen) -> None:
    sign_in_citizen_in_browser(page, mailbox, document_number=citizen.document_number, email=citizen.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, María")
    assert_accessible(page)


def test_citizen_uploads_a_pdf_sees_it_and_downloads_the_receipt(page, mailbox, tmp_path):
    citizen = make_citizen(office=make_office())
    sign_in(page, mailbox, citizen)
    page.get_by_role("link", name="Mis documentos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis documentos")
    assert_accessible(page)

    content = pdf_bytes(pages=30)
    path = tmp_path / "Título de cocina.pdf"
    path.write_bytes(content)
    page.get_by_label("Tipo de documento").select_option("titulo")
    page.get_by_label("Título", exact=True).fill("Título de Técnico en Cocina")
    page.get_by_label("Archivo").set_input_files(str(path))
    page.get_by_role("button", name="Subir el documento").click()

    expect(page.get_by_role("status").filter(has_text="Hemos guardado")).to_be_visible()
    assert_accessible(page)
    version = DocumentVersion.objects.get()
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    expect(page.get_by_role("heading", name="Título de Técnico en Cocina")).to_be_visible()
    expect(page.get_by_role("link", name="Descargar «Título de cocina.pdf» (versión 1)")).to_be_visible()

    number = version.registry_entry.number
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Descargar el justificante de {number}").click()
    download = download_info.value
    assert download.suggested_filename == f"justificante-{number}.pdf"
    receipt = Path(download.path()).read_bytes()
    assert hashlib.sha256(receipt).hexdigest() == version.registry_entry.receipt.sha256

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar «Título de cocina.pdf» (versión 1)").click()
    assert Path(download_info.value.path()).read_bytes() == content


def test_a_refused_file_shows_the_message_next_to_the_field_without_the_upload_script(page, mailbox, tmp_path):
    """The form's own post (no progress bar): the upload module never loads. (A context with JavaScript
    disabled cannot run the axe check, so the script is blocked instead.)"""
    citizen = make_citizen(office=make_office())
    page.route("**/casefile/upload.js", lambda route: route.abort())
    sign_in(page, mailbox, citizen)
    visit(page, "/expediente/")
    path = tmp_path / "foto.png"
    path.write_bytes(pdf_bytes())
    page.get_by_label("Tipo de documento").select_option("otro")
    page.get_by_label("Título", exact=True).fill("Mi foto")
    page.get_by_label("Archivo").set_input_files(str(path))
    page.get_by_role("button", name="Subir el documento").click()
    assert_accessible(page)
    expect(page.get_by_role("alert")).to_contain_text("Hay un problema")
    expect(page.locator("#id_file-error")).to_contain_text("termina en «.png», pero su contenido es un PDF")
    expect(page.get_by_label("Título", exact=True)).to_have_value("Mi foto")
    assert not Document.objects.exists()


def test_a_refused_file_with_javascript_swaps_in_the_errors_and_keeps_the_fields(page, mailbox, tmp_path):
    citizen = make_citizen(office=make_office())
    sign_in(page, mailbox, citizen)
    visit(page, "/expediente/")
    path = tmp_path / "cv.pdf"
    path.write_bytes(pdf_bytes(encrypt="secreto"))
    page.get_by_label("Tipo de documento").select_option("curriculum")
    page.get_by_label("Título", exact=True).fill("Mi currículum")
    page.get_by_label("Archivo").set_input_files(str(path))
    page.get_by_role("button", name="Subir el documento").click()
    expect(page.locator("#id_file-error")).to_contain_text("protegido con contraseña")
    expect(page.get_by_label("Título", exact=True)).to_have_value("Mi currículum")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)
    assert not Document.objects.exists()


# --- Dropped connection ---------------------------------------------------------------------------


def _multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[str, bytes]:
    boundary = f"----oficina{uuid.uuid4().hex}"
    body = b""
    for name, value in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n"
             "Content-Type: application/pdf\r\n\r\n").encode() + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return boundary, body


def _raw_upload(live_server_url: str, citizen, content: bytes, *, cut_at: int | None) -> bytes:
    """POST the upload form over a raw socket; with `cut_at`, send only that many body bytes and close."""
    client = Client()
    client.force_login(citizen)
    session = client.cookies["sessionid"].value
    csrf = uuid.uuid4().hex  # an unmasked 32-character secret: the cookie and the form field agree
    boundary, body = _multipart({"csrfmiddlewaretoken": csrf, "doc_type": "curriculum", "title": "CV"},
                                "cv.pdf", content)
    host = urlsplit(live_server_url)
    head = (
        f"POST /expediente/subir/ HTTP/1.1\r\nHost: {host.hostname}:{host.port}\r\n"
        f"Cookie: sessionid={session}; csrftoken={csrf}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host.hostname, host.port), timeout=30) as sock:
        sock.sendall(head)
        if cut_at is None:
            sock.sendall(body)  # no half-close: uvicorn takes EOF as the client going away
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            return reply
        sock.sendall(body[:cut_at])
        time.sleep(0.3)  # the server is reading, waiting for the rest
    return b""


def test_an_upload_cut_off_mid_body_leaves_nothing_behind(live_server_url, media_root):
    citizen = make_citizen(office=make_office())
    content = pdf_bytes(pages=600)
    assert len(content) > 200_000

    _raw_upload(live_server_url, citizen, content, cut_at=len(content) // 2)
    time.sleep(1.0)  # let the server notice the disconnect
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert not RegistryEntry.objects.exists()
    assert stored_files(media_root) == []
    assert stored_files(media_root, "sealed") == []

    # The same request sent whole is accepted: the cut, not the request, is what stored nothing.
    reply = _raw_upload(live_server_url, citizen, content, cut_at=None)
    assert reply.startswith(b"HTTP/1.1 302"), reply[:300]
    assert DocumentVersion.objects.get().sha256 == hashlib.sha256(content).hexdigest()
    assert len(stored_files(media_root)) == 1


def test_a_file_far_over_the_limit_is_refused_at_the_door_and_the_form_stays(page, mailbox, tmp_path, settings):
    """core/body_limit.py answers 413 before Django reads the body; the page keeps what was typed."""
    settings.MAX_REQUEST_BODY_BYTES = 64 * 1024
    citizen = make_citizen(office=make_office())
    sign_in(page, mailbox, citizen)
    visit(page, "/expediente/")
    path = tmp_path / "enorme.pdf"
    path.write_bytes(pdf_bytes(pages=400))
    assert path.stat().st_size > settings.MAX_REQUEST_BODY_BYTES
    page.get_by_label("Tipo de documento").select_option("titulo")
    page.get_by_label("Título", exact=True).fill("Un título muy largo")
    page.get_by_label("Archivo").set_input_files(str(path))
    page.get_by_role("button", name="Subir el documento").click()
    expect(page.get_by_text("El archivo es demasiado grande. Elija uno más pequeño")).to_be_visible()
    expect(page.get_by_label("Título", exact=True)).to_have_value("Un título muy largo")
    assert_accessible(page)
    assert not DocumentVersion.objects.exists()
