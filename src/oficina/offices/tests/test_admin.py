"""The admin: provinces read only; office and local-holiday changes audited; only administrators edit."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.offices.models import LocalHoliday, Office, Province
from oficina.offices.permissions import can_manage_offices
from oficina.offices.tests.factories import make_local_holiday, province

pytestmark = pytest.mark.django_db


def _sign_in_with_second_factor(client, user) -> None:
    """What the staff sign-in does after password and TOTP: the admin only opens to OTP-verified sessions."""
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        username="admin.test", password="Admin-test-2026", email="admin@example.org", role="administrator"
    )
    _sign_in_with_second_factor(client, user)
    client.user = user
    return client


def _office_form(office: Office, **changes) -> dict:
    data = {
        "name": office.name,
        "province": office.province_id,
        "municipality": office.municipality,
        "address": office.address,
        "postal_code": office.postal_code,
        "phone": office.phone,
        "opening_hours": office.opening_hours,
        "postal_codes_served": office.postal_codes_served,
        "_save": "Guardar",
    }
    if office.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def _records(event: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(event=event).order_by("id"))


def test_office_change_in_admin_is_audited(admin_client, shipped_offices):
    office = Office.objects.get(code="24-BEMBIBRE")
    url = reverse("admin:offices_office_change", args=[office.pk])
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(url, _office_form(office, phone="987 111 222", opening_hours="9:00-14:00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    office.refresh_from_db()
    assert (office.phone, office.opening_hours) == ("987 111 222", "9:00-14:00")
    [record] = _records(AuditEvent.ADMIN_CHANGE)
    assert record.actor_id == admin_client.user.pk
    assert record.target_id == str(office.pk)
    assert record.details["changes"] == {"phone": ["", "987 111 222"], "opening_hours": ["", "9:00-14:00"]}


def test_office_admin_refuses_invalid_postal_codes(admin_client, shipped_offices):
    office = Office.objects.get(code="24-BEMBIBRE")
    url = reverse("admin:offices_office_change", args=[office.pk])
    response = admin_client.post(url, _office_form(office, postal_codes_served="24300 madrid"))
    assert response.status_code == 200
    assert "No válidos: «madrid»" in response.content.decode()
    office.refresh_from_db()
    assert office.postal_codes_served == "24300"
    assert not _records(AuditEvent.ADMIN_CHANGE)


def test_office_added_in_admin_is_audited(admin_client):
    data = {"code": "47-ISCAR", "name": "Íscar", "province": province("47").pk, "municipality": "Íscar",
            "address": "", "postal_code": "", "phone": "", "opening_hours": "", "postal_codes_served": "47420",
            "is_active": "on", "_save": "Guardar"}
    response = admin_client.post(reverse("admin:offices_office_add"), data)
    assert response.status_code == 302
    office = Office.objects.get(code="47-ISCAR")
    [record] = _records(AuditEvent.ADMIN_CHANGE)
    assert (record.details["action"], record.target_id) == ("office_created", str(office.pk))


def test_offices_cannot_be_deleted_in_admin(admin_client, shipped_offices):
    office = Office.objects.get(code="24-BEMBIBRE")
    response = admin_client.post(reverse("admin:offices_office_delete", args=[office.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Office.objects.filter(pk=office.pk).exists()


def test_local_holiday_add_change_delete_in_admin_are_audited(admin_client, shipped_offices):
    leon = province("24")
    ponferrada = Office.objects.get(code="24-PONFERRADA")
    add = admin_client.post(
        reverse("admin:offices_localholiday_add"),
        {"date": "08/09/2026", "name": "La Encina", "province": leon.pk, "office": ponferrada.pk, "_save": "Guardar"},
    )
    assert add.status_code == 302, add.content.decode()[:3000]
    holiday = LocalHoliday.objects.get()
    assert (holiday.date, holiday.office) == (date(2026, 9, 8), ponferrada)

    change = admin_client.post(
        reverse("admin:offices_localholiday_change", args=[holiday.pk]),
        {"date": "08/09/2026", "name": "Virgen de la Encina", "province": leon.pk, "office": ponferrada.pk,
         "_save": "Guardar"},
    )
    assert change.status_code == 302
    delete = admin_client.post(reverse("admin:offices_localholiday_delete", args=[holiday.pk]), {"post": "yes"})
    assert delete.status_code == 302
    assert not LocalHoliday.objects.exists()

    actions = [(r.details["action"], r.actor_id) for r in _records(AuditEvent.LOCAL_HOLIDAY_CHANGED)]
    assert actions == [("created", admin_client.user.pk), ("updated", admin_client.user.pk),
                       ("deleted", admin_client.user.pk)]


def test_local_holidays_bulk_delete_is_audited_one_by_one(admin_client):
    first = make_local_holiday(province_code="24", date=date(2026, 6, 24))
    second = make_local_holiday(province_code="05", date=date(2026, 6, 24))
    response = admin_client.post(
        reverse("admin:offices_localholiday_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not LocalHoliday.objects.exists()
    deleted = {r.target_id for r in _records(AuditEvent.LOCAL_HOLIDAY_CHANGED) if r.details["action"] == "deleted"}
    assert deleted == {str(first.pk), str(second.pk)}


def test_local_holiday_admin_refuses_an_office_of_another_province(admin_client, shipped_offices):
    response = admin_client.post(
        reverse("admin:offices_localholiday_add"),
        {"date": "08/09/2026", "name": "X", "province": province("05").pk,
         "office": Office.objects.get(code="24-PONFERRADA").pk, "_save": "Guardar"},
    )
    assert response.status_code == 200
    assert "La oficina no pertenece a la provincia elegida." in response.content.decode()
    assert not LocalHoliday.objects.exists()


def test_provinces_are_read_only(admin_client):
    assert admin_client.get(reverse("admin:offices_province_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:offices_province_add")).status_code == 403
    avila = Province.objects.get(code="05")
    response = admin_client.post(reverse("admin:offices_province_change", args=[avila.pk]),
                                 {"code": "05", "name": "Otra"})
    assert response.status_code == 403
    assert Province.objects.get(code="05").name == "Ávila"


def test_admin_needs_a_verified_second_factor(client, django_user_model, shipped_offices):
    user = django_user_model.objects.create_superuser(username="admin.nootp", password="x", role="administrator")
    client.force_login(user)  # password only
    office = Office.objects.get(code="24-BEMBIBRE")
    response = client.post(reverse("admin:offices_office_change", args=[office.pk]), _office_form(office, phone="1"))
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.phone == ""


@pytest.mark.parametrize(
    ("role", "is_superuser", "can_edit"),
    [("administrator", False, True), ("administrator", True, True), ("supervisor", False, False),
     ("technician", False, False), ("supervisor", True, True)],
)
def test_only_administrators_edit_offices_and_holidays(django_user_model, shipped_offices, role, is_superuser,
                                                       can_edit):
    """Even with every model permission, staff who are not administrators (or superusers) only read."""
    user = django_user_model.objects.create_user(
        username=f"{role}.{is_superuser}", password="x", role=role, is_staff=True, is_superuser=is_superuser,
        office=Office.objects.get(code="24-BEMBIBRE"),
    )
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="offices"))
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.get(pk=user.pk)  # fresh: no cached permissions
    assert can_manage_offices(request.user) is can_edit
    office_admin, holiday_admin = admin.site._registry[Office], admin.site._registry[LocalHoliday]
    assert office_admin.has_view_permission(request)
    assert office_admin.has_change_permission(request) is can_edit
    assert office_admin.has_add_permission(request) is can_edit
    assert not office_admin.has_delete_permission(request)
    assert holiday_admin.has_add_permission(request) is can_edit
    assert holiday_admin.has_change_permission(request) is can_edit
    assert holiday_admin.has_delete_permission(request) is can_edit


def test_inactive_or_anonymous_users_cannot_manage_offices(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not can_manage_offices(AnonymousUser())
    assert not can_manage_offices(None)
    inactive = django_user_model.objects.create_user(username="gone", password="x", role="administrator",
                                                     is_active=False)
    assert not can_manage_offices(inactive)
