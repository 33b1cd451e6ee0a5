"""Postal codes of Castilla y León and the patterns an office serves.

A postal code is five digits whose first two are the province's INE code (05, 09, 24, 34, 37, 40, 42, 47,
49). An office's `postal_codes_served` is a space-separated list of exact codes ("24400") and prefixes of 2
to 4 digits ending in "*" ("47*", "0540*"); a more specific entry wins (see selectors).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oficina.offices.constants import PROVINCES

_POSTAL_CODE = re.compile(r"[0-9]{5}")  # not \d: it matches other scripts' digits too
_PREFIX = re.compile(r"([0-9]{2,4})\*")
EXACT_MATCH = 5  # specificity of an exact code; a prefix scores its number of digits (2-4)


def is_valid_postal_code(value: str) -> bool:
    """Five digits of a Castilla y León province."""
    return bool(_POSTAL_CODE.fullmatch(value)) and value[:2] in PROVINCES


def is_valid_served_entry(entry: str) -> bool:
    if is_valid_postal_code(entry):
        return True
    prefix = _PREFIX.fullmatch(entry)
    return prefix is not None and prefix.group(1)[:2] in PROVINCES


def invalid_served_entries(text: str) -> list[str]:
    return [entry for entry in text.split() if not is_valid_served_entry(entry)]


def served_entries(text: str) -> list[str]:
    """The valid entries of a `postal_codes_served` value (invalid ones cannot be stored, see validators)."""
    return [entry for entry in text.split() if is_valid_served_entry(entry)]


def match_specificity(entry: str, postal_code: str) -> int:
    """How specifically `entry` matches `postal_code`: 5 for the exact code, the prefix length for a
    prefix, 0 for no match."""
    if entry.endswith("*"):
        prefix = entry[:-1]
        return len(prefix) if postal_code.startswith(prefix) else 0
    return EXACT_MATCH if entry == postal_code else 0


def validate_postal_code(value: str) -> None:
    if value and not is_valid_postal_code(value):
        raise ValidationError(
            _("«%(value)s» no es un código postal de Castilla y León: deben ser 5 cifras que empiecen por "
              "05, 09, 24, 34, 37, 40, 42, 47 o 49."),
            code="invalid_postal_code",
            params={"value": value},
        )


def validate_postal_codes_served(value: str) -> None:
    invalid = invalid_served_entries(value)
    if invalid:
        raise ValidationError(
            _("No válidos: %(entries)s. Use códigos postales de 5 cifras o prefijos de 2 a 4 cifras "
              "terminados en * (p. ej. 24400 o 47*), de provincias de Castilla y León."),
            code="invalid_postal_codes_served",
            params={"entries": ", ".join(f"«{entry}»" for entry in invalid)},
        )
