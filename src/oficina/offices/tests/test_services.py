"""Writes: office edits and local holidays, each audited in the same transaction."""

from __future__ import annotations

from datetime import date

import pytest

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.offices.exceptions import LocalHolidayError, OfficesError
from oficina.offices.models import LocalHoliday, Office
from oficina.offices.services import (
    local_holiday_create,
    local_holiday_delete,
    local_holiday_update,
    office_create,
    office_update,
)
from oficina.offices.tests.factories import make_office, province

pytestmark = pytest.mark.django_db


def _records(event: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(event=event).order_by("id"))


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_user(username="admin1", password="x", role="administrator")


def test_local_holiday_create_update_delete_are_audited(admin_user):
    leon = province("24")
    office = make_office(province_code="24")
    holiday = local_holiday_create(date=date(2026, 6, 24), name=" San Juan ", province=leon, actor=admin_user)
    assert (holiday.name, holiday.office) == ("San Juan", None)

    local_holiday_update(holiday=holiday, data={"office": office, "name": "San Juan y San Pedro"}, actor=admin_user)
    holiday.refresh_from_db()
    assert holiday.office == office

    local_holiday_update(holiday=holiday, data={"name": "San Juan y San Pedro"}, actor=admin_user)  # no change
    holiday_id = holiday.pk
    local_holiday_delete(holiday=holiday, actor=admin_user)
    assert not LocalHoliday.objects.filter(pk=holiday_id).exists()

    created, updated, deleted = _records(AuditEvent.LOCAL_HOLIDAY_CHANGED)
    assert created.details["action"] == "created"
    assert created.details["values"]["date"] == "2026-06-24"
    assert created.target_id == str(holiday_id)
    assert created.actor_id == admin_user.pk
    assert updated.details["changes"]["name"] == ["San Juan", "San Juan y San Pedro"]
    assert updated.details["changes"]["office"][0] is None
    assert updated.details["changes"]["office"][1]["id"] == office.pk
    assert deleted.details["action"] == "deleted"
    assert deleted.target_id == str(holiday_id)


def test_local_holiday_office_must_belong_to_the_province():
    avila_office = make_office(province_code="05")
    with pytest.raises(LocalHolidayError, match="no pertenece a la provincia"):
        local_holiday_create(date=date(2026, 6, 24), name="X", province=province("24"), office=avila_office)
    assert not LocalHoliday.objects.exists()
    assert not _records(AuditEvent.LOCAL_HOLIDAY_CHANGED)


def test_one_province_wide_holiday_per_date():
    local_holiday_create(date=date(2026, 6, 24), name="San Juan", province=province("24"))
    with pytest.raises(LocalHolidayError, match="Ya hay un festivo para toda la provincia"):
        local_holiday_create(date=date(2026, 6, 24), name="Otra", province=province("24"))
    # The same date for another province, or for one office, is fine.
    local_holiday_create(date=date(2026, 6, 24), name="San Juan", province=province("05"))
    local_holiday_create(date=date(2026, 6, 24), name="San Juan", province=province("24"),
                         office=make_office(province_code="24"))
    assert LocalHoliday.objects.count() == 3


def test_office_update_is_audited_only_when_something_changes(admin_user):
    office = make_office(province_code="24", phone="")
    office_update(office=office, data={"phone": " 987 000 000 ", "name": office.name}, actor=admin_user)
    office_update(office=office, data={"phone": "987 000 000"}, actor=admin_user)
    office.refresh_from_db()
    assert office.phone == "987 000 000"
    [record] = _records(AuditEvent.ADMIN_CHANGE)
    assert record.details == {"action": "office_updated", "changes": {"phone": ["", "987 000 000"]}}
    assert record.target_type == "offices.office"


def test_office_update_refuses_invalid_postal_codes(admin_user):
    office = make_office(province_code="24", postal_codes_served="24400")
    with pytest.raises(OfficesError, match="No válidos: «28\\*»"):
        office_update(office=office, data={"postal_codes_served": "24400 28*"}, actor=admin_user)
    office.refresh_from_db()
    assert office.postal_codes_served == "24400"
    assert not _records(AuditEvent.ADMIN_CHANGE)


def test_office_create_is_audited(admin_user):
    office = office_create(
        code="NEW", data={"name": "Nueva", "province": province("47"), "municipality": "Íscar"}, actor=admin_user
    )
    assert Office.objects.get(code="NEW").municipality == "Íscar"
    [record] = _records(AuditEvent.ADMIN_CHANGE)
    assert record.details["action"] == "office_created"
    assert record.details["values"]["province"]["id"] == province("47").pk
    assert record.target_id == str(office.pk)


def test_services_refuse_fields_they_do_not_edit():
    office = make_office()
    with pytest.raises(ValueError):
        office_update(office=office, data={"code": "OTHER"})
