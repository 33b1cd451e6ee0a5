"""registry_entry_create and sealed_document_issue: numbering, times, files, receipt, audit."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.core.pdf.csv_codes import format_csv, is_valid_csv
from oficina.core.pdf.seal import validate_pdf
from oficina.offices.models import LocalHoliday
from oficina.registry.constants import EntryKind, EntryOrigin, SealedDocumentKind
from oficina.registry.exceptions import RegistryError
from oficina.registry.models import RegistryCounter, RegistryEntry
from oficina.registry.selectors import (
    registry_entries_for_citizen,
    sealed_document_get_by_csv,
    sealed_document_open,
)
from oficina.registry.services import EntryFile, registry_entry_create, sealed_document_issue

from .conftest import entry_file, make_citizen, make_office, make_technician, pdf_text, squeeze

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def at(*args: int):
    """Freeze `timezone.now()` at a Madrid wall-clock time."""
    return mock.patch("django.utils.timezone.now", return_value=datetime(*args, tzinfo=MADRID))


def create(citizen, **kwargs) -> RegistryEntry:
    kwargs.setdefault("subject", "Aportación de documentación")
    kwargs.setdefault("kind", EntryKind.DOCUMENT_UPLOAD)
    return registry_entry_create(submitter=citizen, **kwargs)


def test_entries_are_numbered_in_order_per_year(citizen):
    with at(2026, 3, 2, 10, 0, 0):
        first, second, third = create(citizen), create(citizen), create(citizen)
    assert [first.number, second.number, third.number] == ["E-2026-000001", "E-2026-000002", "E-2026-000003"]
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert RegistryCounter.objects.get(year=2026).last_number == 3


def test_numbering_starts_again_in_a_new_year(citizen):
    with at(2025, 12, 31, 23, 59, 59):
        last_of_2025 = create(citizen)
    with at(2026, 1, 1, 0, 0, 1):
        first_of_2026 = create(citizen)
    with at(2025, 12, 31, 23, 59, 59):  # a late straggler of the old year (clock skew) keeps its year's count
        another_2025 = create(citizen)
    assert last_of_2025.number == "E-2025-000001"
    assert first_of_2026.number == "E-2026-000001"
    assert another_2025.number == "E-2025-000002"


def test_a_rolled_back_submission_gives_its_number_back(citizen):
    with at(2026, 3, 2, 10, 0, 0):
        create(citizen)
        with pytest.raises(RuntimeError), transaction.atomic():
            create(citizen)  # numbered 2, then the caller's transaction fails
            raise RuntimeError("the upload failed after registering")
        next_entry = create(citizen)
    assert next_entry.number == "E-2026-000002"
    assert list(RegistryEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


def test_submission_time_is_kept_to_the_second_and_a_business_day_counts_at_once(citizen):
    with at(2026, 3, 4, 10, 15, 42):  # a Wednesday
        entry = create(citizen)
    entry.refresh_from_db()
    assert entry.submitted_at == datetime(2026, 3, 4, 10, 15, 42, tzinfo=MADRID)
    assert entry.effective_at == entry.submitted_at
    assert not entry.is_effective_later


def test_a_saturday_submission_counts_from_monday_00_00(citizen):
    with at(2026, 3, 7, 18, 30, 5):  # Saturday
        entry = create(citizen)
    entry.refresh_from_db()
    assert entry.submitted_at == datetime(2026, 3, 7, 18, 30, 5, tzinfo=MADRID)
    assert entry.effective_at == datetime(2026, 3, 9, 0, 0, 0, tzinfo=MADRID)
    text = " ".join(pdf_text(sealed_document_open(entry.receipt).read()))
    assert "07/03/2026 18:30:05" in text
    assert "09/03/2026 00:00:00" in text
    assert "31.2.b" in text


def test_a_holiday_and_a_local_holiday_of_the_addressee_office(citizen, office):
    with at(2026, 1, 6, 9, 0, 0):  # Epifanía (national), a Tuesday
        epiphany = create(citizen)
    assert epiphany.effective_at == datetime(2026, 1, 7, 0, 0, 0, tzinfo=MADRID)
    LocalHoliday.objects.create(date=date(2026, 6, 24), name="San Juan", province=office.province, office=office)
    with at(2026, 6, 24, 12, 0, 0):  # local holiday in León (a Wednesday)
        local = create(citizen)
        elsewhere = create(citizen, addressee_office=make_office(province_code="47"))
    assert local.effective_at == datetime(2026, 6, 25, 0, 0, 0, tzinfo=MADRID)
    assert elsewhere.effective_at == elsewhere.submitted_at


def test_files_are_stored_and_printed_with_their_fingerprints(citizen, office):
    files = [entry_file("nómina marzo.pdf", b"a" * 1000), entry_file("vida-laboral.pdf", b"b" * (1024 * 1024))]
    with at(2026, 3, 4, 10, 15, 42):
        entry = create(citizen, files=files, details={"Trámite": "Renovación de la demanda"})
    stored = list(entry.files.values_list("name", "size", "sha256", "content_type"))
    assert stored == [(f.name, f.size, f.sha256, f.content_type) for f in files]
    assert entry.addressee_office == office  # the submitter's office by default
    assert entry.origin == EntryOrigin.CITIZEN

    receipt = entry.receipt
    assert receipt is not None and receipt.kind == SealedDocumentKind.RECEIPT
    data = sealed_document_open(receipt).read()
    pages = pdf_text(data)
    text = " ".join(pages)
    for expected in ("Justificante de presentación", entry.number, "04/03/2026 10:15:42", citizen.document_number,
                     "María José Peñalba Ibáñez", office.name, "Aportación de documentación", "nómina marzo.pdf",
                     "vida-laboral.pdf", "1,0 MB (1.048.576 bytes)", "Renovación de la demanda",
                     "Servicio Público de Empleo de Castilla y León"):
        assert expected in text, expected
    for f in files:
        assert f.sha256 in squeeze(text)
    for page in pages:
        assert format_csv(receipt.csv) in page


def test_a_long_receipt_has_the_csv_on_every_page(citizen):
    files = [entry_file(f"documento-{i:02d}.pdf", f"contenido {i}".encode()) for i in range(45)]
    entry = create(citizen, files=files)
    pages = pdf_text(sealed_document_open(entry.receipt).read())
    assert len(pages) >= 2
    for page in pages:
        assert f"CSV): {format_csv(entry.receipt.csv)}" in page
    everything = squeeze(" ".join(pages))
    for f in files:
        assert f.sha256 in everything


def test_the_receipt_is_sealed_trusted_and_findable_by_its_csv(citizen):
    entry = create(citizen)
    receipt = entry.receipt
    data = sealed_document_open(receipt).read()
    assert is_valid_csv(receipt.csv)
    assert receipt.size == len(data)
    import hashlib
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()
    assert receipt.owner == citizen and receipt.office == citizen.office
    report = validate_pdf(data)
    assert report.ok and not report.timestamped
    assert sealed_document_get_by_csv(format_csv(receipt.csv).lower()) == receipt
    assert receipt.file.name.startswith("sealed/") and receipt.csv not in receipt.file.name


def test_with_a_tsa_the_receipt_is_b_t(citizen, dummy_tsa):
    entry = create(citizen)
    report = validate_pdf(sealed_document_open(entry.receipt).read())
    assert report.ok and report.timestamped and report.timestamp_valid


def test_an_employee_registers_for_a_citizen(citizen, office):
    technician = make_technician(office=office)
    entry = create(citizen, recorded_by=technician)
    assert entry.recorded_by == technician
    text = " ".join(pdf_text(sealed_document_open(entry.receipt).read()))
    assert "Luis Técnico, en nombre de la persona interesada" in text
    record = AuditRecord.objects.get(event=AuditEvent.REGISTRY_ENTRY_CREATED)
    assert record.actor_id == technician.pk
    assert record.target_id == str(entry.pk)


def test_creation_is_audited(citizen):
    entry = create(citizen, files=[entry_file()])
    created = AuditRecord.objects.get(event=AuditEvent.REGISTRY_ENTRY_CREATED)
    assert created.details["number"] == entry.number and created.details["files"] == 1
    issued = AuditRecord.objects.get(event=AuditEvent.SEALED_DOCUMENT_ISSUED)
    assert issued.target_id == str(entry.receipt.pk)
    assert entry.receipt.csv not in str(issued.details)  # the CSV opens the document: never in the log


def test_invalid_input_is_refused_without_using_a_number(citizen):
    with pytest.raises(RegistryError):
        create(citizen, subject="  ")
    with pytest.raises(RegistryError):
        create(citizen, kind="no_such_kind")
    with pytest.raises(RegistryError):
        create(citizen, files=[EntryFile(name="x.pdf", size=1, sha256="not-a-hash", content_type="application/pdf")])
    assert create(citizen).sequence == 1


def test_entries_for_a_citizen(citizen):
    other = make_citizen(office=citizen.office, first_name="Otra")
    with at(2026, 3, 2, 10, 0, 0):
        mine_first = create(citizen)
    with at(2026, 3, 3, 10, 0, 0):
        create(other)
        mine_second = create(citizen)
    assert list(registry_entries_for_citizen(citizen)) == [mine_second, mine_first]


def test_sealed_document_issue_for_other_documents(citizen, office):
    from oficina.core.pdf.documents import Paragraph, render_document

    seen = []

    def build(csv: str) -> bytes:
        seen.append(csv)
        return render_document(title="Índice del expediente", csv=csv, verify_url="https://x/verificar/",
                               blocks=[Paragraph("Índice")], organisation="SEPE CyL")

    document = sealed_document_issue(kind=SealedDocumentKind.CASEFILE_INDEX, title="Índice del expediente",
                                     owner=citizen, office=office, build_pdf=build)
    assert seen == [document.csv]
    assert document.kind == "casefile_index"
    assert validate_pdf(sealed_document_open(document).read()).ok
    with pytest.raises(RegistryError):
        sealed_document_issue(kind="nope", title="x", owner=None, office=None, build_pdf=build)
