"""The booking flow in a real Chromium (phone size): book → confirmation → Mis citas → cancel.
Every page passes axe-core and the production CSP (oficina.testing.browser)."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from oficina.accounts.tests.conftest import PASSWORD
from oficina.appointments.models import Appointment
from oficina.testing.browser import assert_accessible, visit

from .conftest import give_schedule, make_citizen, make_office, make_service, make_technician

pytestmark = pytest.mark.browser


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_citizen_books_an_office_appointment_gets_the_mail_and_cancels_it(page, mailbox):
    office = make_office()
    office.address = "Calle de Santiago 5"
    office.save()
    service = make_service(slug="orientacion-navegador", name="Búsqueda activa de empleo", minutes=60)
    give_schedule(make_technician(office=office), service, weekdays=range(5), start=time(9), end=time(14))
    citizen = make_citizen(office=office)

    visit(page, "/cuenta/acceso/")
    page.get_by_label("DNI o NIE").fill(citizen.document_number)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Continuar").click()
    assert_accessible(page)
    page.get_by_label("Código de 6 cifras").fill(mailbox.last_code(citizen.email))
    page.get_by_role("button", name="Acceder").click()
    assert_accessible(page)

    page.get_by_role("link", name="Cita previa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis citas")
    assert_accessible(page)
    page.get_by_role("link", name="Pedir cita").click()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.get_by_role("link", name="Búsqueda activa de empleo").click()
    assert_accessible(page)
    page.get_by_role("link", name="En la oficina").click()
    assert_accessible(page)
    page.get_by_role("link", name=str(office)).click()
    expect(page.get_by_role("heading", name="Elija el día")).to_be_visible()
    assert_accessible(page)
    page.locator(".choice-list a.choice").first.click()
    expect(page.get_by_role("heading", name="Elija la hora")).to_be_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.locator(".choice-grid a.choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme la cita")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmar la cita").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cita confirmada")
    expect(page.get_by_text("Calle de Santiago 5")).to_be_visible()
    assert_accessible(page)

    message = mailbox.wait_for(citizen.email, count=2)[-1]
    assert message["Subject"] == "Cita previa confirmada"
    assert any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())

    page.get_by_role("link", name="Anular la cita").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Anular la cita?")
    assert_accessible(page)
    page.get_by_role("button", name="Sí, anular la cita").click()
    expect(page.get_by_text("Su cita ha quedado anulada")).to_be_visible()
    expect(page.get_by_text("No tiene citas pendientes.")).to_be_visible()
    assert Appointment.objects.get().status == "cancelled"
