"""Reads of the registry. Public API for other apps: everything in __all__."""

from __future__ import annotations

from typing import IO, Any

from django.db.models import QuerySet
from django.http import Http404

from oficina.core.pdf.csv_codes import is_valid_csv, normalize_csv
from oficina.registry.models import RegistryEntry, SealedDocument
from oficina.registry.permissions import can_view_registry_entry

__all__ = [
    "registry_entries_for_citizen",
    "registry_entry_get_for_user",
    "sealed_document_get_by_csv",
    "sealed_document_open",
]


def sealed_document_get_by_csv(csv: str) -> SealedDocument | None:
    """The document with this CSV (typed in any case, with or without separators), or None. A malformed
    code (wrong length, alphabet or check character) is None without a query."""
    if not is_valid_csv(csv):
        return None
    return SealedDocument.objects.select_related("office").filter(csv=normalize_csv(csv)).first()


def sealed_document_open(document: SealedDocument) -> IO[bytes]:
    """The stored sealed PDF, opened for reading (bytes exactly as sealed). Close it when done."""
    return document.file.storage.open(document.file.name, "rb")


def registry_entries_for_citizen(user: Any) -> QuerySet[RegistryEntry]:
    """The entries `user` submitted, newest first, with office and receipt (one query)."""
    return (
        RegistryEntry.objects.filter(submitter=user)
        .select_related("addressee_office", "receipt")
        .order_by("-effective_at", "-submitted_at")
    )


def registry_entry_get_for_user(*, user: Any, number: str) -> RegistryEntry:
    """The entry with this number if `user` may see it; Http404 for missing and forbidden alike."""
    entry = (
        RegistryEntry.objects.select_related("addressee_office", "receipt", "submitter")
        .filter(number=number).first()
    )
    if entry is None or not can_view_registry_entry(user, entry):
        raise Http404
    return entry
