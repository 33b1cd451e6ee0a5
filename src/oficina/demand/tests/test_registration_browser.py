"""The registration (alta) in a real Chromium on a phone-sized screen, against the live server and the
real SMTP server: a new citizen from sign-up to a downloaded DARDE, and a half-finished registration
resumed after signing in again. Every page loaded passes axe-core and the production CSP (see
oficina.testing.browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from oficina.accounts.tests.browser_steps import sign_in_citizen_in_browser
from oficina.accounts.tests.conftest import PASSWORD, make_citizen, make_office
from oficina.demand.models import Demand, RegistrationDraft
from oficina.registry.constants import EntryKind
from oficina.registry.models import RegistryEntry
from oficina.testing.browser import assert_accessible, visit

pytestmark = pytest.mark.browser



def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def expect_step(page, number: int, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(f"Paso {number} de 7", exact=True)).to_be_visible()
    assert_accessible(page)
    assert fits_the_screen(page), title


def sign_in(page, mailbox, document_number: str, email: str, *, count: int, name: str) -> None:
    sign_in_citizen_in_browser(page, mailbox, document_number=document_number, email=email, messages=count)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hola, {name}")
    assert_accessible(page)


def search_and_add(page, query: str, name: str) -> None:
    page.get_by_label("Escriba el nombre de un trabajo").fill(query)
    page.get_by_role("button", name="Buscar").click()
    expect(page.get_by_role("button", name=f"Añadir {name}")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Añadir {name}").click()
    expect(page.get_by_role("button", name=f"Quitar {name}")).to_be_visible()
    assert_accessible(page)


def test_new_citizen_signs_up_registers_and_downloads_the_darde(page, mailbox):
    office = make_office(postal_codes_served="47001")
    visit(page, "/cuenta/registro/")
    page.get_by_label("DNI o NIE").fill("x1234567l")
    page.get_by_label("Nombre").fill("Eusebio")
    page.get_by_label("Apellidos").fill("Pérez Manzano")
    page.get_by_label("Fecha de nacimiento").fill("21/03/1978")
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
    assert_accessible(page)

    page.get_by_role("link", name="Inscribirme como demandante de empleo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inscribirse como demandante de empleo")
    assert_accessible(page)
    page.get_by_role("link", name="Empezar la inscripción").click()

    expect_step(page, 1, "Sus datos personales")
    expect(page.get_by_text("Eusebio Pérez Manzano")).to_be_visible()
    expect(page.get_by_text("X1234567L")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 2, "Su domicilio y su oficina")
    expect(page.get_by_label("Código postal")).to_have_value("47001")  # from the account
    expect(page.get_by_text(f"le corresponde la oficina {office}")).to_be_visible()
    page.get_by_label("Domicilio").fill("Calle Mayor 5, 2º B")
    page.get_by_label("Código postal").fill("4700")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("alert")).to_contain_text("El código postal tiene cinco cifras")
    expect(page.get_by_label("Domicilio")).to_have_value("Calle Mayor 5, 2º B")  # nothing typed is lost
    expect(page.get_by_label("Código postal")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Municipio").fill("Valladolid")
    page.get_by_label("Código postal").fill("47001")
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 3, "Nacionalidad y permiso de trabajo")
    expect(page.get_by_label("Nacionalidad")).to_have_value("ES")
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 4, "Sus estudios")
    page.get_by_label("Formación profesional de grado medio").check()
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 5, "Qué trabajo busca y su experiencia")
    search_and_add(page, "camarero", "Camareros asalariados")
    search_and_add(page, "electricísta", "Electricistas de la construcción y afines")  # accents do not matter
    assert fits_the_screen(page)
    experience = page.get_by_role("group", name="Experiencia 1")
    experience.get_by_label("Ocupación").select_option("5120")
    experience.get_by_label("Meses trabajados").fill("24")
    experience.get_by_label("Empresa").fill("Bar Plaza")
    language = page.get_by_role("group", name="Idioma 1")
    language.get_by_label("Idioma").fill("inglés")
    language.get_by_label("Nivel").select_option("B1")
    page.get_by_label("B", exact=True).check()
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 6, "Su disponibilidad")
    page.get_by_label("Jornada completa").check()
    page.get_by_label("Mañana").check()
    page.get_by_label("¿Hasta cuántos kilómetros puede desplazarse para trabajar?").fill("25")
    page.get_by_label("Grado de discapacidad reconocido (%)").fill("40")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("alert")).to_contain_text("necesitamos su consentimiento")
    assert_accessible(page)
    page.get_by_label("Grado de discapacidad reconocido (%)").fill("")
    page.get_by_role("button", name="Continuar").click()

    expect_step(page, 7, "Revise sus datos y envíe la inscripción")
    for text in ["Calle Mayor 5, 2º B", "5120 Camareros asalariados", "7510 Electricistas de la construcción y afines",
                 "Bar Plaza", "inglés (B1)", "Jornada completa", "25 km", str(office)]:
        expect(page.get_by_role("main")).to_contain_text(text)
    page.get_by_role("button", name="Enviar la inscripción").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ya está inscrito/a como demandante de empleo")
    assert_accessible(page)
    demand = Demand.objects.get(citizen__document_number="X1234567L")
    expect(page.get_by_text(demand.number)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(demand.next_renewal_date.strftime("%d/%m/%Y"))
    assert not RegistrationDraft.objects.exists()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar mi DARDE").click()
    download = download_info.value
    assert download.suggested_filename == f"DARDE-{demand.number}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF")
    with demand.latest_darde.file.open("rb") as stored:
        assert content == stored.read()

    page.get_by_role("link", name="Mis documentos").click()
    entry = RegistryEntry.objects.get(submitter=demand.citizen, kind=EntryKind.DEMAND_REGISTRATION)
    expect(page.get_by_role("main")).to_contain_text(entry.number)
    assert_accessible(page)


def test_half_finished_registration_resumes_after_signing_in_again(page, mailbox):
    citizen = make_citizen(office=make_office(postal_codes_served="47001"))
    sign_in(page, mailbox, citizen.document_number, citizen.email, count=1, name="María")
    page.get_by_role("link", name="Inscribirme como demandante de empleo").click()
    assert_accessible(page)
    page.get_by_role("link", name="Empezar la inscripción").click()
    expect_step(page, 1, "Sus datos personales")
    page.get_by_role("button", name="Continuar").click()
    expect_step(page, 2, "Su domicilio y su oficina")
    page.get_by_label("Domicilio").fill("Plaza de España 3")
    page.get_by_label("Municipio").fill("Valladolid")
    page.get_by_role("button", name="Continuar").click()
    expect_step(page, 3, "Nacionalidad y permiso de trabajo")
    page.get_by_label("Nacionalidad").select_option(label="Marruecos")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("alert")).to_contain_text("escriba su autorización de residencia y trabajo")
    assert_accessible(page)
    page.get_by_label("Autorización de residencia y trabajo").fill("TIE residencia y trabajo")
    page.get_by_label("Válida hasta").fill("31/12/2027")
    page.get_by_role("button", name="Continuar").click()
    expect_step(page, 4, "Sus estudios")
    page.get_by_label("Bachillerato").check()
    page.get_by_role("button", name="Guardar y salir").click()

    expect(page.get_by_role("status")).to_contain_text("Hemos guardado su inscripción")
    assert_accessible(page)
    page.get_by_role("button", name="Cerrar sesión").click()
    assert_accessible(page)

    sign_in(page, mailbox, citizen.document_number, citizen.email, count=2, name="María")
    page.get_by_role("link", name="Continuar su inscripción").click()
    expect_step(page, 5, "Qué trabajo busca y su experiencia")
    page.get_by_role("link", name="Volver al paso anterior").click()
    expect_step(page, 4, "Sus estudios")
    expect(page.get_by_label("Bachillerato")).to_be_checked()
    page.get_by_role("link", name="Volver al paso anterior").click()
    expect_step(page, 3, "Nacionalidad y permiso de trabajo")
    expect(page.get_by_label("Nacionalidad")).to_have_value("MA")
    expect(page.get_by_label("Autorización de residencia y trabajo")).to_have_value("TIE residencia y trabajo")
    expect(page.get_by_label("Válida hasta")).to_have_value("31/12/2027")
    page.get_by_role("link", name="Volver al paso anterior").click()
    expect_step(page, 2, "Su domicilio y su oficina")
    expect(page.get_by_label("Domicilio")).to_have_value("Plaza de España 3")

    visit(page, "/demanda/")
    page.get_by_role("link", name="Continuar su inscripción").click()
    expect_step(page, 5, "Qué trabajo busca y su experiencia")
