"""Reads of the personal file. `*_get_for_user` check `permissions.can_view_citizen_file` and raise
Http404 both when the object does not exist and when the user may not see it: nothing leaks."""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404

from oficina.accounts.models import User
from oficina.casefile.constants import SEALED_KIND_INDEX
from oficina.casefile.models import Document, DocumentVersion, FileNote
from oficina.casefile.permissions import can_view_citizen_file
from oficina.registry import selectors as registry_selectors
from oficina.registry.constants import SealedDocumentKind
from oficina.registry.models import RegistryEntry, SealedDocument


def citizen_get_for_user(*, user: Any, citizen_id: int) -> User:
    citizen = User.objects.select_related("office").filter(pk=citizen_id).first()
    if citizen is None or not can_view_citizen_file(user, citizen):
        raise Http404
    return citizen


def document_get_for_user(*, user: Any, document_id: int, citizen: User | None = None) -> Document:
    """The document, if `user` may see its citizen's file (and, when given, it belongs to `citizen`)."""
    document = Document.objects.select_related("citizen__office").filter(pk=document_id).first()
    if document is None or not can_view_citizen_file(user, document.citizen):
        raise Http404
    if citizen is not None and document.citizen_id != citizen.pk:
        raise Http404
    return document


def document_version_get_for_user(*, user: Any, document_id: int, number: int) -> DocumentVersion:
    version = (
        DocumentVersion.objects.select_related("document__citizen__office")
        .filter(document_id=document_id, number=number).first()
    )
    if version is None or not can_view_citizen_file(user, version.document.citizen):
        raise Http404
    return version


def registry_entry_get_for_user(*, user: Any, number: str) -> RegistryEntry:
    """A registry entry the file's citizen submitted, with its receipt."""
    entry = RegistryEntry.objects.select_related("submitter__office", "receipt").filter(number=number).first()
    if entry is None or not can_view_citizen_file(user, entry.submitter):
        raise Http404
    return entry


def casefile_documents(*, citizen: User) -> QuerySet[Document]:
    """The citizen's documents, newest first, each with its versions (newest first) and their entries."""
    versions = DocumentVersion.objects.select_related("registry_entry", "uploaded_by").order_by("-number")
    return (
        Document.objects.filter(citizen=citizen)
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("-created_at", "-id")
    )


def casefile_registry_entries(*, citizen: User) -> QuerySet[RegistryEntry]:
    """Everything the citizen submitted to the registry, newest first, with the receipts."""
    return registry_selectors.registry_entries_for_citizen(citizen)


def casefile_versions_for_index(*, citizen: User) -> list[DocumentVersion]:
    """Every version of every document, in the order they entered the file."""
    return list(
        DocumentVersion.objects.filter(document__citizen=citizen)
        .select_related("document", "registry_entry")
        .order_by("captured_at", "id")
    )


def casefile_index_current(*, citizen: User) -> SealedDocument | None:
    """The last sealed index of the file, if no version was added after it was issued."""
    index = (
        SealedDocument.objects.filter(kind=SEALED_KIND_INDEX, owner=citizen).order_by("-issued_at", "-id").first()
    )
    if index is None:
        return None
    last = DocumentVersion.objects.filter(document__citizen=citizen).aggregate(last=Max("captured_at"))["last"]
    if last is not None and last >= index.issued_at:
        return None
    return index


def casefile_issued_documents(*, citizen: User) -> QuerySet[SealedDocument]:
    """Sealed documents the office issued to the citizen (DARDE, file index...), newest first.

    Receipts are left out: each is listed with its registry entry.
    """
    return (SealedDocument.objects.filter(owner=citizen).exclude(kind=SealedDocumentKind.RECEIPT)
            .order_by("-issued_at", "-id"))


def issued_document_get_for_user(*, user: Any, csv: str) -> SealedDocument:
    document = SealedDocument.objects.select_related("owner__office").filter(csv=csv).first()
    if document is None or document.owner is None or not can_view_citizen_file(user, document.owner):
        raise Http404
    return document


def casefile_notes(*, citizen: User) -> QuerySet[FileNote]:
    """The staff notes of the citizen's file, newest first (staff views only: see FileNote)."""
    return FileNote.objects.filter(citizen=citizen).select_related("author").order_by("-created_at", "-id")
