"""The public pages in a real Chromium against the live ASGI server (HTTP and WebSocket).

Every page loaded here also passes axe-core and the production CSP (see oficina.testing.browser).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from oficina.testing.browser import assert_accessible, measure_page_weight, visit

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    ("/", "Su oficina de empleo, también desde casa"),
    ("/accesibilidad/", "Declaración de accesibilidad"),
    ("/privacidad/", "Protección de datos personales"),
]
PAGE_WEIGHT_BUDGET = 100_000  # bytes: HTML + CSS + JS of a first visit, fonts excluded
MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES)
def test_public_page_on_a_phone(page, path, heading):
    response = visit(page, path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for landmark in ("banner", "main", "contentinfo"):
        expect(page.get_by_role(landmark)).to_have_count(1)
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES)
def test_public_page_on_a_desktop(desktop_page, path, heading):
    visit(desktop_page, path)
    expect(desktop_page.get_by_role("heading", level=1)).to_have_text(heading)


def test_home_leads_to_sign_up_sign_in_and_staff_access(page):
    visit(page, "/")
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="Crear mi cuenta").first).to_have_attribute("href", "/cuenta/registro/")
    expect(main.get_by_role("link", name="Acceder a mi cuenta")).to_have_attribute("href", "/cuenta/acceso/")
    expect(main.get_by_role("link", name="Acceso para el personal")).to_have_attribute("href", "/personal/acceso/")
    expect(main.get_by_role("heading", name="¿Cómo funciona?")).to_be_visible()


def test_unknown_address_shows_an_accessible_not_found_page(page):
    response = visit(page, "/esta-pagina-no-existe/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("No encontramos esta página")
    expect(page.get_by_role("link", name="Ir a la página de inicio")).to_have_attribute("href", "/")


@pytest.mark.parametrize("path", [path for path, _ in PUBLIC_PAGES])
def test_first_visit_weighs_less_than_100_kb(page, path):
    weight = measure_page_weight(page, path)
    assert {"document", "stylesheet", "script"} <= {t.resource_type for t in weight.transfers}, str(weight)
    assert all(t.status == 200 for t in weight.transfers), str(weight)
    assert weight.total < PAGE_WEIGHT_BUDGET, str(weight)


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page):
    visit(page, "/privacidad/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Saltar al contenido principal")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()  # visible when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


def test_official_date_and_time_are_in_the_header(page):
    visit(page, "/accesibilidad/")
    clock = page.get_by_role("banner").locator("time#official-time")
    expect(clock).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"))
    shown = datetime.strptime(clock.inner_text(), "%d/%m/%Y %H:%M").replace(tzinfo=MADRID)
    assert abs(shown - datetime.now(MADRID)) < timedelta(minutes=2)
    expect(page.get_by_role("banner")).to_contain_text("Fecha y hora oficial de la sede")


def test_clock_websocket_is_served_by_the_same_server(page):
    visit(page, "/")
    message = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const socket = new WebSocket(`ws://${location.host}/ws/clock/`);
            const timer = setTimeout(() => reject(new Error("no message within 5 s")), 5000);
            socket.onmessage = (event) => { clearTimeout(timer); socket.close(); resolve(JSON.parse(event.data)); };
            socket.onerror = () => reject(new Error("the WebSocket failed"));
        })"""
    )
    assert message["type"] == "clock.time"
    assert datetime.fromisoformat(message["iso"]).utcoffset() in {timedelta(hours=1), timedelta(hours=2)}


def test_language_switch_shows_the_page_in_english(page):
    visit(page, "/privacidad/")
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/privacidad/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data protection")
    expect(page.get_by_label("Language")).to_have_value("en")


ERROR_PAGE = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>Formulario</title>
<script type="module" src="/static/oficina/js/error-summary.js"></script></head>
<body><main><h1>Formulario</h1>
<div class="error-summary" role="alert" tabindex="-1" aria-labelledby="t" data-error-summary>
<h2 id="t">Hay un problema</h2><ul><li><a href="#nombre">Nombre: este campo es obligatorio.</a></li></ul></div>
<form><label for="nombre">Nombre</label><input id="nombre" name="nombre"></form></main></body></html>"""


def test_error_summary_gets_the_focus_when_a_page_loads_with_errors(page, live_server_url):
    """The script is the real static file from the live server; only the HTML is made up."""
    page.route(
        f"{live_server_url}/prueba/errores/",
        lambda route: route.fulfill(
            body=ERROR_PAGE,
            headers={"content-type": "text/html; charset=utf-8", "content-security-policy": "default-src 'self'"},
        ),
    )
    visit(page, "/prueba/errores/")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)  # still accessible with the focus moved
