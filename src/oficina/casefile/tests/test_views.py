"""The pages: the citizen's file, uploads through the form, downloads, and who may see what."""

from __future__ import annotations

import hashlib

import pytest

from oficina.accounts.models import Role
from oficina.accounts.tests.conftest import make_office, make_staff
from oficina.casefile import services
from oficina.casefile.constants import DocType, Origin
from oficina.casefile.models import Document, DocumentVersion
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.registry.models import RegistryEntry

from .conftest import staff_client, stored_files
from .factories import jpeg_bytes, pdf_bytes, pdf_text, png_bytes, upload

pytestmark = pytest.mark.django_db


def post_upload(client, url="/expediente/subir/", *, name="cv.pdf", content=None, **fields):
    data = {"doc_type": DocType.CURRICULUM, "title": "Mi currículum", **fields}
    if content is not False:
        data["file"] = upload(name, content if content is not None else pdf_bytes())
    return client.post(url, data, **fields.pop("headers", {}))


def add_document(citizen, *, by=None, content=None, title="Vida laboral"):
    return services.document_upload(
        citizen=citizen, uploaded_by=by or citizen, uploaded_file=upload("vida laboral.pdf", content or pdf_bytes()),
        doc_type=DocType.VIDA_LABORAL, title=title,
    )


def test_citizen_uploads_a_pdf_and_sees_it_with_its_receipt(citizen_client, citizen):
    response = post_upload(citizen_client)
    assert response.status_code == 302 and response["Location"] == "/expediente/"
    version = DocumentVersion.objects.get()
    page = citizen_client.get("/expediente/").content.decode()
    assert "Mi currículum" in page
    assert f"Hemos guardado «Mi currículum» y registrado la entrada {version.registry_entry.number}" in page
    assert f'href="/expediente/documentos/{version.document_id}/version/1/"' in page
    assert f'href="/expediente/registro/{version.registry_entry.number}/justificante/"' in page
    assert version.document.origin == Origin.CITIZEN


def test_with_javascript_the_answer_is_json_with_where_to_go(citizen_client):
    response = citizen_client.post("/expediente/subir/", {
        "doc_type": DocType.OTRO, "title": "Foto", "file": upload("foto.png", png_bytes())},
        headers={"Accept": "application/json, text/html;q=0.9"})
    assert response.status_code == 200 and response.json() == {"redirect": "/expediente/"}
    assert DocumentVersion.objects.count() == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("foto.png", pdf_bytes(), "termina en «.png», pero su contenido es un PDF"),
    ("cv.pdf", pdf_bytes(encrypt="clave"), "protegido con contraseña"),
    ("cv.pdf", pdf_bytes()[:300], "dañado o incompleto"),
    ("programa.pdf", b"MZ" + b"\0" * 500, "Este tipo de archivo no se admite"),
])
def test_refused_file_shows_the_reason_next_to_the_field_and_keeps_the_other_fields(
        citizen_client, media_root, name, content, message):
    response = post_upload(citizen_client, name=name, content=content, title="Título de cocina",
                           doc_type=DocType.TITULO)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_file"' in html
    assert '<p class="error-message" id="id_file-error"><span class="visually-hidden">Error:</span> ' in html
    assert message in html
    assert 'value="Título de cocina"' in html
    assert '<option value="titulo" selected>' in html
    assert 'aria-describedby="id_file-hint id_file-error"' in html
    assert not Document.objects.exists() and not RegistryEntry.objects.exists()
    assert stored_files(media_root) == []


def test_missing_fields_are_reported(citizen_client):
    html = post_upload(citizen_client, content=False, title="", doc_type="").content.decode()
    for message in ["Elija el tipo de documento.", "Escriba un título para el documento.",
                    "Elija el archivo que quiere subir."]:
        assert message in html


def test_file_over_the_limit_is_cut_off_by_the_upload_handler(citizen_client, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 2000
    response = post_upload(citizen_client, content=pdf_bytes(pages=10), title="Grande")
    html = response.content.decode()
    assert "El archivo es demasiado grande. El máximo es" in html
    assert 'value="Grande"' in html
    assert not DocumentVersion.objects.exists() and stored_files(media_root) == []


def test_new_version_page_keeps_the_old_version(citizen_client, citizen):
    first = add_document(citizen)
    url = f"/expediente/documentos/{first.document_id}/nueva-version/"
    assert "Subir una versión nueva" in citizen_client.get(url).content.decode()
    response = citizen_client.post(url, {"file": upload("vida laboral 2026.jpg", jpeg_bytes())})
    assert response.status_code == 302
    assert list(first.document.versions.values_list("number", "format")) == [(2, "jpeg"), (1, "pdf")]


def test_download_is_an_attachment_with_the_clean_name_and_the_right_type(citizen_client, citizen):
    content = pdf_bytes()
    version = services.document_upload(citizen=citizen, uploaded_by=citizen, doc_type=DocType.TITULO,
                                       title="Título", uploaded_file=upload("../Título\x07 de cocina.pdf", content))
    response = citizen_client.get(f"/expediente/documentos/{version.document_id}/version/1/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''T%C3%ADtulo%20de%20cocina.pdf" in response["Content-Disposition"]


def test_receipt_download_is_the_sealed_pdf_with_the_fingerprint(citizen_client, citizen):
    version = add_document(citizen)
    response = citizen_client.get(f"/expediente/registro/{version.registry_entry.number}/justificante/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == version.registry_entry.receipt.sha256
    assert version.sha256 in pdf_text(body)


def test_index_pdf_is_issued_and_lists_the_fingerprints(citizen_client, citizen):
    one = add_document(citizen, title="Uno")
    two = add_document(citizen, title="Dos", content=pdf_bytes("dos"))
    response = citizen_client.get("/expediente/indice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="indice-expediente-')
    text = pdf_text(b"".join(response.streaming_content))
    assert one.sha256 in text and two.sha256 in text and "SHA-256" in text


# --- Who may see what -------------------------------------------------------------------------


def document_urls(version) -> list[str]:
    return [
        f"/expediente/documentos/{version.document_id}/version/{version.number}/",
        f"/expediente/registro/{version.registry_entry.number}/justificante/",
    ]


def staff_urls(citizen, version) -> list[str]:
    return [
        f"/expediente/ciudadanos/{citizen.pk}/",
        f"/expediente/ciudadanos/{citizen.pk}/indice.pdf",
        f"/expediente/ciudadanos/{citizen.pk}/documentos/{version.document_id}/nueva-version/",
    ]


def test_another_citizen_gets_not_found_for_every_document_url(client, citizen, other_citizen):
    version = add_document(citizen)
    client.force_login(other_citizen)
    for url in document_urls(version) + [f"/expediente/documentos/{version.document_id}/nueva-version/"]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/expediente/documentos/{version.document_id}/nueva-version/",
                           {"file": upload("x.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert version.document.versions.count() == 1
    assert client.get("/expediente/documentos/999999/version/1/").status_code == 404  # missing: the same answer
    # Their own file does not show the other citizen's documents.
    assert "Vida laboral" not in client.get("/expediente/").content.decode()


def test_anonymous_is_sent_to_sign_in_for_every_url(client, citizen):
    version = add_document(citizen)
    citizen_urls = ["/expediente/", "/expediente/indice.pdf", *document_urls(version)]
    for url in citizen_urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/"), url
    for url in staff_urls(citizen, version):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/personal/acceso/"), url
    response = client.post("/expediente/subir/", {"title": "x", "doc_type": "otro",
                                                  "file": upload("x.pdf", pdf_bytes())})
    assert response.status_code == 302
    assert DocumentVersion.objects.count() == 1


def test_technician_of_another_office_gets_not_found_everywhere(citizen):
    version = add_document(citizen)
    stranger = make_staff(role=Role.TECHNICIAN, username="otra.oficina", office=make_office(province_code="24"))
    browser = staff_client(stranger)
    for url in document_urls(version) + staff_urls(citizen, version):
        assert browser.get(url).status_code == 404, url
    response = browser.post(f"/expediente/ciudadanos/{citizen.pk}/subir/",
                            {"title": "x", "doc_type": "otro", "file": upload("x.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert DocumentVersion.objects.count() == 1
    assert not AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED).exists()


def test_staff_cannot_use_the_citizen_pages_and_citizens_cannot_use_staff_pages(citizen_client, citizen, technician):
    version = add_document(citizen)
    for url in staff_urls(citizen, version):
        assert citizen_client.get(url).status_code in {302, 403}, url
        assert citizen_client.get(url).status_code != 200
    browser = staff_client(technician)
    assert browser.get("/expediente/").status_code == 403


def test_technician_of_the_office_sees_downloads_and_uploads_and_every_access_is_audited(citizen, technician):
    version = add_document(citizen)
    browser = staff_client(technician)
    page = browser.get(f"/expediente/ciudadanos/{citizen.pk}/")
    assert page.status_code == 200 and "Vida laboral" in page.content.decode()
    assert browser.get(document_urls(version)[0]).status_code == 200
    assert browser.get(document_urls(version)[1]).status_code == 200

    response = post_upload(browser, f"/expediente/ciudadanos/{citizen.pk}/subir/", title="Certificado de curso",
                           doc_type=DocType.CERTIFICADO)
    assert response.status_code == 302 and response["Location"] == f"/expediente/ciudadanos/{citizen.pk}/"
    added = Document.objects.get(title="Certificado de curso")
    assert added.origin == Origin.ADMINISTRATION and added.citizen == citizen
    assert added.versions.get().registry_entry.recorded_by == technician

    records = AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED, actor_id=technician.pk,
                                         target_id=str(citizen.pk))
    assert sorted(records.values_list("details__what", flat=True)) == ["download", "file", "receipt"]


def test_supervisors_see_their_province_and_administrators_everything(citizen, office):
    version = add_document(citizen)
    url = f"/expediente/ciudadanos/{citizen.pk}/"
    same_province = make_staff(role=Role.SUPERVISOR, username="super.va", supervised_province=office.province)
    other_province = make_staff(role=Role.SUPERVISOR, username="super.le",
                                supervised_province=make_office(province_code="24").province)
    administrator = make_staff(role=Role.ADMINISTRATOR, username="admin.ecyl")
    assert staff_client(same_province).get(url).status_code == 200
    assert staff_client(other_province).get(url).status_code == 404
    assert staff_client(administrator).get(document_urls(version)[0]).status_code == 200


def test_staff_index_is_audited(citizen, technician):
    add_document(citizen)
    browser = staff_client(technician)
    response = browser.get(f"/expediente/ciudadanos/{citizen.pk}/indice.pdf")
    assert response.status_code == 200
    assert AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED, details__what="index").count() == 1


def test_a_technician_of_another_office_sees_the_file_of_a_citizen_they_have_an_appointment_with(citizen):
    """Issue 3: "or who have an appointment ... with them" — until the appointment is cancelled."""
    from datetime import timedelta

    from django.utils import timezone

    from oficina.appointments.models import Appointment
    from oficina.appointments.tests.conftest import make_service

    version = add_document(citizen)
    technician = make_staff(role=Role.TECHNICIAN, username="video.leon", office=make_office(province_code="24"))
    browser = staff_client(technician)
    file_url = f"/expediente/ciudadanos/{citizen.pk}/"
    assert browser.get(file_url).status_code == 404
    starts = timezone.now() + timedelta(days=2)
    appointment = Appointment.objects.create(
        citizen=citizen, technician=technician, service=make_service(), mode=Appointment.Mode.VIDEO,
        starts_at=starts, ends_at=starts + timedelta(minutes=30), created_at=timezone.now())
    assert browser.get(file_url).status_code == 200
    for url in document_urls(version):
        assert browser.get(url).status_code == 200, url
    assert AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED, actor_id=technician.pk).exists()
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    assert browser.get(file_url).status_code == 404
