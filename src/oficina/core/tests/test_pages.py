"""Public pages, error pages, health check and security headers, through Django's test client.

The same pages are also checked in a real browser (accessibility, CSP, page weight) in
tests/browser/test_public_pages.py.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from oficina.core import views

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/accesibilidad/", "/privacidad/"]
OFFICIAL_TIME = re.compile(r'<time id="official-time" datetime="([^"]+)">(\d{2}/\d{2}/\d{4} \d{2}:\d{2})</time>')


def _html(response) -> str:
    return response.content.decode()


def test_home_explains_the_service_and_leads_to_sign_up_and_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    html = _html(response)
    assert "<h1>Su oficina de empleo, también desde casa</h1>" in html
    for service in ["demandante de empleo", "renovar la demanda", "situación laboral", "Aportar documentos",
                    "cita", "videollamada", "sala de espera virtual", "chat", "técnico", "Firmar documentos",
                    "notificaciones electrónicas"]:
        assert service in html, service
    assert "empleado público" in html and "validez" in html
    for need in ["DNI o NIE", "correo electrónico", "teléfono móvil"]:
        assert need in html
    assert "¿Cómo funciona?" in html
    assert 'href="/cuenta/registro/"' in html and 'href="/cuenta/acceso/"' in html
    assert 'href="/personal/acceso/"' in html


def test_accessibility_statement_has_the_contents_rd_1112_2018_requires(client):
    html = _html(client.get("/accesibilidad/"))
    assert "parcialmente conforme" in html
    assert "Contenido no accesible" in html and "subtítulos" in html
    assert 'Esta declaración se preparó el <time datetime="2026-12-04">4 de diciembre de 2026</time>' in html
    assert "autoevaluación" in html and "axe-core" in html
    assert "Última revisión de la declaración" in html
    assert "10.2.a" in html and "queja" in html and "artículo 13" in html
    assert "unidad responsable de accesibilidad" in html


def test_accessibility_statement_gives_the_contact_email_only_when_configured(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    html = _html(client.get("/accesibilidad/"))
    assert "mailto:" not in html and "registro electrónico" in html
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accesibilidad@example.org"
    html = _html(client.get("/accesibilidad/"))
    assert '<a href="mailto:accesibilidad@example.org">accesibilidad@example.org</a>' in html


def test_privacy_notice_gives_the_layered_information(client, settings):
    html = _html(client.get("/privacidad/"))
    assert f"<dd>{settings.ORGANISATION_NAME}</dd>" in html  # controller, first layer
    assert "6.1.c" in html and "6.1.e" in html and "Ley 3/2023" in html
    for right in ["acceso", "rectificación", "supresión", "limitación", "oponerse", "portabilidad"]:
        assert right in html, right
    assert '<a href="https://www.aepd.es/">www.aepd.es</a>' in html
    assert "conservamos" in html and "comunican" in html


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/no-existe/"])
def test_every_page_shows_the_official_date_and_time(client, path):
    response = client.get(path)
    match = OFFICIAL_TIME.search(_html(response))
    assert match, "no official time in the header"
    stamp = datetime.fromisoformat(match.group(1))
    assert abs(stamp - timezone.now()) < timedelta(minutes=1)
    assert match.group(2) == timezone.localtime(stamp).strftime("%d/%m/%Y %H:%M")  # Europe/Madrid
    assert "Fecha y hora oficial de la sede" in _html(response)


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/no-existe/"])
def test_pages_have_landmarks_a_skip_link_and_no_inline_code(client, path):
    html = _html(client.get(path))
    assert '<a class="skip-link" href="#contenido">' in html and '<main id="contenido"' in html
    assert "<header" in html and "<nav" in html and "<footer" in html
    # The CSP refuses inline code; the browser tests catch it too, this says where.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b|\sstyle=", html), "inline style"
    assert 'src="/static/oficina/js/error-summary.js"' in html


def test_not_found_page(client):
    response = client.get("/no-existe/")
    assert response.status_code == 404
    assert "No encontramos esta página" in _html(response)


def test_server_error_page_renders_without_request_context_or_database():
    """handler500 renders 500.html with an empty context; without the `db` fixture any query fails."""
    response = server_error(RequestFactory().get("/"))
    html = _html(response)
    assert response.status_code == 500
    assert "ha habido un problema en el servicio" in html
    assert 'href="/static/oficina/css/site.css"' in html and 'lang="es"' in html
    assert "hora peninsular" in html


def test_health_check_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_health_check_answers_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(views, "check_database", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "channel_layer": "ok"}


def test_health_check_answers_503_when_the_channel_layer_is_down(client, monkeypatch):
    async def layer_down() -> bool:
        return False

    monkeypatch.setattr(views, "check_channel_layer", layer_down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "down"}


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/healthz"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "camera=(self)" in response["Permissions-Policy"]


def test_language_switch_serves_the_english_version(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/privacidad/"})
    assert response.status_code == 302 and response["Location"] == "/privacidad/"
    html = _html(client.get("/privacidad/"))
    assert '<html lang="en">' in html
    assert "<h1>Personal data protection</h1>" in html
    assert "Official date and time of the service" in html
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert '<html lang="es">' in _html(client.get("/"))


def test_spanish_first_whatever_the_browser_asks_for(client):
    """A phone set to English still gets Spanish until the person picks English in the switch."""
    assert '<html lang="es">' in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in _html(client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES"))


def test_language_menu_names_each_language_in_itself(client):
    html = _html(client.get("/"))
    assert '<option value="es" selected lang="es">Español</option>' in html
    assert '<option value="en" lang="en">English</option>' in html
