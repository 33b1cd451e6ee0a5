"""Admin for provinces (read only), offices and local holidays.

Saves go through the services, so every change is audited like any other write: the admin form validates,
then `save_model`/`delete_model` call the service instead of saving the object themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from oficina.offices.models import LocalHoliday, Office, Province
from oficina.offices.permissions import can_manage_offices
from oficina.offices.services import (
    LOCAL_HOLIDAY_FIELDS,
    OFFICE_FIELDS,
    local_holiday_create,
    local_holiday_delete,
    local_holiday_update,
    office_create,
    office_update,
)


def _mark_saved(obj: Any, saved: Any) -> None:
    # The admin goes on with its own (unsaved) object after save_model: it needs the new primary key for
    # its change log and redirect.
    obj.pk = saved.pk
    obj._state.adding = False


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    """The nine provinces are fixed (migration 0002): listed, never edited."""

    list_display = ("code", "name")
    ordering = ("code",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Province | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Province | None = None) -> bool:
        return False


class _ManagedByAdministrators:
    """Add and change only for administrators (permissions.can_manage_offices) with the model permission."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_offices(request.user) and super().has_add_permission(request)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_offices(request.user) and super().has_change_permission(request, obj)  # type: ignore[misc]


@admin.register(Office)
class OfficeAdmin(_ManagedByAdministrators, admin.ModelAdmin):
    list_display = ("code", "name", "province", "municipality", "phone", "is_active")
    list_filter = ("province", "is_active")
    search_fields = ("code", "name", "municipality", "address", "postal_code", "postal_codes_served")
    list_select_related = ("province",)
    ordering = ("province__name", "name")
    fields = ("code", *OFFICE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Office | None = None) -> tuple[str, ...]:
        # The code is how the CSV import finds an office again: changing it would duplicate the office.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Office | None = None) -> bool:
        # Users, registry entries and appointments point at offices: deactivate one ("activa") instead.
        return False

    def save_model(self, request: HttpRequest, obj: Office, form: ModelForm, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in OFFICE_FIELDS}
            office_update(office=Office.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            data = {name: form.cleaned_data[name] for name in OFFICE_FIELDS}
            _mark_saved(obj, office_create(code=form.cleaned_data["code"], data=data, actor=request.user))


@admin.register(LocalHoliday)
class LocalHolidayAdmin(_ManagedByAdministrators, admin.ModelAdmin):
    list_display = ("date", "name", "province", "office")
    list_filter = ("province",)
    search_fields = ("name", "office__name")
    list_select_related = ("province", "office__province")
    date_hierarchy = "date"
    ordering = ("-date",)
    fields = LOCAL_HOLIDAY_FIELDS

    def has_delete_permission(self, request: HttpRequest, obj: LocalHoliday | None = None) -> bool:
        return can_manage_offices(request.user) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: LocalHoliday, form: ModelForm, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in LOCAL_HOLIDAY_FIELDS}
            local_holiday_update(holiday=LocalHoliday.objects.get(pk=obj.pk), data=data, actor=request.user)
        else:
            saved = local_holiday_create(
                date=form.cleaned_data["date"],
                name=form.cleaned_data["name"],
                province=form.cleaned_data["province"],
                office=form.cleaned_data["office"],
                actor=request.user,
            )
            _mark_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: LocalHoliday) -> None:
        local_holiday_delete(holiday=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LocalHoliday]) -> None:
        for holiday in queryset:
            local_holiday_delete(holiday=holiday, actor=request.user)
