"""Test data for the offices app (plain functions: the app has few models and no factory library)."""

from __future__ import annotations

import itertools
from typing import Any

from oficina.offices.models import LocalHoliday, Office, Province

_codes = itertools.count(1)


def province(code: str) -> Province:
    """One of the nine provinces migration 0002 created."""
    return Province.objects.get(code=code)


def make_office(*, province_code: str = "24", postal_codes_served: str = "", **fields: Any) -> Office:
    number = next(_codes)
    values: dict[str, Any] = {
        "code": f"T-{number}",
        "name": f"Oficina de prueba {number}",
        "municipality": "León",
        "province": province(province_code),
        "postal_codes_served": postal_codes_served,
        **fields,
    }
    return Office.objects.create(**values)


def make_local_holiday(
    *, office: Office | None = None, province_code: str | None = None, **fields: Any
) -> LocalHoliday:
    if office is not None:
        fields.setdefault("province", office.province)
    else:
        fields.setdefault("province", province(province_code or "24"))
    fields.setdefault("name", "Fiesta local")
    return LocalHoliday.objects.create(office=office, **fields)
