"""Fixed facts of the offices app."""

from __future__ import annotations

# The nine provinces of Castilla y León: INE code (also the first two digits of their postal codes) -> name.
# Migration 0002 creates them; the list is frozen there too, as migrations must not import app code.
PROVINCES: dict[str, str] = {
    "05": "Ávila",
    "09": "Burgos",
    "24": "León",
    "34": "Palencia",
    "37": "Salamanca",
    "40": "Segovia",
    "42": "Soria",
    "47": "Valladolid",
    "49": "Zamora",
}

# Columns of the offices CSV (manage.py load_offices), in their usual order.
CSV_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "province_code",
    "municipality",
    "address",
    "postal_code",
    "phone",
    "opening_hours",
    "postal_codes_served",
)
