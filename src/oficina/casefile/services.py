"""Writes of the personal file: uploading documents (new or new version), issuing the sealed index,
and recording staff access to a citizen's file.

An upload goes: checks by content (inspection.py) → ClamAV when configured → the default storage
(streamed, under a server-made name) → one transaction with the registry entry (and its sealed
receipt), the document, the version and the audit record. If anything after storing fails, the stored
file is deleted again, so a refused or failed upload leaves nothing behind.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.accounts.models import User
from oficina.accounts.permissions import is_staff_member
from oficina.casefile import antivirus, selectors
from oficina.casefile.constants import (
    CONTENT_TYPES,
    HASH_ALGORITHM,
    NOTE_MAX_LENGTH,
    REGISTRY_KIND_UPLOAD,
    SEALED_KIND_INDEX,
    DocType,
    NoteSource,
    Origin,
)
from oficina.casefile.exceptions import AntivirusUnavailable, NoteRefused, UploadRefused
from oficina.casefile.inspection import InspectedFile, inspect_upload
from oficina.casefile.models import Document, DocumentVersion, FileNote
from oficina.casefile.permissions import (
    can_upload_to_citizen_file,
    can_view_citizen_file,
    is_staff_access,
)
from oficina.core.audit import AuditEvent, audit_record
from oficina.core.models import AuditRecord
from oficina.core.pdf.documents import (
    Block,
    Fields,
    Heading,
    Paragraph,
    render_document,
)
from oficina.registry.models import SealedDocument
from oficina.registry.services import (
    EntryFile,
    registry_entry_create,
    sealed_document_issue,
)

logger = logging.getLogger(__name__)

__all__ = [
    "casefile_index_get_or_issue", "casefile_note_add", "citizen_file_access_record", "document_upload",
    "nti_identifier_new",
]


def nti_identifier_new(*, when: Any = None) -> str:
    """ES_<body code>_<YYYY>_<20 hex characters>: NTI document identifier (body code from NTI_BODY_CODE)."""
    year = timezone.localtime(when or timezone.now()).year
    return f"ES_{settings.NTI_BODY_CODE}_{year}_{uuid.uuid4().hex[:20].upper()}"


def _scan(stream: IO[bytes]) -> None:
    address = settings.CLAMD_SOCKET
    if not address:
        return
    stream.seek(0)
    try:
        result = antivirus.scan_stream(stream, address=address, timeout=settings.CLAMD_TIMEOUT_SECONDS)
    except AntivirusUnavailable:
        logger.exception("Antivirus unavailable; upload refused")
        raise UploadRefused(
            _("Ahora no podemos comprobar los archivos con el antivirus, así que no hemos guardado el suyo. "
              "Inténtelo de nuevo dentro de un rato."),
            "antivirus_unavailable",
        ) from None
    finally:
        stream.seek(0)
    if not result.clean:
        raise UploadRefused(
            _("El antivirus ha encontrado un virus en el archivo (%(signature)s) y no lo hemos guardado. "
              "Compruebe su equipo y suba una copia limpia.") % {"signature": result.signature},
            "virus_found",
        )


def _storage():
    return DocumentVersion._meta.get_field("file").storage


def _refuse(*, error: UploadRefused, citizen: User, uploaded_by: User, name: str) -> None:
    audit_record(
        event=AuditEvent.DOCUMENT_UPLOAD_REFUSED, actor=uploaded_by, target=citizen,
        result=AuditRecord.Result.FAILURE, details={"reason": error.code, "file_name": name[:150]},
    )


def document_upload(
    *,
    citizen: User,
    uploaded_by: User,
    uploaded_file: Any,
    doc_type: str,
    title: str,
    document: Document | None = None,
) -> DocumentVersion:
    """Add a file to `citizen`'s personal file: a new document, or a new version of `document`.

    `uploaded_file` is a Django UploadedFile (or any seekable binary file with `name` and `size`); when
    it carries a `sha256` (CasefileUploadHandler computes it while receiving) that fingerprint is used.
    Staff uploads give documents of origin "administration" and name the staff member as recorder in
    the registry. Raises UploadRefused with a message for the file field.
    """
    if not can_upload_to_citizen_file(uploaded_by, citizen):
        raise UploadRefused(_("No puede añadir documentos a este expediente."), "forbidden", field=None)
    if document is not None and document.citizen_id != citizen.pk:
        raise UploadRefused(_("Ese documento no es de este expediente."), "wrong_document", field=None)
    if document is not None:
        doc_type, title = document.doc_type, document.title
    if doc_type not in DocType.values:
        raise UploadRefused(_("Elija el tipo de documento."), "doc_type", field="doc_type")
    title = (title or "").strip()
    if not title:
        raise UploadRefused(_("Escriba un título para el documento."), "title", field="title")

    name = getattr(uploaded_file, "name", "") or ""
    try:
        inspected = inspect_upload(
            uploaded_file, name=name, size=uploaded_file.size, max_bytes=settings.UPLOAD_MAX_BYTES,
            sha256=getattr(uploaded_file, "sha256", "") or "",
        )
        _scan(uploaded_file)
    except UploadRefused as error:
        _refuse(error=error, citizen=citizen, uploaded_by=uploaded_by, name=name)
        raise

    storage = _storage()
    uploaded_file.seek(0)
    stored_name = storage.save(f"casefile/{citizen.pk}/{uuid.uuid4().hex}", uploaded_file)
    try:
        return _record(citizen=citizen, uploaded_by=uploaded_by, inspected=inspected, stored_name=stored_name,
                       doc_type=doc_type, title=title, document=document)
    except BaseException:
        storage.delete(stored_name)
        raise


@transaction.atomic
def _record(*, citizen: User, uploaded_by: User, inspected: InspectedFile, stored_name: str, doc_type: str,
            title: str, document: Document | None) -> DocumentVersion:
    staff = is_staff_member(uploaded_by)
    if document is None:
        number = 1
        subject = _("Aportación de documento: %(title)s") % {"title": title}
    else:
        document = Document.objects.select_for_update().get(pk=document.pk)
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        subject = _("Nueva versión (%(number)s) del documento: %(title)s") % {"number": number, "title": title}
    entry = registry_entry_create(
        submitter=citizen,
        subject=subject[:200],
        kind=REGISTRY_KIND_UPLOAD,
        files=[EntryFile(name=inspected.name, size=inspected.size, sha256=inspected.sha256,
                         content_type=CONTENT_TYPES[inspected.format])],
        addressee_office=citizen.office,
        recorded_by=uploaded_by if staff else None,
        details={"doc_type": str(DocType(doc_type).label), "version": str(number)},
    )
    if document is None:
        document = Document(
            citizen=citizen, identifier=nti_identifier_new(when=entry.submitted_at), doc_type=doc_type,
            title=title[:200], origin=Origin.ADMINISTRATION if staff else Origin.CITIZEN,
            created_at=entry.submitted_at,
        )
        document.full_clean()
        document.save()
    version = DocumentVersion(
        document=document, number=number, original_name=inspected.name, size=inspected.size,
        sha256=inspected.sha256, format=inspected.format, captured_at=entry.submitted_at,
        uploaded_by=uploaded_by, registry_entry=entry,
    )
    version.file.name = stored_name
    version.full_clean()
    version.save()
    audit_record(
        event=AuditEvent.DOCUMENT_UPLOADED, actor=uploaded_by, target=document,
        details={"citizen_id": citizen.pk, "identifier": document.identifier, "version": number,
                 "sha256": inspected.sha256, "size": inspected.size, "format": inspected.format,
                 "registry_entry": entry.number, "origin": document.origin},
    )
    return version


def citizen_file_access_record(*, actor: User, citizen: User, what: str, target: Any = None) -> None:
    """Record that someone other than the citizen (staff) looked at or downloaded from the file.
    Nothing is written when the citizen sees their own file."""
    if not is_staff_access(actor, citizen):
        return
    audit_record(
        event=AuditEvent.CITIZEN_FILE_ACCESSED, actor=actor, target=citizen,
        details={"what": what, "object": str(target)[:200] if target is not None else ""},
    )


@transaction.atomic
def casefile_note_add(*, citizen: User, author: User, text: str, source: str = NoteSource.NONE,
                      source_id: int | None = None, now: datetime | None = None) -> FileNote:
    """Add a staff note to `citizen`'s file. `source`/`source_id`: what it was written during (an
    appointment, a live attention), so the note can be traced back. Only staff who may see the file may
    write in it; raises NoteRefused otherwise, and for an empty or too long text."""
    text = (text or "").strip()
    if not is_staff_member(author) or not can_view_citizen_file(author, citizen):
        raise NoteRefused(_("No puede añadir notas a este expediente."), "forbidden", field=None)
    if not text:
        raise NoteRefused(_("Escriba la nota."), "empty")
    if len(text) > NOTE_MAX_LENGTH:
        raise NoteRefused(_("La nota no puede tener más de %(max)s caracteres.") % {"max": NOTE_MAX_LENGTH},
                          "too_long")
    if source not in NoteSource.values or (source and source_id is None):
        raise NoteRefused(_("Origen de la nota desconocido."), "unknown_source", field=None)
    note = FileNote(citizen=citizen, author=author, text=text, created_at=now or timezone.now(), source=source,
                    source_id=source_id if source else None)
    note.full_clean()
    note.save()
    audit_record(event=AuditEvent.CASEFILE_NOTE_ADDED, actor=author, target=citizen,
                 details={"note_id": note.pk, "source": source, "source_id": note.source_id})
    return note


def _index_blocks(citizen: User, versions: Sequence[DocumentVersion]) -> list[Block]:
    blocks: list[Block] = [
        Fields([
            (_("Titular"), f"{citizen.get_full_name()} ({citizen.document_number})"),
            (_("Fecha del índice"), timezone.localtime().strftime("%d/%m/%Y %H:%M:%S")),
            (_("Documentos"), str(len({version.document_id for version in versions}))),
            (_("Versiones"), str(len(versions))),
            (_("Algoritmo de huella"), HASH_ALGORITHM),
        ]),
        Heading(_("Índice de documentos")),
    ]
    if not versions:
        blocks.append(Paragraph(_("El expediente no tiene documentos.")))
    for version in versions:
        document = version.document
        blocks.append(Heading(f"{document.title} — {_('versión')} {version.number}"))
        blocks.append(Fields([
            (_("Identificador"), document.identifier),
            (_("Nombre del archivo"), version.original_name),
            (_("Tipo documental"), str(document.get_doc_type_display())),
            (_("Formato"), version.get_format_display()),
            (_("Huella"), version.sha256),
            (_("Algoritmo"), HASH_ALGORITHM),
            (_("Fecha de captura"), timezone.localtime(version.captured_at).strftime("%d/%m/%Y %H:%M:%S")),
            (_("Origen"), f"{document.origin} ({document.get_origin_display()})"),
            (_("Asiento de registro"), version.registry_entry.number),
        ]))
    return blocks


def _verify_url() -> str:
    """The public verification page, as the registry prints it on receipts."""
    return settings.VERIFY_BASE_URL.rstrip("/") + reverse("registry:verify")


def casefile_index_get_or_issue(*, citizen: User, actor: User) -> SealedDocument:
    """The sealed index of the citizen's file (per version: identifier, name, fingerprint, algorithm,
    capture date, origin).

    An index issued after the last version was captured is still current and is returned as it is;
    otherwise a new one is issued (kind "casefile_index", owned by the citizen) and audited."""
    if not can_view_citizen_file(actor, citizen):
        raise UploadRefused(_("No puede ver este expediente."), "forbidden", field=None)
    current = selectors.casefile_index_current(citizen=citizen)
    if current is not None:
        return current
    versions = selectors.casefile_versions_for_index(citizen=citizen)
    title = _("Índice del expediente personal")
    blocks = _index_blocks(citizen, versions)
    verify_url = _verify_url()

    def build_pdf(csv: str) -> bytes:
        return render_document(title=title, csv=csv, verify_url=verify_url, blocks=blocks,
                               organisation=settings.ORGANISATION_NAME)

    with transaction.atomic():
        sealed = sealed_document_issue(kind=SEALED_KIND_INDEX, title=title, owner=citizen, office=citizen.office,
                                       build_pdf=build_pdf)
        audit_record(
            event=AuditEvent.CASEFILE_INDEX_ISSUED, actor=actor, target=citizen,
            details={"csv": sealed.csv, "versions": len(versions)},
        )
    return sealed
