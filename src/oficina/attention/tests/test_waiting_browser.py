"""Browser: the technician goes online in the console, the citizen enters the waiting room on a phone and
sees their ticket; "Llamar al siguiente" reaches the citizen's page live (no reload) with "Atender la
llamada"; answering opens the session, and the console follows to it by itself. Every page passes axe."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from oficina.attention.models import AttentionSession, Ticket
from oficina.testing.browser import assert_accessible, visit

from .queue_fixtures import always_open, login_citizen, login_technician, new_citizen, new_service, new_technician  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("always_open")]


def _sign_in(page, client: Client, base_url: str) -> None:
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])


def test_waiting_room_and_console(page, open_page, live_server_url):
    service = new_service()
    citizen = new_citizen()
    technician = new_technician()
    console = open_page(viewport={"width": 1280, "height": 800})
    _sign_in(page, login_citizen(Client(), citizen), live_server_url)
    _sign_in(console, login_technician(Client(), technician), live_server_url)

    visit(console, "/atencion/puesto/")
    console.get_by_role("button", name="Conectarme", exact=True).click()
    expect(console.get_by_text("Disponible")).to_be_visible()
    assert_accessible(console)

    visit(page, "/atencion/")
    page.get_by_label("Servicio").select_option(label=service.name)
    page.get_by_role("button", name="Entrar en la sala de espera").click()
    expect(page.get_by_text("O-001")).to_be_visible()
    expect(page.get_by_text("Es el siguiente")).to_be_visible()
    assert_accessible(page)

    # the console's table fills in over its WebSocket, without reloading
    expect(console.get_by_role("cell", name="O-001")).to_be_visible(timeout=10_000)
    assert citizen.document_number not in console.content()
    console.get_by_role("button", name="Llamar al siguiente").click()
    expect(console.get_by_text("Ha llamado al turno O-001")).to_be_visible()
    assert_accessible(console)

    answer = page.get_by_role("button", name="Atender la llamada")
    expect(answer).to_be_visible(timeout=10_000)  # arrived over the socket: the page was not reloaded
    assert Ticket.objects.get().status == Ticket.Status.CALLED
    expect(page.get_by_text("Le están llamando")).to_be_visible()
    assert_accessible(page)
    answer.click()
    session = None
    for _attempt in range(100):
        session = AttentionSession.objects.filter(citizen=citizen).first()
        if session is not None:
            break
        page.wait_for_timeout(100)
    assert session is not None
    page.wait_for_url(f"**/atencion/sesion/{session.token}/")
    console.wait_for_url(f"**/atencion/sesion/{session.token}/", timeout=10_000)
