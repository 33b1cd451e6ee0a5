"""Normalise and check what citizens type: DNI/NIE, Spanish mobile numbers, postal codes, birth dates.

Each `normalise_*` returns the stored form or raises `ValidationError` with a Spanish message that says
how to fix the value.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.es import dni, nie

from oficina.accounts import constants

DOCUMENT_NUMBER_INVALID = _("Escriba un DNI o NIE válido, con su letra. Por ejemplo, 12345678Z o X1234567L.")


def normalise_document_number(value: str) -> str:
    """`12.345.678-z` → `12345678Z`; `x-1234567-l` → `X1234567L`. Raises ValidationError if the
    letter does not match the number (the check rule of DOMAIN.md, through python-stdnum)."""
    raw = re.sub(r"[\s.\-/]", "", value or "")
    if raw and dni.is_valid(raw):
        return dni.compact(raw).upper()
    if raw and nie.is_valid(raw):
        return nie.compact(raw).upper()
    raise ValidationError(DOCUMENT_NUMBER_INVALID, code="invalid_document_number")


def document_number_looks_valid(value: str) -> bool:
    try:
        normalise_document_number(value)
    except ValidationError:
        return False
    return True


_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalise_mobile_phone(value: str) -> str:
    """A Spanish mobile, 9 digits starting with 6 or 7, optionally with +34 or 0034 in front.
    Stored as `+34` and the nine digits."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+34"):
        digits = digits[3:]
    elif digits.startswith("0034"):
        digits = digits[4:]
    if not re.fullmatch(r"[67]\d{8}", digits):
        raise ValidationError(
            _("Escriba un número de móvil español de 9 cifras que empiece por 6 o 7. Por ejemplo, 612 345 678."),
            code="invalid_mobile_phone",
        )
    return f"+34{digits}"


def normalise_postal_code(value: str) -> str:
    code = (value or "").strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValidationError(
            _("Escriba un código postal de 5 cifras. Por ejemplo, 47001."), code="invalid_postal_code"
        )
    if code[:2] not in constants.POSTAL_PROVINCE_PREFIXES:
        raise ValidationError(
            _("Ese código postal no existe en España. Revise las dos primeras cifras."),
            code="unknown_postal_code",
        )
    return code


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def validate_date_of_birth(born: date, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if born >= today:
        raise ValidationError(_("La fecha de nacimiento tiene que ser anterior a hoy."), code="future_birth_date")
    age = age_on(born, today)
    if age < constants.MINIMUM_AGE_YEARS:
        raise ValidationError(
            _("Para registrarse tiene que tener al menos %(years)s años.") % {"years": constants.MINIMUM_AGE_YEARS},
            code="too_young",
        )
    if age > constants.MAXIMUM_AGE_YEARS:
        raise ValidationError(_("Revise el año de nacimiento."), code="too_old")


def mask_document_number(value: str | None) -> str:
    """Show only the last four characters: `12345678Z` → `*****678Z`."""
    if not value:
        return ""
    visible = value[-4:]
    return "*" * max(len(value) - 4, 0) + visible


def mask_email(value: str) -> str:
    """`maria.lopez@example.es` → `m***@example.es`: enough to recognise, not to harvest."""
    local, _sep, domain = (value or "").partition("@")
    if not domain:
        return ""
    return f"{local[:1]}***@{domain}"

