"""Admin for accounts. Only OTP-verified administrators reach the admin at all (admin_site.py)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from oficina.accounts.models import OneTimeCode, User
from oficina.core.audit import AuditEvent, audit_record


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "document_number", "first_name", "last_name", "role", "office", "is_active")
    list_filter = ("role", "is_active", "office__province", "office")
    search_fields = ("username", "document_number", "first_name", "last_name", "email")
    ordering = ("role", "last_name", "first_name")
    list_select_related = ("office", "office__province")
    raw_id_fields = ("office",)
    readonly_fields = ("last_login", "date_joined", "email_confirmed_at")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Datos personales"), {"fields": ("document_number", "first_name", "last_name", "date_of_birth")}),
        (_("Contacto"), {"fields": ("email", "email_confirmed_at", "phone", "postal_code")}),
        (_("Perfil y ámbito"), {"fields": ("role", "office", "supervised_province")}),
        (_("Permisos"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Fechas"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "office", "email", "password1", "password2")}),
    )

    # Every change made here also goes to the audit log (Django's LogEntry is not tamper-evident).
    def log_addition(self, request, obj, message):
        audit_record(event=AuditEvent.ADMIN_CHANGE, actor=request.user, target=obj, details={"action": "add"})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(
            event=AuditEvent.ADMIN_CHANGE, actor=request.user, target=obj,
            details={"action": "change", "message": str(message)[:500]},
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            audit_record(event=AuditEvent.ADMIN_CHANGE, actor=request.user, target=obj, details={"action": "delete"})
        return super().log_deletions(request, queryset)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are issued and checked only by the services; the hash is never shown."""

    list_display = ("user", "purpose", "channel", "created_at", "expires_at", "attempts", "used_at", "voided_at")
    list_filter = ("purpose", "channel")
    search_fields = ("user__username", "user__document_number")
    list_select_related = ("user",)
    fields = ("user", "purpose", "channel", "created_at", "expires_at", "attempts", "used_at", "voided_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
