"""Read-only admin views of the registry: entries and sealed documents are written only by services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from oficina.registry.models import RegistryEntry, RegistryEntryFile, SealedDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RegistryEntryFileInline(admin.TabularInline):
    model = RegistryEntryFile
    fields = ["name", "size", "content_type", "sha256"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RegistryEntry)
class RegistryEntryAdmin(ReadOnlyAdmin):
    list_display = ["number", "submitted_at", "effective_at", "submitter", "addressee_office", "kind", "subject"]
    list_filter = ["year", "kind", "origin"]
    search_fields = ["number", "subject", "submitter__document_number", "submitter__username"]
    date_hierarchy = "submitted_at"
    list_select_related = ["submitter", "addressee_office"]
    inlines = [RegistryEntryFileInline]


@admin.register(SealedDocument)
class SealedDocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "issued_at", "office", "owner", "size"]
    list_filter = ["kind"]
    search_fields = ["title", "owner__document_number"]
    date_hierarchy = "issued_at"
    list_select_related = ["office", "owner"]
    exclude = ["file"]  # downloaded through /verificar/ with the CSV, never from a media URL
