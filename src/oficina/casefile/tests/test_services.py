"""document_upload and the sealed index: what is stored, registered, audited, and what is left on failure."""

from __future__ import annotations

import hashlib
import re
import socket

import pytest

from oficina.accounts.models import Role
from oficina.accounts.tests.conftest import make_office, make_staff
from oficina.casefile import services
from oficina.casefile.constants import DocType, Format, Origin
from oficina.casefile.exceptions import UploadRefused
from oficina.casefile.models import Document, DocumentVersion
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.registry.models import RegistryEntry, SealedDocument

from .conftest import stored_files
from .factories import (
    VIRUS_MARKER,
    fake_clamd,
    jpeg_bytes,
    pdf_bytes,
    pdf_text,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def upload_pdf(citizen, *, by=None, content: bytes | None = None, name: str = "Currículum María.pdf", **options):
    content = content if content is not None else pdf_bytes()
    return services.document_upload(
        citizen=citizen, uploaded_by=by or citizen, uploaded_file=upload(name, content),
        doc_type=options.pop("doc_type", DocType.CURRICULUM), title=options.pop("title", "Mi currículum"), **options,
    )


def test_upload_creates_document_version_registry_entry_and_sealed_receipt(citizen, media_root, settings):
    settings.NTI_BODY_CODE = "A07000000"
    content = pdf_bytes()
    version = upload_pdf(citizen, content=content)

    document = version.document
    assert document.citizen == citizen and document.origin == Origin.CITIZEN
    assert document.doc_type == DocType.CURRICULUM and document.title == "Mi currículum"
    assert re.fullmatch(r"ES_A07000000_20\d\d_[0-9A-F]{20}", document.identifier)
    assert version.number == 1 and version.format == Format.PDF
    assert version.original_name == "Currículum María.pdf"
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.size == len(content)
    assert version.uploaded_by == citizen
    assert re.fullmatch(rf"casefile/{citizen.pk}/[0-9a-f]{{32}}", version.file.name)  # server-made name
    assert version.file.read() == content

    entry = version.registry_entry
    assert entry.submitter == citizen and entry.kind == "document_upload" and entry.recorded_by is None
    assert entry.number.startswith("E-")
    assert version.captured_at == entry.submitted_at
    files = list(entry.files.values_list("name", "sha256", "size", "content_type"))
    assert files == [("Currículum María.pdf", version.sha256, len(content), "application/pdf")]
    assert entry.receipt.kind == "receipt" and entry.receipt.owner == citizen
    assert version.sha256 in pdf_text(entry.receipt.file.read())

    record = AuditRecord.objects.get(event=AuditEvent.DOCUMENT_UPLOADED)
    assert record.actor_id == citizen.pk and record.target_id == str(document.pk)
    assert record.details["sha256"] == version.sha256 and record.details["registry_entry"] == entry.number


def test_new_version_keeps_the_old_one(citizen):
    original = pdf_bytes("primera")
    first = upload_pdf(citizen, content=original)
    second = services.document_upload(
        citizen=citizen, uploaded_by=citizen, uploaded_file=upload("cv-2026.jpg", jpeg_bytes()),
        doc_type="", title="", document=first.document,
    )
    assert second.document == first.document and second.number == 2 and second.format == Format.JPEG
    assert second.registry_entry != first.registry_entry
    assert "Nueva versión (2)" in second.registry_entry.subject
    first.refresh_from_db()
    assert first.file.read() == original  # still there, unchanged
    assert list(first.document.versions.values_list("number", flat=True)) == [2, 1]
    assert Document.objects.count() == 1 and RegistryEntry.objects.count() == 2


def test_technician_uploads_for_a_citizen_of_their_office_as_administration(citizen, technician):
    version = upload_pdf(citizen, by=technician)
    assert version.document.origin == Origin.ADMINISTRATION
    assert version.uploaded_by == technician
    assert version.registry_entry.submitter == citizen and version.registry_entry.recorded_by == technician


def test_technician_of_another_office_cannot_upload(citizen):
    stranger = make_staff(role=Role.TECHNICIAN, username="otra", office=make_office(province_code="24"))
    with pytest.raises(UploadRefused):
        upload_pdf(citizen, by=stranger)
    assert not DocumentVersion.objects.exists()


def test_a_citizen_cannot_add_a_version_to_someone_elses_document(citizen, other_citizen):
    theirs = upload_pdf(other_citizen)
    with pytest.raises(UploadRefused):
        upload_pdf(citizen, document=theirs.document)
    assert theirs.document.versions.count() == 1


def test_refused_upload_stores_nothing_and_is_audited(citizen, media_root):
    with pytest.raises(UploadRefused) as caught:
        upload_pdf(citizen, content=png_bytes(), name="foto.pdf")
    assert caught.value.code == "extension_mismatch"
    assert stored_files(media_root) == []
    assert not RegistryEntry.objects.exists()
    record = AuditRecord.objects.get(event=AuditEvent.DOCUMENT_UPLOAD_REFUSED)
    assert record.result == "failure" and record.details["reason"] == "extension_mismatch"


def test_if_the_registry_fails_the_stored_file_is_deleted(citizen, media_root, monkeypatch):
    def broken_registry(**kwargs):
        assert stored_files(media_root), "the file is stored before the registry entry"
        raise RuntimeError("registry down")

    monkeypatch.setattr(services, "registry_entry_create", broken_registry)
    with pytest.raises(RuntimeError):
        upload_pdf(citizen)
    assert stored_files(media_root) == []
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()


def test_if_saving_the_version_fails_nothing_stays(citizen, media_root, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        upload_pdf(citizen)
    assert stored_files(media_root) == []
    assert not Document.objects.exists() and not RegistryEntry.objects.exists()


def test_virus_found_by_clamav_is_refused(citizen, settings, media_root):
    with fake_clamd() as clamd:
        settings.CLAMD_SOCKET = clamd.address
        with pytest.raises(UploadRefused) as caught:
            services.document_upload(citizen=citizen, uploaded_by=citizen, doc_type=DocType.OTRO, title="Foto",
                                     uploaded_file=upload("foto.png", png_bytes(text=VIRUS_MARKER)))
        assert caught.value.code == "virus_found" and "Eicar-Signature" in caught.value.message
        clean = upload_pdf(citizen)
        assert len(clamd.received) == 2 and clamd.received[1] == clean.file.read()
    assert len(stored_files(media_root)) == 1


def test_clamav_configured_but_down_refuses_the_upload(citizen, settings, media_root):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        settings.CLAMD_SOCKET = f"127.0.0.1:{bound_not_listening.getsockname()[1]}"
        with pytest.raises(UploadRefused) as caught:
            upload_pdf(citizen)
    assert caught.value.code == "antivirus_unavailable"
    assert stored_files(media_root) == []


def test_upload_limit_comes_from_the_setting(citizen, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(UploadRefused) as caught:
        upload_pdf(citizen, content=pdf_bytes(pages=5))
    assert caught.value.code == "too_large"


def test_index_lists_every_version_with_fingerprint_and_is_sealed(citizen):
    first = upload_pdf(citizen, content=pdf_bytes("uno"))
    second = upload_pdf(citizen, content=pdf_bytes("dos"), document=first.document)
    photo = services.document_upload(citizen=citizen, uploaded_by=citizen, uploaded_file=upload("dni.png", png_bytes()),
                                      doc_type=DocType.IDENTIDAD, title="DNI")

    index = services.casefile_index_get_or_issue(citizen=citizen, actor=citizen)
    assert index.kind == "casefile_index" and index.owner == citizen
    text = pdf_text(index.file.read())
    for version in (first, second, photo):
        assert version.sha256 in text
        assert version.document.identifier in text
    assert "SHA-256" in text and "dni.png" in text
    assert AuditRecord.objects.filter(event=AuditEvent.CASEFILE_INDEX_ISSUED).count() == 1

    from oficina.core.pdf.seal import validate_pdf

    assert validate_pdf(index.file.open("rb").read()).ok

    # Nothing new: the same index. A new version: a new index.
    assert services.casefile_index_get_or_issue(citizen=citizen, actor=citizen) == index
    upload_pdf(citizen, content=pdf_bytes("tres"), document=first.document)
    newer = services.casefile_index_get_or_issue(citizen=citizen, actor=citizen)
    assert newer != index and SealedDocument.objects.filter(kind="casefile_index").count() == 2


def test_staff_access_is_audited_but_the_citizens_own_is_not(citizen, technician):
    services.citizen_file_access_record(actor=citizen, citizen=citizen, what="file")
    assert not AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED).exists()
    services.citizen_file_access_record(actor=technician, citizen=citizen, what="file")
    record = AuditRecord.objects.get(event=AuditEvent.CITIZEN_FILE_ACCESSED)
    assert record.actor_id == technician.pk and record.target_id == str(citizen.pk)
    assert record.details["what"] == "file"
