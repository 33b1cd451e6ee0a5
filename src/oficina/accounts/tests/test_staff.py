"""Staff: username + password, then TOTP (enrolled on first sign-in); areas and the admin are role-bound."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from oficina.accounts.models import Role
from oficina.core.audit import AuditEvent

from .conftest import (
    STAFF_PASSWORD,
    audited,
    make_citizen,
    make_office,
    make_staff,
    make_totp_device,
    province,
    sign_in_citizen,
    sign_in_staff,
    totp_code,
)

pytestmark = pytest.mark.django_db


def staff_password_step(client, user, password=STAFF_PASSWORD):
    return client.post("/personal/acceso/", {"username": user.username, "password": password})


def test_first_sign_in_enrols_a_totp_app_then_signs_in(client):
    user = make_staff()
    response = staff_password_step(client, user)
    assert response.status_code == 302 and response["Location"] == "/personal/alta-totp/"
    assert "_auth_user_id" not in client.session

    page = client.get("/personal/alta-totp/")
    html = page.content.decode()
    assert re.search(r'<svg role="img" [^>]*class="qr-code"', html)
    assert "<title>Código QR para la aplicación de autenticación</title>" in html
    assert "data:image" not in html and " style=" not in html and "<script>" not in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert base64.b32decode(secret.replace(" ", "")) == device.bin_key
    # Reloading the page shows the same secret: the app the person already scanned keeps working.
    assert secret in client.get("/personal/alta-totp/").content.decode()

    response = client.post("/personal/alta-totp/", {"code": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == "/personal/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["otp_device_id"] == device.persistent_id
    assert client.get("/personal/").status_code == 200
    assert audited(AuditEvent.TOTP_ENROLLED, result="success", target=user).count() == 1
    second = audited(AuditEvent.SIGN_IN_SECOND_FACTOR, result="success", target=user).get()
    assert second.details["method"] == "staff_password_totp"

    # Next time: password, then the TOTP step (no new enrolment).
    client.post("/cuenta/salir/")
    sign_in_staff(client, user, device, steps_ahead=1)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_wrong_code_at_enrolment_is_refused(client):
    user = make_staff()
    staff_password_step(client, user)
    device = TOTPDevice.objects.get(user=user)
    right = totp_code(device)
    response = client.post("/personal/alta-totp/", {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert response.status_code == 200
    assert "El código no es correcto" in response.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert "_auth_user_id" not in client.session
    assert audited(AuditEvent.TOTP_ENROLLED, result="failure", target=user).count() == 1


def test_password_alone_does_not_sign_staff_in(client):
    user = make_staff()
    make_totp_device(user)
    response = staff_password_step(client, user)
    assert response["Location"] == "/personal/acceso/totp/"
    assert "_auth_user_id" not in client.session
    response = client.get("/personal/")
    assert response.status_code == 302 and response["Location"] == "/personal/acceso/?next=/personal/"


def test_totp_sign_in_marks_the_session_verified_and_rotates_its_key(client):
    user = make_staff()
    device = make_totp_device(user)
    staff_password_step(client, user)
    key = client.session.session_key
    response = client.post("/personal/acceso/totp/", {"code": totp_code(device)})
    assert response["Location"] == "/personal/"
    assert client.session.session_key != key
    assert client.session["otp_device_id"] == device.persistent_id


def test_wrong_totp_is_refused_and_audited(client):
    user = make_staff()
    device = make_totp_device(user)
    staff_password_step(client, user)
    right = totp_code(device)
    response = client.post("/personal/acceso/totp/", {"code": f"{(int(right) + 500_000) % 1_000_000:06d}"})
    assert "El código no es correcto" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert audited(AuditEvent.SIGN_IN_SECOND_FACTOR, result="failure", target=user).count() == 1


def test_a_totp_code_is_accepted_only_once(client, other_client):
    user = make_staff()
    device = make_totp_device(user)
    code = totp_code(device)
    staff_password_step(client, user)
    assert client.post("/personal/acceso/totp/", {"code": code})["Location"] == "/personal/"
    staff_password_step(other_client, user)
    response = other_client.post("/personal/acceso/totp/", {"code": code})
    assert response.status_code == 200 and "_auth_user_id" not in other_client.session


def test_enrolment_page_is_refused_to_staff_with_a_confirmed_app(client):
    user = make_staff()
    make_totp_device(user)
    staff_password_step(client, user)
    response = client.get("/personal/alta-totp/")
    assert response.status_code == 302 and response["Location"] == "/personal/acceso/"
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_citizen_cannot_use_the_staff_sign_in(client):
    citizen = make_citizen()
    response = staff_password_step(client, citizen, "Trigo-Meseta-2024")
    assert response.status_code == 200
    assert "Usuario o contraseña incorrectos." in response.content.decode()
    assert "oficina_pending_sign_in" not in client.session
    assert not TOTPDevice.objects.exists()


def test_wrong_staff_password_gets_the_generic_message(client):
    user = make_staff()
    response = staff_password_step(client, user, "otra-cosa")
    assert "Usuario o contraseña incorrectos." in response.content.decode()


def test_staff_lockout_after_five_wrong_passwords(client):
    user = make_staff()
    for _ in range(4):
        staff_password_step(client, user, "otra-cosa")
    assert staff_password_step(client, user, "otra-cosa").status_code == 429
    assert staff_password_step(client, user).status_code == 429


def test_technician_gets_403_on_citizen_pages(client):
    user = make_staff()
    device = make_totp_device(user)
    sign_in_staff(client, user, device)
    response = client.get("/cuenta/")
    assert response.status_code == 403
    assert "No tiene acceso a esta página" in response.content.decode()


def test_citizen_gets_403_on_staff_pages(client, mailbox):
    sign_in_citizen(client, mailbox, make_citizen())
    response = client.get("/personal/")
    assert response.status_code == 403
    assert "No tiene acceso a esta página" in response.content.decode()


def test_technician_home_shows_the_office_and_upcoming_tools(client):
    office = make_office()
    user = make_staff(office=office)
    sign_in_staff(client, user, make_totp_device(user))
    html = client.get("/personal/").content.decode()
    assert f"Oficina de {office.name}" in html
    for title in ["Cola de atención", "Agenda", "Demandas de empleo", "Bandeja", "Expedientes", "Estadísticas"]:
        assert title in html
    assert 'href="/atencion/puesto/"' in html
    assert html.count('<span class="soon">Próximamente</span>') == 3
    assert 'href="/admin/"' not in html


def test_supervisor_home_shows_the_province(client):
    user = make_staff(role=Role.SUPERVISOR, username="supervisor", supervised_province=province("24"))
    sign_in_staff(client, user, make_totp_device(user))
    assert "Provincia de León" in client.get("/personal/").content.decode()


def test_administrator_sees_and_reaches_the_admin(client):
    user = make_staff(role=Role.ADMINISTRATOR, username="admin", is_staff=True, is_superuser=True)
    sign_in_staff(client, user, make_totp_device(user))
    html = client.get("/personal/").content.decode()
    assert "Todo el servicio" in html and 'href="/admin/"' in html
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/?q=12345678Z").status_code == 200
    assert client.get("/admin/accounts/onetimecode/add/").status_code == 403


def test_admin_without_otp_goes_to_staff_sign_in(client):
    user = make_staff(role=Role.ADMINISTRATOR, username="admin", is_staff=True, is_superuser=True)
    client.force_login(user)  # password-only session, no TOTP
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/personal/acceso/?next=/admin/")


def test_technician_cannot_enter_the_admin_even_with_is_staff(client):
    user = make_staff(is_staff=True)
    sign_in_staff(client, user, make_totp_device(user))
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_citizen_cannot_enter_the_admin(client, mailbox):
    sign_in_citizen(client, mailbox, make_citizen())
    assert client.get("/admin/", follow=True).status_code == 403


def test_anonymous_admin_goes_to_staff_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/personal/acceso/?next=/admin/"


def test_anonymous_staff_home_redirects_to_staff_sign_in(client):
    response = client.get("/personal/")
    assert response.status_code == 302 and response["Location"] == "/personal/acceso/?next=/personal/"


def test_user_changes_in_the_admin_are_audited(client):
    admin_user = make_staff(role=Role.ADMINISTRATOR, username="admin", is_staff=True, is_superuser=True)
    sign_in_staff(client, admin_user, make_totp_device(admin_user))
    citizen = make_citizen()
    response = client.post(f"/admin/accounts/user/{citizen.pk}/change/", {
        "username": citizen.username, "document_number": citizen.document_number, "first_name": "María José",
        "last_name": citizen.last_name, "date_of_birth": "14/05/1970", "email": citizen.email,
        "phone": citizen.phone, "postal_code": citizen.postal_code, "role": Role.CITIZEN, "is_active": "on",
        "_save": "Guardar",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    citizen.refresh_from_db()
    assert citizen.first_name == "María José"
    record = audited(AuditEvent.ADMIN_CHANGE, target=citizen).get()
    assert record.actor_id == admin_user.pk and record.details["action"] == "change"


def test_my_area_link_leads_each_role_to_its_own_home(client, other_client, mailbox):
    """The header's "Mi área" must not send staff to the citizen area, where they get 403."""
    technician = make_staff(office=make_office())
    sign_in_staff(client, technician, make_totp_device(technician))
    assert 'href="/personal/">Mi área' in client.get("/personal/").content.decode()
    sign_in_citizen(other_client, mailbox, make_citizen())
    assert 'href="/cuenta/">Mi área' in other_client.get("/cuenta/").content.decode()
