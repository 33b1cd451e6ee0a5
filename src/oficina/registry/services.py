"""Writes of the registry: numbering entries, issuing sealed documents.

Public API for other apps: `EntryFile`, `registry_entry_create`, `sealed_document_issue`.

Numbering (docs/registry.md): numbers are gap-free and unique per year. The year's `RegistryCounter` row is
locked (SELECT ... FOR UPDATE) in the caller's transaction and incremented there, so a submission that
rolls back gives its number back, and the next one takes it. The lock is held until that transaction
commits, so entries are numbered one at a time: keep the transaction that calls `registry_entry_create`
short (the receipt is rendered and sealed inside it, ~100 ms). The submission time is read *after*
taking the lock, so numbers follow submission times.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.core.audit import AuditEvent, audit_record
from oficina.core.calendar import to_madrid
from oficina.core.pdf.csv_codes import format_csv, new_csv
from oficina.core.pdf.seal import seal_pdf
from oficina.offices.selectors import business_calendar_for
from oficina.registry.constants import (
    ENTRY_NUMBER_DIGITS,
    ENTRY_NUMBER_PREFIX,
    EntryKind,
    EntryOrigin,
    SealedDocumentKind,
)
from oficina.registry.exceptions import RegistryError
from oficina.registry.models import RegistryCounter, RegistryEntry, RegistryEntryFile, SealedDocument
from oficina.registry.receipts import RECEIPT_TITLE, render_receipt

if TYPE_CHECKING:
    from oficina.accounts.models import User
    from oficina.offices.models import Office

__all__ = ["EntryFile", "registry_entry_create", "sealed_document_issue"]

logger = logging.getLogger(__name__)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EntryFile:
    """What the receipt states about one attached file. `sha256`: 64 lowercase hex digits."""

    name: str
    size: int
    sha256: str
    content_type: str


# --- Sealed documents ---------------------------------------------------------------------------


def sealed_document_issue(
    *,
    kind: str,
    title: str,
    owner: User | None,
    office: Office | None,
    build_pdf: Callable[[str], bytes],
) -> SealedDocument:
    """Allocate a new CSV, get the unsealed PDF from `build_pdf(csv)` (it must print that CSV on every
    page: core.pdf.documents.render_document does), seal it, store it exactly as sealed, audit.

    Runs in the caller's transaction if there is one. The file is written to storage before the commit:
    a transaction that rolls back afterwards leaves an unreferenced file behind (harmless, not served).
    """
    if kind not in SealedDocumentKind.values:
        raise RegistryError(_("Tipo de documento sellado desconocido."), "unknown_kind")
    csv = new_csv()
    while SealedDocument.objects.filter(csv=csv).exists():  # ~2^-83 per pair: practically never
        csv = new_csv()
    started = time.perf_counter()
    unsealed = build_pdf(csv)
    rendered = time.perf_counter()
    sealed = seal_pdf(unsealed, reason=_("Sello electrónico: %(title)s. CSV %(csv)s") % {
        "title": title, "csv": format_csv(csv)})
    sealed_at = time.perf_counter()
    logger.info("sealed document %s: render %.0f ms, seal %.0f ms, %d bytes", kind,
                (rendered - started) * 1000, (sealed_at - rendered) * 1000, len(sealed))

    document = SealedDocument(
        csv=csv, kind=kind, title=title[:200], issued_at=timezone.now(), office=office, owner=owner,
        sha256=hashlib.sha256(sealed).hexdigest(), size=len(sealed),
    )
    with transaction.atomic():
        document.file.save("document.pdf", ContentFile(sealed), save=False)
        try:
            document.full_clean()
            document.save(force_insert=True)
        except (ValidationError, IntegrityError):
            document.file.delete(save=False)
            raise
        audit_record(
            event=AuditEvent.SEALED_DOCUMENT_ISSUED, actor=owner, target=document,
            details={"kind": kind, "sha256": document.sha256, "size": document.size,
                     "office": office.code if office else ""},
        )
    return document


# --- Registry entries ---------------------------------------------------------------------------


def _validate_files(files: Sequence[EntryFile]) -> list[EntryFile]:
    checked = []
    for item in files:
        sha256 = (item.sha256 or "").lower()
        if not item.name or item.size < 0 or not _SHA256.match(sha256):
            raise RegistryError(_("Los datos de un fichero del asiento no son válidos."), "invalid_file")
        checked.append(EntryFile(name=item.name[:255], size=item.size, sha256=sha256,
                                 content_type=(item.content_type or "application/octet-stream")[:100]))
    return checked


def _lock_counter(year: int) -> RegistryCounter:
    """The year's counter, locked until the transaction ends; created for a new year (two submissions
    creating it at once: one insert wins, the other gets IntegrityError in its savepoint and locks the
    winner's row, waiting until it commits)."""
    for _attempt in range(3):
        counter = RegistryCounter.objects.select_for_update().filter(year=year).first()
        if counter is not None:
            return counter
        try:
            with transaction.atomic():
                RegistryCounter.objects.create(year=year, last_number=0)
        except IntegrityError:
            continue
    raise RegistryError(_("No se ha podido numerar el asiento. Inténtelo de nuevo."), "numbering_failed")


def _number(year: int, sequence: int) -> str:
    return f"{ENTRY_NUMBER_PREFIX}-{year}-{sequence:0{ENTRY_NUMBER_DIGITS}d}"


@transaction.atomic
def registry_entry_create(
    *,
    submitter: User,
    subject: str,
    kind: str,
    files: Sequence[EntryFile] = (),
    addressee_office: Office | None = None,
    recorded_by: User | None = None,
    details: Mapping[str, str] | None = None,
) -> RegistryEntry:
    """Register a submission: number it, store its files' metadata, issue the sealed receipt, audit.

    `addressee_office` defaults to the submitter's office. `recorded_by`: the employee who registers it
    for the citizen. `details`: extra label/value lines printed on the receipt. On return
    `entry.receipt` is the sealed receipt (SealedDocument).
    """
    subject = (subject or "").strip()
    if not subject:
        raise RegistryError(_("Indique el asunto de la presentación."), "subject_required", field="subject")
    if kind not in EntryKind.values:
        raise RegistryError(_("Tipo de asiento desconocido."), "unknown_kind")
    checked_files = _validate_files(files)
    extra = {str(k): str(v) for k, v in (details or {}).items()}
    office = addressee_office if addressee_office is not None else submitter.office
    calendar = business_calendar_for(office)  # its queries before the lock, not while holding it

    year = to_madrid(timezone.now()).year
    while True:
        counter = _lock_counter(year)
        submitted_at = timezone.now()  # after the lock: numbers follow submission times
        submitted_year = to_madrid(submitted_at).year
        if submitted_year == year:
            break
        year = submitted_year  # the year changed while we waited for the lock: number in the new one
    counter.last_number += 1
    counter.save(update_fields=["last_number"])

    entry = RegistryEntry(
        number=_number(year, counter.last_number), year=year, sequence=counter.last_number,
        submitted_at=submitted_at, effective_at=calendar.effective_registry_time(submitted_at),
        submitter=submitter, recorded_by=recorded_by,
        origin=EntryOrigin.ADMINISTRATION if submitter.is_staff_member else EntryOrigin.CITIZEN,
        addressee_office=office, subject=subject[:300], kind=kind, details=extra,
    )
    entry.full_clean(exclude=["receipt"])
    entry.save(force_insert=True)
    RegistryEntryFile.objects.bulk_create(
        RegistryEntryFile(entry=entry, name=f.name, size=f.size, sha256=f.sha256, content_type=f.content_type)
        for f in checked_files
    )
    entry.receipt = sealed_document_issue(
        kind=SealedDocumentKind.RECEIPT, title=f"{RECEIPT_TITLE} {entry.number}", owner=submitter, office=office,
        build_pdf=lambda csv: render_receipt(entry, checked_files, extra, csv),
    )
    entry.save(update_fields=["receipt"])
    audit_record(
        event=AuditEvent.REGISTRY_ENTRY_CREATED, actor=recorded_by or submitter, target=entry,
        details={"number": entry.number, "kind": kind, "files": len(checked_files),
                 "submitted_at": submitted_at.isoformat(), "effective_at": entry.effective_at.isoformat(),
                 "office": office.code if office else "", "submitter_id": submitter.pk},
    )
    return entry
