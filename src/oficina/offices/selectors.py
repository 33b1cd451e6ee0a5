"""Reads of the offices app."""

from __future__ import annotations

import unicodedata

from django.db.models import Prefetch, Q

from oficina.core.calendar import BusinessCalendar
from oficina.offices.models import LocalHoliday, Office, Province
from oficina.offices.postal_codes import is_valid_postal_code, match_specificity, served_entries

__all__ = ["business_calendar_for", "office_for_postal_code", "offices_by_province"]


def office_for_postal_code(postal_code: str) -> Office | None:
    """The active office that serves `postal_code`, or None.

    The most specific entry of `postal_codes_served` wins: an exact code beats any prefix, and a longer
    prefix beats a shorter one; equal matches go to the office with the smallest code, so the answer is
    stable. None for anything that is not five digits of a Castilla y León province.
    """
    postal_code = (postal_code or "").strip()
    if not is_valid_postal_code(postal_code):
        return None
    # Every entry that can match starts with the province's two digits (prefixes have at least two).
    candidates = (
        Office.objects.filter(is_active=True, postal_codes_served__contains=postal_code[:2])
        .select_related("province")
        .order_by("code")
    )
    best: Office | None = None
    best_score = 0
    for office in candidates:
        score = max((match_specificity(entry, postal_code) for entry in served_entries(office.postal_codes_served)),
                    default=0)
        if score > best_score:
            best, best_score = office, score
    return best


def business_calendar_for(office: Office | None) -> BusinessCalendar:
    """The business calendar of an office: public holidays (settings.HOLIDAYS_SUBDIVISION), plus the local
    holidays of that office and those of its province that apply to every office (office empty).
    None gives the public holidays only, e.g. for the registry as a whole."""
    if office is None:
        return BusinessCalendar()
    dates = LocalHoliday.objects.filter(
        Q(office=office) | Q(province_id=office.province_id, office__isnull=True)
    ).values_list("date", flat=True)
    return BusinessCalendar(local_holidays=dates)


def offices_by_province() -> dict[Province, list[Office]]:
    """Every province with its active offices, both in Spanish alphabetical order (Ávila first, not last
    as a byte-wise database collation puts it); a province may have no office. Two queries."""
    provinces = Province.objects.prefetch_related(
        Prefetch("offices", queryset=Office.objects.filter(is_active=True), to_attr="active_offices")
    )
    return {
        province: sorted(province.active_offices, key=lambda office: _alphabetical(office.name))
        for province in sorted(provinces, key=lambda province: _alphabetical(province.name))
    }


def _alphabetical(text: str) -> str:
    # Accents do not change the order in Spanish; ñ does (after n), and "n~" sorts after "nz".
    text = text.casefold().replace("ñ", "n~")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
