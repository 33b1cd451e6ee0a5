"""What citizens type is normalised or refused with a Spanish message saying how to fix it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from oficina.accounts.forms import CitizenSignInForm, SignUpForm
from oficina.accounts.validation import (
    mask_document_number,
    mask_email,
    normalise_document_number,
    normalise_mobile_phone,
    normalise_postal_code,
    validate_date_of_birth,
)

pytestmark = pytest.mark.django_db

VALID = ["12345678Z", "00000000T", "99999999R", "X1234567L", "Y1234567X", "Z1234567R"]
INVALID = ["12345678A", "X1234567A", "1234567", "ABCDEFGHI", ""]


@pytest.mark.parametrize("number", VALID)
def test_valid_document_numbers_pass_the_sign_in_form(number):
    form = CitizenSignInForm({"username": number, "password": "x"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["username"] == number


@pytest.mark.parametrize("number", INVALID)
def test_invalid_document_numbers_are_refused_by_the_sign_in_form(number):
    form = CitizenSignInForm({"username": number, "password": "x"})
    assert not form.is_valid()
    expected = "Escriba su DNI o NIE." if number == "" else "Escriba un DNI o NIE válido, con su letra."
    assert expected in form.errors["username"][0]


@pytest.mark.parametrize("number", VALID)
def test_valid_document_numbers_pass_the_sign_up_form(number):
    form = SignUpForm({"document_number": number})
    form.is_valid()
    assert "document_number" not in form.errors


@pytest.mark.parametrize("number", INVALID)
def test_invalid_document_numbers_are_refused_by_the_sign_up_form(number):
    form = SignUpForm({"document_number": number})
    assert not form.is_valid()
    assert "document_number" in form.errors


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12345678z", "12345678Z"), (" 12.345.678-Z ", "12345678Z"), ("x-1234567-l", "X1234567L"), ("y1234567x", "Y1234567X")],
)
def test_document_numbers_are_stored_compact_and_uppercase(typed, stored):
    assert normalise_document_number(typed) == stored


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("612345678", "+34612345678"), ("612 34 56 78", "+34612345678"), ("+34 712-345-678", "+34712345678"),
     ("0034612345678", "+34612345678")],
)
def test_mobile_phones_are_normalised(typed, stored):
    assert normalise_mobile_phone(typed) == stored


@pytest.mark.parametrize("typed", ["912345678", "61234567", "6123456789", "+33612345678", "teléfono", ""])
def test_non_mobile_numbers_are_refused(typed):
    with pytest.raises(ValidationError, match="móvil español de 9 cifras"):
        normalise_mobile_phone(typed)


@pytest.mark.parametrize("code", ["47001", "05400", "28013", "08001", "52001"])
def test_spanish_postal_codes_are_accepted(code):
    assert normalise_postal_code(code) == code


@pytest.mark.parametrize(("code", "message"), [("4700", "5 cifras"), ("ABCDE", "5 cifras"), ("00123", "no existe"),
                                               ("53001", "no existe"), ("99999", "no existe")])
def test_impossible_postal_codes_are_refused(code, message):
    with pytest.raises(ValidationError, match=message):
        normalise_postal_code(code)


def test_date_of_birth_must_be_past_and_at_least_sixteen_years_ago():
    today = date(2026, 6, 15)
    validate_date_of_birth(date(2010, 6, 15), today=today)  # sixteen today
    with pytest.raises(ValidationError, match="al menos 16 años"):
        validate_date_of_birth(date(2010, 6, 16), today=today)
    with pytest.raises(ValidationError, match="anterior a hoy"):
        validate_date_of_birth(today, today=today)
    with pytest.raises(ValidationError, match="Revise el año"):
        validate_date_of_birth(date(1890, 1, 1), today=today)


def test_masks_show_only_what_is_needed_to_recognise_it():
    assert mask_document_number("12345678Z") == "*****678Z"
    assert mask_document_number("X1234567L") == "*****567L"
    assert mask_email("maria.lopez@example.org") == "m***@example.org"
