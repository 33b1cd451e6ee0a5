"""The sign-up and sign-in pages in a real Chromium, against the live server and the real SMTP server.

Every page loaded here also passes axe-core and the production CSP (see oficina.testing.browser).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from oficina.accounts.models import User
from oficina.testing.browser import assert_accessible, visit

from .conftest import PASSWORD, STAFF_PASSWORD, make_citizen, make_staff, totp_code

pytestmark = pytest.mark.browser


def fits_the_screen(page) -> bool:
    """Nothing wider than the phone's screen: no sideways scrolling."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_citizen_signs_up_confirms_the_email_and_signs_in_again(page, mailbox):
    visit(page, "/cuenta/registro/")
    assert fits_the_screen(page)
    page.get_by_label("DNI o NIE").fill("x1234567l")
    page.get_by_label("Nombre").fill("Eusebio")
    page.get_by_label("Apellidos").fill("Pérez Manzano")
    page.get_by_label("Fecha de nacimiento").fill("21/03/1958")
    page.get_by_label("Correo electrónico").fill("eusebio@example.org")
    page.get_by_label("Teléfono móvil").fill("612 34 56 78")
    page.get_by_label("Código postal").fill("47001")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_label("Repita la contraseña").fill(PASSWORD)
    page.get_by_label("He leído el aviso de protección de datos").check()
    page.get_by_role("button", name="Crear la cuenta").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme su correo electrónico")
    assert_accessible(page)
    page.get_by_label("Código de 6 cifras").fill(mailbox.last_code("eusebio@example.org"))
    page.get_by_role("button", name="Confirmar").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Eusebio")
    expect(page.get_by_text("*****567L")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Cerrar sesión").click()
    assert_accessible(page)

    visit(page, "/cuenta/acceso/")
    page.get_by_label("DNI o NIE").fill("X1234567L")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escriba el código que le hemos enviado")
    assert_accessible(page)
    page.get_by_label("Código de 6 cifras").fill(mailbox.last_code("eusebio@example.org", count=2))
    page.get_by_role("button", name="Acceder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Eusebio")
    assert User.objects.get(document_number="X1234567L").email_confirmed_at is not None


def test_sign_up_mistakes_are_summarised_and_shown_next_to_each_field(page):
    visit(page, "/cuenta/registro/")
    page.get_by_label("DNI o NIE").fill("12345678A")
    page.get_by_role("button", name="Crear la cuenta").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Hay un problema")
    expect(summary.get_by_role("link", name="DNI o NIE: Escriba un DNI o NIE válido")).to_have_attribute(
        "href", "#id_document_number"
    )
    expect(page.get_by_label("DNI o NIE")).to_have_value("12345678A")
    expect(page.get_by_label("DNI o NIE")).to_have_attribute("aria-invalid", "true")


def test_lockout_page_after_five_wrong_passwords(page):
    make_citizen()
    visit(page, "/cuenta/acceso/")
    for attempt in range(5):
        page.get_by_label("DNI o NIE").fill("12345678Z")
        page.get_by_label("Contraseña").fill("Mal-escrita-1")
        page.get_by_role("button", name="Continuar").click()
        assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Acceso bloqueado temporalmente")
    expect(page.get_by_role("link", name="Restablecer la contraseña")).to_be_visible()


def test_staff_member_enrols_the_totp_app_and_signs_in(page):
    user = make_staff(username="lucia.martin")
    visit(page, "/personal/acceso/")
    page.get_by_label("Usuario").fill("lucia.martin")
    page.get_by_label("Contraseña").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Continuar").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Active su aplicación de códigos")
    expect(page.get_by_role("img", name="Código QR para la aplicación de autenticación")).to_be_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    device = user.totpdevice_set.get()
    page.get_by_label("Código de la aplicación").fill(totp_code(device))
    page.get_by_role("button", name="Activar y acceder").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, Lucía")
    expect(page.get_by_text("Cola de atención")).to_be_visible()


def test_locked_out_citizen_resets_the_password_by_email_and_gets_back_in(page, mailbox):
    """The reactivation step: lockout → reset link by e-mail → new password → sign in with a code."""
    make_citizen(email="maria@example.org")
    visit(page, "/cuenta/acceso/")
    for _attempt in range(5):
        page.get_by_label("DNI o NIE").fill("12345678Z")
        page.get_by_label("Contraseña").fill("Mal-escrita-1")
        page.get_by_role("button", name="Continuar").click()
        assert_accessible(page)
    page.get_by_role("link", name="Restablecer la contraseña").click()
    assert_accessible(page)
    page.get_by_label("Correo electrónico").fill("maria@example.org")
    page.get_by_role("button", name="Enviar el enlace").click()
    assert_accessible(page)

    body = mailbox.body(mailbox.wait_for("maria@example.org")[-1])
    link = re.search(r"https?://\S+/cuenta/contrasena/restablecer/\S+/\S+/", body)
    assert link, body
    visit(page, link.group(0))
    page.get_by_label("Contraseña nueva", exact=True).fill("Otra-clave-segura-77")
    page.get_by_label("Repita la contraseña nueva").fill("Otra-clave-segura-77")
    page.get_by_role("button", name="Guardar la contraseña").click()
    assert_accessible(page)

    visit(page, "/cuenta/acceso/")
    page.get_by_label("DNI o NIE").fill("12345678Z")
    page.get_by_label("Contraseña").fill("Otra-clave-segura-77")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Escriba el código que le hemos enviado")
    assert_accessible(page)
    page.get_by_label("Código de 6 cifras").fill(mailbox.last_code("maria@example.org", count=2))
    page.get_by_role("button", name="Acceder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hola, María")
