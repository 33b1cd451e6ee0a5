"""Citizen sign-up: the form, its Spanish messages, the duplicate DNI/NIE, and the email confirmation."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import timezone

from oficina.accounts.models import OneTimeCode, Role, User
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .conftest import PASSWORD, audited, make_citizen, make_office

pytestmark = pytest.mark.django_db

SIGN_UP = "/cuenta/registro/"


def valid_data(**overrides):
    data = {
        "document_number": "x-1234567-l",
        "first_name": "Eusebio",
        "last_name": "Pérez Manzano",
        "date_of_birth": "1958-03-21",
        "email": "eusebio@example.org",
        "phone": "612 34 56 78",
        "postal_code": "47001",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_privacy": "on",
    }
    data.update(overrides)
    return data


def field_error(html: str, field: str) -> str:
    """The error printed next to a field (includes/field.html), without the hidden 'Error:' prefix."""
    match = re.search(rf'<p class="error-message" id="id_{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<span[^>]*>.*?</span>", "", match.group(1)).strip()


def test_sign_up_page_has_every_field_and_links_the_privacy_notice(client):
    html = client.get(SIGN_UP).content.decode()
    for name in ["document_number", "first_name", "last_name", "date_of_birth", "email", "phone", "postal_code",
                 "password1", "password2", "accept_privacy", "csrfmiddlewaretoken"]:
        assert f'name="{name}"' in html
    assert 'href="/privacidad/"' in html
    assert "Crear la cuenta" in html


def test_sign_up_creates_a_citizen_with_unconfirmed_email_and_mails_a_code(client, mailbox):
    office = make_office(province_code="47", postal_codes_served="47*")
    response = client.post(SIGN_UP, valid_data())
    assert response.status_code == 302 and response["Location"] == "/cuenta/confirmar-email/"

    user = User.objects.get(document_number="X1234567L")
    assert user.username == "X1234567L"
    assert user.role == Role.CITIZEN
    assert user.is_active and user.email_confirmed_at is None
    assert user.phone == "+34612345678"
    assert user.date_of_birth == date(1958, 3, 21)
    assert user.office == office
    assert user.check_password(PASSWORD)
    assert "_auth_user_id" not in client.session

    message = mailbox.wait_for("eusebio@example.org")[0]
    body = mailbox.body(message)
    assert "10 minutos" in body and "ignore este mensaje" in body
    code = mailbox.last_code("eusebio@example.org")
    stored = OneTimeCode.objects.get(user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL)
    assert code not in stored.code_hash  # only a keyed hash is kept

    assert audited(AuditEvent.USER_SIGNED_UP, target=user).count() == 1
    assert audited(AuditEvent.ONE_TIME_CODE_SENT, result="success", target=user).count() == 1


def test_confirming_the_email_with_the_mailed_code_signs_the_citizen_in(client, mailbox):
    client.post(SIGN_UP, valid_data())
    user = User.objects.get(document_number="X1234567L")
    page = client.get("/cuenta/confirmar-email/").content.decode()
    assert "e***@example.org" in page and "Enviar un código nuevo" in page

    anonymous_key = client.session.session_key
    response = client.post("/cuenta/confirmar-email/", {"code": mailbox.last_code("eusebio@example.org")})
    assert response.status_code == 302 and response["Location"] == "/cuenta/"
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.session_key != anonymous_key
    assert audited(AuditEvent.EMAIL_CONFIRMED, target=user).count() == 1
    assert audited(AuditEvent.SIGN_IN_SECOND_FACTOR, target=user).get().details == {"method": "sign_up"}
    home = client.get("/cuenta/").content.decode()
    assert "Hola, Eusebio" in home


def test_a_wrong_confirmation_code_is_refused_next_to_the_field(client, mailbox):
    client.post(SIGN_UP, valid_data())
    right = mailbox.last_code("eusebio@example.org")
    wrong = "000000" if right != "000000" else "111111"
    response = client.post("/cuenta/confirmar-email/", {"code": wrong})
    assert response.status_code == 200
    assert "El código no es correcto" in field_error(response.content.decode(), "code")
    assert "_auth_user_id" not in client.session
    assert User.objects.get(document_number="X1234567L").email_confirmed_at is None


def test_confirmation_page_without_a_sign_up_in_this_session_goes_to_sign_in(client):
    response = client.get("/cuenta/confirmar-email/")
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("document_number", "12345678A", "Escriba un DNI o NIE válido, con su letra."),
        ("document_number", "", "Escriba su DNI o NIE."),
        ("first_name", "", "Escriba su nombre."),
        ("last_name", "", "Escriba sus apellidos."),
        ("date_of_birth", "2099-01-01", "La fecha de nacimiento tiene que ser anterior a hoy."),
        ("date_of_birth", "31/02/1970", "Escriba una fecha que exista"),
        ("date_of_birth", "hace tiempo", "Escriba una fecha que exista"),
        ("email", "eusebio.example.org", "Escriba un correo electrónico válido."),
        ("phone", "912345678", "Escriba un número de móvil español de 9 cifras"),
        ("postal_code", "4700", "Escriba un código postal de 5 cifras."),
        ("postal_code", "99001", "Ese código postal no existe en España."),
        ("password1", "12345678", "La contraseña"),
        ("password1", "abc", "La contraseña"),
        ("accept_privacy", "", "tiene que aceptar el aviso de protección de datos"),
    ],
)
def test_each_invalid_field_gets_its_spanish_message_and_the_form_keeps_the_input(client, field, value, message):
    data = valid_data(**{field: value})
    if field == "password1":
        data["password2"] = value
    if field == "accept_privacy":
        del data["accept_privacy"]
    response = client.post(SIGN_UP, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_error(html, field)
    assert 'class="error-summary"' in html and f'href="#id_{field}"' in html
    # What was typed stays, except the passwords.
    for kept in ["first_name", "last_name", "email", "postal_code"]:
        if kept != field:
            assert f'value="{data[kept]}"' in html
    assert f'value="{PASSWORD}"' not in html
    assert not User.objects.exists()
    assert not AuditRecord.objects.filter(event=AuditEvent.USER_SIGNED_UP).exists()


def test_too_young_to_sign_up(client):
    born = timezone.localdate().replace(year=timezone.localdate().year - 15)
    response = client.post(SIGN_UP, valid_data(date_of_birth=born.isoformat()))
    assert "al menos 16 años" in field_error(response.content.decode(), "date_of_birth")


def test_passwords_must_match(client):
    response = client.post(SIGN_UP, valid_data(password2=PASSWORD + "x"))
    assert "Las dos contraseñas no coinciden" in field_error(response.content.decode(), "password2")


def test_password_too_similar_to_the_name_is_refused(client):
    response = client.post(SIGN_UP, valid_data(password1="EusebioPerez", password2="EusebioPerez"))
    assert "demasiado similar" in field_error(response.content.decode(), "password1")


def test_date_of_birth_typed_day_first_is_understood(client, mailbox):
    response = client.post(SIGN_UP, valid_data(date_of_birth="21/03/1958"))
    assert response.status_code == 302
    assert User.objects.get().date_of_birth == date(1958, 3, 21)


def test_duplicate_document_number_gets_a_message_that_says_how_to_get_in(client):
    make_citizen(document_number="X1234567L", email="other@example.org")
    response = client.post(SIGN_UP, valid_data(document_number="X1234567L"))
    assert response.status_code == 200
    assert field_error(response.content.decode(), "document_number") == (
        "Ya existe una cuenta con este DNI/NIE. Si es suya, acceda o restablezca su contraseña."
    )
    assert User.objects.count() == 1


def test_sign_up_needs_the_csrf_token():
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(SIGN_UP, valid_data())
    assert response.status_code == 403
    assert not User.objects.exists()
