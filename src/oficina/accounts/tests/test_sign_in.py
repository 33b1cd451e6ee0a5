"""Citizen sign-in: password and then a mailed code; lockout after 5 wrong passwords; reset unlocks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from oficina.accounts.models import OneTimeCode
from oficina.core.audit import AuditEvent

from .conftest import PASSWORD, audited, citizen_password_step, make_citizen, make_staff, sign_in_citizen

pytestmark = pytest.mark.django_db

GENERIC = "DNI/NIE o contraseña incorrectos."


def test_sign_in_entry_goes_to_the_only_method_keeping_next(client):
    response = client.get("/cuenta/acceso/?next=/cuenta/")
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/contrasena/?next=%2Fcuenta%2F"


def test_anonymous_citizen_home_redirects_to_sign_in(client):
    response = client.get("/cuenta/")
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/?next=/cuenta/"


def test_password_alone_does_not_sign_in(client, mailbox):
    user = make_citizen()
    response = citizen_password_step(client, user)
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/codigo/"
    assert "_auth_user_id" not in client.session
    assert client.get("/cuenta/").status_code == 302  # still anonymous
    assert mailbox.wait_for(user.email)
    assert audited(AuditEvent.SIGN_IN_PASSWORD, result="success", target=user).count() == 1
    assert not audited(AuditEvent.SIGN_IN_SECOND_FACTOR).exists()


def test_password_and_code_sign_in_with_a_new_session_key(client, mailbox):
    user = make_citizen()
    citizen_password_step(client, user)
    key_before = client.session.session_key
    page = client.get("/cuenta/acceso/codigo/").content.decode()
    assert "m***@example.org" in page and 'autocomplete="one-time-code"' in page
    response = client.post("/cuenta/acceso/codigo/", {"code": mailbox.last_code(user.email)})
    assert response.status_code == 302 and response["Location"] == "/cuenta/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session.session_key != key_before
    assert "oficina_pending_sign_in" not in client.session
    assert {"oficina_auth_started_at", "oficina_last_activity_at"} <= set(client.session.keys())
    record = audited(AuditEvent.SIGN_IN_SECOND_FACTOR, result="success", target=user).get()
    assert record.details == {"method": "password_otp"}


def test_citizen_home_shows_masked_document_office_and_upcoming_services(client, mailbox):
    from .conftest import make_office

    office = make_office(postal_codes_served="47001")
    user = make_citizen(office=office)
    sign_in_citizen(client, mailbox, user)
    html = client.get("/cuenta/").content.decode()
    assert "Hola, María" in html
    assert "*****678Z" in html and "12345678Z" not in html
    assert office.name in html
    assert html.count('class="card"') == 8
    assert html.count('<span class="soon">Próximamente</span>') == 4
    assert "Inscribirme como demandante de empleo" in html and 'href="/atencion/"' in html
    for title in ["Renovar la demanda (DARDE)", "Cita previa",
                  "Sala de espera virtual", "Mis documentos", "Mensajes", "Notificaciones", "Firmar documentos",
                  "Mis datos"]:
        assert title in html


def test_next_address_is_honoured_after_the_code(client, mailbox):
    user = make_citizen()
    client.post("/cuenta/acceso/contrasena/?next=/cuenta/contrasena/cambiar/",
                {"username": user.document_number, "password": PASSWORD, "next": "/cuenta/contrasena/cambiar/"})
    response = client.post("/cuenta/acceso/codigo/", {"code": mailbox.last_code(user.email)})
    assert response["Location"] == "/cuenta/contrasena/cambiar/"


def test_next_address_to_another_site_is_ignored(client, mailbox):
    user = make_citizen()
    client.post("/cuenta/acceso/contrasena/", {"username": user.document_number, "password": PASSWORD,
                                                "next": "https://evil.example/"})
    response = client.post("/cuenta/acceso/codigo/", {"code": mailbox.last_code(user.email)})
    assert response["Location"] == "/cuenta/"


@pytest.mark.parametrize("username", ["12345678Z", "99999999R"])
def test_wrong_password_or_unknown_document_get_the_same_generic_message(client, username):
    make_citizen()
    response = client.post("/cuenta/acceso/contrasena/", {"username": username, "password": "Nada-que-ver-1"})
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert audited(AuditEvent.SIGN_IN_PASSWORD, result="failure").get().actor_label == username


def test_the_document_can_be_typed_in_lowercase_with_separators(client, mailbox):
    user = make_citizen(document_number="X1234567L")
    response = client.post("/cuenta/acceso/contrasena/", {"username": "x-1234567-l", "password": PASSWORD})
    assert response["Location"] == "/cuenta/acceso/codigo/"


def test_wrong_code_is_refused_and_five_wrong_codes_kill_it(client, mailbox):
    user = make_citizen()
    citizen_password_step(client, user)
    code = mailbox.last_code(user.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        response = client.post("/cuenta/acceso/codigo/", {"code": wrong})
        html = response.content.decode()
        if attempt < 5:
            assert "El código no es correcto" in html
        else:
            assert "Este código ya no sirve" in html
    response = client.post("/cuenta/acceso/codigo/", {"code": code})
    assert "Este código ya no sirve" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # A new code can be asked for once the cool-down is over, and it works.
    OneTimeCode.objects.filter(user=user).update(created_at=timezone.now() - timedelta(seconds=61))
    response = client.post("/cuenta/acceso/codigo/reenviar/")
    assert response["Location"] == "/cuenta/acceso/codigo/"
    response = client.post("/cuenta/acceso/codigo/", {"code": mailbox.last_code(user.email, count=2)})
    assert response["Location"] == "/cuenta/"


def test_expired_code_is_refused(client, mailbox):
    user = make_citizen()
    citizen_password_step(client, user)
    code = mailbox.last_code(user.email)
    OneTimeCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post("/cuenta/acceso/codigo/", {"code": code})
    assert "Este código ya no sirve" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_resend_within_a_minute_sends_nothing_and_says_how_long_to_wait(client, mailbox):
    user = make_citizen()
    citizen_password_step(client, user)
    mailbox.wait_for(user.email)
    response = client.post("/cuenta/acceso/codigo/reenviar/", follow=True)
    assert "Podrá pedir otro dentro de" in response.content.decode()
    assert len(mailbox.to(user.email)) == 1


def test_resend_is_post_only(client):
    assert client.get("/cuenta/acceso/codigo/reenviar/").status_code == 405


def test_code_page_without_password_step_goes_back_to_sign_in(client):
    response = client.get("/cuenta/acceso/codigo/")
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/"


def test_a_code_sent_to_someone_else_does_not_help(client, other_client, mailbox, monkeypatch):
    from oficina.accounts import services

    alice = make_citizen()
    bob = make_citizen(document_number="00000000T", email="bob@example.org")
    monkeypatch.setattr(services.secrets, "randbelow", lambda limit: 111111)
    citizen_password_step(client, alice)
    monkeypatch.setattr(services.secrets, "randbelow", lambda limit: 222222)
    citizen_password_step(other_client, bob)
    assert (mailbox.last_code(alice.email), mailbox.last_code(bob.email)) == ("111111", "222222")
    response = client.post("/cuenta/acceso/codigo/", {"code": "222222"})
    assert response.status_code == 200 and "El código no es correcto" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unconfirmed_email_is_sent_to_confirmation_which_then_signs_in(client, mailbox):
    user = make_citizen(confirmed=False)
    response = citizen_password_step(client, user)
    assert response["Location"] == "/cuenta/confirmar-email/"
    assert "_auth_user_id" not in client.session
    response = client.post("/cuenta/confirmar-email/", {"code": mailbox.last_code(user.email)})
    assert response["Location"] == "/cuenta/"
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_staff_account_cannot_use_citizen_sign_in(client):
    staff = make_staff(username="12345678Z")  # even a staff username that looks like a DNI
    response = client.post("/cuenta/acceso/contrasena/", {"username": staff.username, "password": "Despacho-Ecyl-2024"})
    assert response.status_code == 200 and GENERIC in response.content.decode()
    assert "oficina_pending_sign_in" not in client.session
    assert audited(AuditEvent.SIGN_IN_PASSWORD, result="failure").get().details["reason"] == "wrong_area"


def test_sms_channel_offered_when_configured(client, settings, caplog):
    settings.SMS_BACKEND = "oficina.accounts.sms.LogSmsBackend"
    user = make_citizen()
    assert 'name="channel"' in client.get("/cuenta/acceso/contrasena/").content.decode()
    with caplog.at_level("INFO", logger="oficina.accounts.sms"):
        response = client.post("/cuenta/acceso/contrasena/",
                               {"username": user.document_number, "password": PASSWORD, "channel": "sms"})
    assert response["Location"] == "/cuenta/acceso/codigo/"
    body = next(r.args[1] for r in caplog.records if r.name == "oficina.accounts.sms")
    assert "su móvil acabado en 678" in client.get("/cuenta/acceso/codigo/").content.decode()
    response = client.post("/cuenta/acceso/codigo/", {"code": re.match(r"\d{6}", body).group(0)})
    assert response["Location"] == "/cuenta/"


def test_sms_channel_not_offered_without_backend(client, settings):
    settings.SMS_BACKEND = ""
    assert 'name="channel"' not in client.get("/cuenta/acceso/contrasena/").content.decode()


# --- Lockout and its way out ------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, mailbox):
    user = make_citizen()
    for attempt in range(1, 5):
        response = citizen_password_step(client, user, "Mal-escrita-1")
        assert response.status_code == 200 and GENERIC in response.content.decode()
    response = citizen_password_step(client, user, "Mal-escrita-1")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Acceso bloqueado temporalmente" in html
    assert "/cuenta/contrasena/restablecer/" in html
    assert "contraseña incorrecta" not in html.lower()

    response = citizen_password_step(client, user, PASSWORD)
    assert response.status_code == 429
    assert "oficina_pending_sign_in" not in client.session
    assert mailbox.to(user.email) == []
    assert audited(AuditEvent.SIGN_IN_LOCKED_OUT, target=user).exists()
    assert audited(AuditEvent.SIGN_IN_PASSWORD, result="failure").last().details["reason"] == "locked_out"


def test_lockout_is_per_account_not_per_network(client, mailbox):
    locked = make_citizen()
    other = make_citizen(document_number="00000000T", email="vecino@example.org")
    for _ in range(5):
        citizen_password_step(client, locked, "Mal-escrita-1")
    response = citizen_password_step(client, other)
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/codigo/"


def test_password_reset_by_email_unlocks_the_account(client, mailbox):
    user = make_citizen()
    for _ in range(5):
        citizen_password_step(client, user, "Mal-escrita-1")
    assert citizen_password_step(client, user, PASSWORD).status_code == 429

    response = client.post("/cuenta/contrasena/restablecer/", {"email": user.email})
    assert response["Location"] == "/cuenta/contrasena/restablecer/enviado/"
    body = mailbox.body(mailbox.wait_for(user.email)[0])
    assert "*****678Z" in body
    link = re.search(r"http://testserver(/cuenta/contrasena/restablecer/\S+/)", body).group(1)
    response = client.get(link)
    assert response.status_code == 302
    new_password = "Pinar-de-Soria-77"
    response = client.post(response["Location"], {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == "/cuenta/contrasena/restablecer/hecho/"

    assert not AccessAttempt.objects.filter(username=user.username).exists()
    assert audited(AuditEvent.PASSWORD_RESET_REQUESTED, target=user).count() == 1
    assert audited(AuditEvent.PASSWORD_RESET_DONE, target=user).count() == 1
    assert audited(AuditEvent.ACCOUNT_UNLOCKED, target=user).count() == 1
    sign_in_citizen(client, mailbox, user, new_password)


def test_password_reset_page_says_the_same_for_unknown_addresses(client, mailbox):
    make_citizen()
    known = client.post("/cuenta/contrasena/restablecer/", {"email": "maria@example.org"}, follow=True)
    unknown = client.post("/cuenta/contrasena/restablecer/", {"email": "nadie@example.org"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert "Si ese correo corresponde a una cuenta" in unknown.content.decode()
    assert mailbox.to("nadie@example.org") == []


def test_password_reset_ends_the_other_sessions(client, other_client, mailbox):
    user = make_citizen()
    sign_in_citizen(other_client, mailbox, user)
    assert other_client.get("/cuenta/").status_code == 200
    client.post("/cuenta/contrasena/restablecer/", {"email": user.email})
    body = mailbox.body(mailbox.to(user.email)[-1])
    link = re.search(r"http://testserver(/cuenta/contrasena/restablecer/\S+/)", body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Pinar-de-Soria-77", "new_password2": "Pinar-de-Soria-77"})
    response = other_client.get("/cuenta/")
    assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/")


def test_signed_in_citizen_changes_password(client, mailbox):
    user = make_citizen()
    sign_in_citizen(client, mailbox, user)
    response = client.post("/cuenta/contrasena/cambiar/", {
        "old_password": PASSWORD, "new_password1": "Pinar-de-Soria-77", "new_password2": "Pinar-de-Soria-77"})
    assert response["Location"] == "/cuenta/contrasena/cambiada/"
    user.refresh_from_db()
    assert user.check_password("Pinar-de-Soria-77")
    assert client.get("/cuenta/").status_code == 200  # this session goes on
    assert audited(AuditEvent.PASSWORD_CHANGED, target=user).count() == 1


def test_wrong_current_password_is_refused_on_change(client, mailbox):
    user = make_citizen()
    sign_in_citizen(client, mailbox, user)
    response = client.post("/cuenta/contrasena/cambiar/", {
        "old_password": "no-es-esta", "new_password1": "Pinar-de-Soria-77", "new_password2": "Pinar-de-Soria-77"})
    assert "La contraseña actual no es correcta." in response.content.decode()


def test_password_change_needs_a_signed_in_user(client):
    response = client.get("/cuenta/contrasena/cambiar/")
    assert response["Location"].startswith("/cuenta/acceso/")
