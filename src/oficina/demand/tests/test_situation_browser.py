"""Work-situation changes in a real Chromium against the live server: a citizen reports a new job (sees
what will happen, confirms, gets the new state and the receipt), then its end (alta again, new DARDE),
and finds both in the timeline; a technician of the office corrects a datum with a reason and renews in
person. Every page loaded passes axe-core and the production CSP (see oficina.testing.browser)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from oficina.accounts.tests.browser_steps import sign_in_staff_in_browser
from oficina.accounts.tests.conftest import make_citizen, make_office, make_staff, make_totp_device
from oficina.core.calendar import to_madrid
from oficina.demand import services
from oficina.demand.constants import DemandAction, DemandState
from oficina.demand.models import Demand, DemandEvent
from oficina.testing.browser import assert_accessible, visit

from .conftest import profile
from .test_browser import sign_in

pytestmark = pytest.mark.browser



def test_citizen_reports_a_job_then_its_end_and_sees_both_in_the_timeline(page, mailbox):
    citizen = make_citizen(office=make_office(postal_codes_served="47001"))
    demand = services.demand_register(citizen=citizen, profile=profile())
    today = to_madrid(timezone.now()).date()
    sign_in(page, mailbox, citizen)

    visit(page, "/demanda/")
    page.get_by_role("link", name="He empezado a trabajar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("He empezado a trabajar")
    assert_accessible(page)
    # Forgetting the contract type: the error is next to the field, the date typed is kept.
    page.get_by_label("Fecha de inicio del trabajo").fill(today.isoformat())
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("alert")).to_contain_text("Indique el tipo de contrato.")
    expect(page.get_by_label("Fecha de inicio del trabajo")).to_have_value(today.isoformat())
    assert_accessible(page)
    page.get_by_label("Temporal").check()
    page.get_by_label("Fecha prevista de fin del contrato").fill((today + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirme el inicio del trabajo")
    expect(page.locator(".outcome")).to_contain_text("Su demanda pasará a Suspensión")
    assert_accessible(page)
    page.get_by_role("button", name="Confirmar y enviar").click()

    expect(page.get_by_role("status")).to_contain_text("Su demanda está ahora en situación de Suspensión")
    assert_accessible(page)
    start = DemandEvent.objects.get(demand=demand, kind=DemandAction.WORK_START_SUSPENSION)
    expect(page.get_by_text(start.registry_entry.number)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar el justificante de registro").click()
    receipt = download_info.value
    assert receipt.suggested_filename == f"justificante-{start.registry_entry.number}.pdf"
    assert Path(receipt.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("link", name="Volver a mi demanda").click()
    expect(page.get_by_role("link", name="He empezado a trabajar")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("link", name="He terminado el trabajo").click()
    assert_accessible(page)
    page.get_by_label("Último día de trabajo").fill(today.isoformat())
    page.get_by_role("button", name="Comunicar el fin del trabajo").click()
    expect(page.get_by_role("status")).to_contain_text("Su demanda está ahora en situación de Alta")
    demand.refresh_from_db()
    assert demand.state == DemandState.ALTA
    expect(page.get_by_role("status")).to_contain_text(demand.next_renewal_date.strftime("%d/%m/%Y"))
    expect(page.get_by_role("link", name="Descargar el DARDE nuevo")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ver el historial").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Historial de mi demanda")
    items = page.locator(".timeline > li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Alta de la demanda")
    expect(items.nth(1)).to_contain_text("Inicio de trabajo (suspensión)")
    expect(items.nth(1)).to_contain_text("Alta → Suspensión")
    expect(items.nth(2)).to_contain_text("Fin de trabajo (reactivación)")
    expect(items.nth(2)).to_contain_text("Suspensión → Alta")
    expect(items.nth(2).get_by_role("link", name="Descargar el DARDE")).to_be_visible()


def test_technician_corrects_with_a_reason_and_renews_in_person(desktop_page):
    office = make_office(postal_codes_served="47001")
    citizen = make_citizen(office=office)
    technician = make_staff(office=office)
    demand = services.demand_register(citizen=citizen, profile=profile())
    Demand.objects.filter(pk=demand.pk).update(next_renewal_date=timezone.localdate())
    device = make_totp_device(technician)
    staff = desktop_page
    sign_in_staff_in_browser(staff, technician, device)
    expect(staff.get_by_role("heading", level=1)).to_have_text("Hola, Lucía")
    assert_accessible(staff)

    visit(staff, "/demanda/personal/")
    staff.get_by_label("DNI o NIE del ciudadano/a").fill(citizen.document_number)
    staff.get_by_role("button", name="Buscar").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Demanda de María García López")
    assert_accessible(staff)

    staff.get_by_role("link", name="Corregir datos de la demanda (con motivo)").click()
    assert_accessible(staff)
    staff.get_by_label("Domicilio").fill("Calle Mayor 10, 2º B")
    staff.get_by_role("button", name="Guardar la corrección").click()
    expect(staff.get_by_role("alert")).to_contain_text("Indique el motivo de la corrección.")
    expect(staff.get_by_label("Domicilio")).to_have_value("Calle Mayor 10, 2º B")
    assert_accessible(staff)
    staff.get_by_label("Motivo de la corrección").fill("El ciudadano aporta el domicilio completo")
    staff.get_by_role("button", name="Guardar la corrección").click()
    expect(staff.get_by_role("status")).to_contain_text("Corrección guardada")
    expect(staff.locator(".timeline")).to_contain_text("El ciudadano aporta el domicilio completo")
    assert_accessible(staff)

    staff.get_by_role("button", name="Renovar la demanda").click()
    expect(staff.get_by_role("status")).to_contain_text("Demanda renovada")
    assert_accessible(staff)
    demand.refresh_from_db()
    assert demand.address == "Calle Mayor 10, 2º B" and demand.next_renewal_date > timezone.localdate()
    expect(staff.locator(".timeline > li").last).to_contain_text("Personal técnico: Lucía Martín")


def test_profile_search_without_javascript_and_every_situation_page_with_its_errors(page, mailbox):
    """The CNO-11 search inside the profile form, then each other page empty-submitted: the error states
    (radio groups, checkboxes, fieldset hints) pass axe as well as the plain pages."""
    citizen = make_citizen(office=make_office(postal_codes_served="47001"))
    demand = services.demand_register(citizen=citizen, profile=profile())
    sign_in(page, mailbox, citizen)

    visit(page, "/demanda/")
    page.get_by_role("link", name="Actualizar mis datos").click()
    assert_accessible(page)
    page.get_by_label("Distancia máxima que puede desplazarse (km)").fill("45")
    page.get_by_label("Buscar otra ocupación").fill("camarero")
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_role("status")).to_contain_text("encontrada")
    expect(page.get_by_label("Distancia máxima que puede desplazarse (km)")).to_have_value("45")
    assert_accessible(page)
    waiter = page.get_by_role("checkbox", name="Camareros asalariados (5120)")
    expect(waiter).to_be_checked()
    page.get_by_role("checkbox", name="Cocineros asalariados (5110)").uncheck()
    waiter.uncheck()
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("alert")).to_contain_text("Elija entre 1 y 6 ocupaciones.")
    assert_accessible(page)
    page.get_by_role("checkbox", name="Camareros asalariados (5120)").check()
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Actualización del perfil")
    assert_accessible(page)
    demand.refresh_from_db()
    assert list(demand.occupations.values_list("code", flat=True)) == ["5120"] and demand.travel_distance_km == 45

    for url, button in [("/demanda/suspension/", "Pedir la suspensión"), ("/demanda/categoria/", None),
                        ("/demanda/baja/", "Confirmar la baja")]:
        visit(page, url)
        if button:
            page.get_by_role("button", name=button).click()
            expect(page.get_by_role("alert")).to_be_visible()
            assert_accessible(page)
    visit(page, "/demanda/trabajo/fin/")  # refused in alta: the reason, in Spanish
    expect(page.get_by_role("alert")).to_contain_text("con la demanda en situación de alta")
