"""Reads: which office serves a postal code, an office's business calendar, offices by province."""

from __future__ import annotations

from datetime import date

import pytest

from oficina.offices.models import Office
from oficina.offices.selectors import business_calendar_for, office_for_postal_code, offices_by_province
from oficina.offices.tests.factories import make_local_holiday, make_office

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("postal_code", "office_code"),
    [
        ("24400", "24-PONFERRADA"),  # exact code beats León I's 24*
        ("24404", "24-PONFERRADA"),
        ("24700", "24-ASTORGA"),
        ("05400", "05-ARENAS-SAN-PEDRO"),
        (" 24100 ", "24-VILLABLINO"),  # surrounding spaces are ignored
        ("24010", "24-LEON-I"),  # León city: the province fallback (the León I/II split is not known)
        ("24405", "24-LEON-I"),
        ("05001", "05-AVILA"),
        ("09001", "09-BURGOS-II"),
        ("34001", "34-PALENCIA"),
        ("37001", "37-SALAMANCA"),
        ("40001", "40-SEGOVIA"),
        ("42001", "42-SORIA"),
        ("47001", "47-VALLADOLID"),
        ("49001", "49-ZAMORA"),
    ],
)
def test_office_for_postal_code(shipped_offices, postal_code, office_code):
    assert office_for_postal_code(postal_code).code == office_code


@pytest.mark.parametrize(
    "postal_code",
    ["28001", "01001", "00000", "2440", "244000", "24 40", "abcde", "24a00", "", "24*", "２４４００", "24４00"],
)
def test_unknown_province_or_malformed_postal_code_gives_none(shipped_offices, postal_code):
    """Outside Castilla y León, or not five ASCII digits: no office."""
    assert office_for_postal_code(postal_code) is None


def test_longer_prefix_beats_shorter_and_exact_beats_both(shipped_offices):
    make_office(code="T-PREFIX", postal_codes_served="244*")
    assert office_for_postal_code("24405").code == "T-PREFIX"  # 244* beats 24*
    assert office_for_postal_code("24400").code == "24-PONFERRADA"  # exact beats 244*
    assert office_for_postal_code("24010").code == "24-LEON-I"


def test_only_active_offices_serve(shipped_offices):
    Office.objects.filter(code="24-PONFERRADA").update(is_active=False)
    assert office_for_postal_code("24400").code == "24-LEON-I"
    Office.objects.filter(code="24-LEON-I").update(is_active=False)
    assert office_for_postal_code("24400") is None


def test_equal_matches_go_to_the_smallest_code(db):
    make_office(code="B-OFFICE", postal_codes_served="24400")
    make_office(code="A-OFFICE", postal_codes_served="24400")
    assert office_for_postal_code("24400").code == "A-OFFICE"


def test_business_calendar_for_an_office(shipped_offices):
    """An office closes on its own local holidays and on its province's, not on other offices' or
    provinces'."""
    ponferrada = Office.objects.get(code="24-PONFERRADA")
    astorga = Office.objects.get(code="24-ASTORGA")
    own = date(2026, 9, 8)  # Tuesday
    province_wide = date(2026, 6, 24)  # Wednesday
    other_office = date(2026, 8, 25)  # Tuesday
    other_province = date(2026, 5, 13)  # Wednesday
    make_local_holiday(office=ponferrada, date=own, name="La Encina")
    make_local_holiday(province_code="24", date=province_wide)
    make_local_holiday(office=astorga, date=other_office)
    make_local_holiday(province_code="05", date=other_province)

    calendar = business_calendar_for(ponferrada)
    assert not calendar.is_business_day(own)
    assert not calendar.is_business_day(province_wide)
    assert calendar.is_business_day(other_office)
    assert calendar.is_business_day(other_province)
    assert not calendar.is_business_day(date(2026, 4, 23))  # regional holiday still there
    assert calendar.add_business_days(date(2026, 9, 7), 1) == date(2026, 9, 9)

    public_only = business_calendar_for(None)
    assert all(public_only.is_business_day(d) for d in (own, province_wide, other_office, other_province))


def test_offices_by_province(shipped_offices, django_assert_num_queries):
    """Spanish alphabetical order (Ávila first), active offices only, in two queries."""
    Office.objects.filter(code="24-FABERO").update(is_active=False)
    with django_assert_num_queries(2):
        grouped = offices_by_province()
        names = {province.name: [office.name for office in offices] for province, offices in grouped.items()}
        labels = [str(office) for offices in grouped.values() for office in offices]  # no query per office
    assert list(names) == ["Ávila", "Burgos", "León", "Palencia", "Salamanca", "Segovia", "Soria",
                           "Valladolid", "Zamora"]
    assert names["Ávila"] == ["Arenas de San Pedro", "Arévalo", "Ávila", "El Tiemblo", "Piedrahíta"]
    assert "Fabero" not in names["León"]
    assert names["León"][:3] == ["Astorga", "Bembibre", "Cistierna"]
    assert "Ponferrada (León)" in labels
