"""The booking flow in a real Chromium (phone size): book → confirmation → Mis citas → cancel.
Every page passes axe-core and the production CSP (oficina.testing.browser)."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from oficina.accounts.tests.browser_steps import sign_in_citizen_in_browser, sign_in_staff_in_browser
from oficina.accounts.tests.conftest import make_totp_device
from oficina.appointments.models import Appointment
from oficina.core.calendar import MADRID
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

    sign_in_citizen_in_browser(page, mailbox, document_number=citizen.document_number, email=citizen.email)
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


def _book_first_free(page, *, service_name: str, mode: str, office=None) -> None:
    """From "Mis citas": Pedir cita → service → mode (→ office) → first day → first time → confirm."""
    page.get_by_role("link", name="Pedir cita").click()
    assert_accessible(page)
    page.get_by_role("link", name=service_name).click()
    assert_accessible(page)
    if mode is not None:
        page.get_by_role("link", name=mode).click()
        assert_accessible(page)
    if office is not None:
        page.get_by_role("link", name=str(office)).click()
        assert_accessible(page)
    expect(page.get_by_role("heading", name="Elija el día")).to_be_visible()
    page.locator(".choice-list a.choice").first.click()
    expect(page.get_by_role("heading", name="Elija la hora")).to_be_visible()
    assert_accessible(page)
    page.locator(".choice-grid a.choice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme la cita")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmar la cita").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cita confirmada")
    assert_accessible(page)


def _calendar_attachment(message) -> str:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert parts, message
    return parts[0].get_content()


def test_citizen_books_video_and_office_moves_one_cancels_the_other_and_the_technician_sees_them(
        page, desktop_page, mailbox):
    office = make_office()
    office.address = "Calle de Santiago 5"
    office.save()
    in_office = make_service(slug="demanda-navegador", name="Entrevista en la oficina", minutes=60, office=True, video=False)
    by_video = make_service(slug="autoempleo-navegador", name="Asesoría por vídeo", minutes=60, office=False, video=True)
    technician = make_technician(office=office, username="tecnica.agenda")
    give_schedule(technician, in_office, weekdays=range(5), start=time(9), end=time(11))
    give_schedule(technician, by_video, weekdays=range(5), start=time(11), end=time(14))
    citizen = make_citizen(office=office)

    sign_in_citizen_in_browser(page, mailbox, document_number=citizen.document_number, email=citizen.email)
    assert_accessible(page)
    page.get_by_role("link", name="Cita previa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis citas")
    assert_accessible(page)

    # An office appointment (the service has only that mode: no mode step) and a video one.
    _book_first_free(page, service_name="Entrevista en la oficina", mode=None, office=office)
    expect(page.get_by_text("Calle de Santiago 5")).to_be_visible()
    message = mailbox.wait_for(citizen.email, count=2)[-1]
    assert message["Subject"] == "Cita previa confirmada"
    assert "Calle de Santiago 5" in _calendar_attachment(message)
    page.get_by_role("link", name="Ver todas mis citas").click()
    assert_accessible(page)

    _book_first_free(page, service_name="Asesoría por vídeo", mode=None)
    message = mailbox.wait_for(citizen.email, count=3)[-1]
    assert message["Subject"] == "Cita previa confirmada"
    video = Appointment.objects.get(service=by_video)
    assert video.video_room in _calendar_attachment(message)

    # Move the video appointment to another time.
    page.get_by_role("link", name="Cambiar la cita").click()
    assert_accessible(page)
    expect(page.get_by_role("heading", name="Elija el día")).to_be_visible()
    page.locator(".choice-list a.choice").first.click()
    expect(page.get_by_role("heading", name="Elija la hora")).to_be_visible()
    assert_accessible(page)
    page.locator(".choice-grid a.choice").nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme la cita")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmar la cita").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cita confirmada")
    assert_accessible(page)
    message = mailbox.wait_for(citizen.email, count=4)[-1]
    assert message["Subject"] == "Cita previa cambiada"
    moved = Appointment.objects.get(service=by_video, status="booked")
    assert moved.starts_at != video.starts_at and moved.rescheduled_from_id == video.pk
    booked_office = Appointment.objects.get(service=in_office, status="booked")

    # The technician signs in (password, then the TOTP code) and finds both in the agenda.
    device = make_totp_device(technician)
    staff = desktop_page
    sign_in_staff_in_browser(staff, technician, device)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Hola, Lucía")
    assert_accessible(staff)
    for appointment in (booked_office, moved):
        local = appointment.starts_at.astimezone(MADRID)
        visit(staff, f"/citas/agenda/?fecha={local.date().isoformat()}")
        row = staff.get_by_role("row").filter(has_text=appointment.service.name)
        expect(row).to_contain_text(citizen.document_number)
        expect(row).to_contain_text(local.strftime("%H:%M"))
    expect(staff.get_by_role("link", name="Videollamada")).to_be_visible()

    # The citizen cancels the office appointment; it leaves the technician's agenda.
    visit(page, f"/citas/{booked_office.pk}/")
    page.get_by_role("link", name="Anular la cita").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Anular la cita?")
    assert_accessible(page)
    page.get_by_role("button", name="Sí, anular la cita").click()
    expect(page.get_by_text("Su cita ha quedado anulada")).to_be_visible()
    assert_accessible(page)
    message = mailbox.wait_for(citizen.email, count=5)[-1]
    assert message["Subject"] == "Cita previa anulada"
    assert "METHOD:CANCEL" in _calendar_attachment(message)
    visit(staff, f"/citas/agenda/?fecha={booked_office.starts_at.astimezone(MADRID).date().isoformat()}")
    expect(staff.get_by_role("row").filter(has_text="Entrevista en la oficina")).to_have_count(0)
    expect(staff.get_by_role("row").filter(has_text="Asesoría por vídeo")).to_have_count(
        1 if moved.starts_at.astimezone(MADRID).date() == booked_office.starts_at.astimezone(MADRID).date() else 0)


def test_the_technician_marks_an_appointment_attended_and_the_note_is_in_the_citizens_file(desktop_page):
    """Without JavaScript: the agenda's outcome form, then the citizen's file (staff view) shows the note."""
    from datetime import timedelta

    from django.utils import timezone

    office = make_office()
    technician = make_technician(office=office, username="tecnica.notas")
    citizen = make_citizen(office=office)
    start = timezone.now() - timedelta(minutes=5)
    Appointment.objects.create(citizen=citizen, technician=technician, office=office, service=make_service(),
                               mode="office", starts_at=start, ends_at=start + timedelta(minutes=30),
                               created_at=timezone.now())
    device = make_totp_device(technician)
    staff = desktop_page
    sign_in_staff_in_browser(staff, technician, device)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Hola, Lucía")
    assert_accessible(staff)

    visit(staff, f"/citas/agenda/?fecha={start.astimezone(MADRID).date().isoformat()}")
    staff.get_by_label("Nota para su expediente (opcional)").fill("Quiere formarse en soldadura.")
    staff.get_by_role("button", name="Atendida").click()
    expect(staff.get_by_text("La nota se ha guardado en su expediente.")).to_be_visible()
    assert_accessible(staff)
    staff.get_by_role("link", name=f"Expediente de {citizen.get_full_name()}").click()
    expect(staff.get_by_role("heading", name="Notas del personal")).to_be_visible()
    expect(staff.get_by_text("Quiere formarse en soldadura.")).to_be_visible()
    assert_accessible(staff)
