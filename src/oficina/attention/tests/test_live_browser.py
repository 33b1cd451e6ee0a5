"""Issue 6's two-browser test: a citizen (phone) and a technician (desktop), Chromium's fake camera.

The citizen enters the waiting room, the technician goes online and calls next, the citizen answers; on
the session page the RTCPeerConnection reaches `connected` on both sides and each side's remote video
decodes frames; chat messages cross both ways; the citizen's WebSocket is cut, messages are written on
both sides meanwhile, and after the reconnect nothing is missing or doubled; the technician finishes and
the citizen rates the session. Every page passes axe-core and the production CSP (oficina.testing.browser).

The time from "Llamar al siguiente" to `connected` on both sides is written to
`$VAR_DIR/bench/video_connect_ms.jsonl` (bench/live_session.py reports its median).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from oficina.accounts.tests.browser_steps import sign_in_citizen_in_browser, sign_in_staff_in_browser
from oficina.accounts.tests.conftest import make_citizen, make_totp_device
from oficina.appointments.tests.conftest import make_office, make_service, make_technician
from oficina.attention.models import AttentionSession, ChatMessage, SatisfactionSurvey
from oficina.testing.browser import DESKTOP, assert_accessible, outside_playwright_loop, visit

pytestmark = pytest.mark.browser

MEDIA = {"permissions": ["camera", "microphone"]}


def _connected_at(page: Page) -> float:
    page.wait_for_function("() => document.body.dataset.callState === 'connected'", timeout=20_000)
    return float(page.evaluate("() => Number(document.body.dataset.callConnectedAt)"))


def _remote_video_plays(page: Page) -> None:
    """The remote <video> has a size and its decoded-frame count goes up."""
    page.wait_for_function("""() => {
        const video = document.getElementById('remote-video');
        return video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 3;
    }""", timeout=15_000)
    before = page.evaluate("() => document.getElementById('remote-video').getVideoPlaybackQuality().totalVideoFrames")
    page.wait_for_function(
        "(n) => document.getElementById('remote-video').getVideoPlaybackQuality().totalVideoFrames > n + 5",
        arg=before, timeout=10_000)


def _say(page: Page, text: str) -> None:
    page.get_by_label("Mensaje").fill(text)
    page.get_by_role("button", name="Enviar", exact=True).click()


def _chat_bodies(page: Page) -> list[str]:
    return page.locator("[data-chat-list] li[data-seq] .chat-body").all_inner_texts()


def _sign_in_citizen(page: Page, citizen, mailbox) -> None:
    sign_in_citizen_in_browser(page, mailbox, document_number=citizen.document_number, email=citizen.email)
    assert_accessible(page)


def _sign_in_technician(page: Page, technician) -> None:
    device = make_totp_device(technician)
    sign_in_staff_in_browser(page, technician, device)
    assert_accessible(page)


def test_citizen_and_technician_talk_by_video_and_chat_survive_a_cut_and_finish_with_a_rating(
        open_page, mailbox, settings):
    settings.ATTENTION_OPENING_DAYS = list(range(7))
    settings.ATTENTION_OPENS, settings.ATTENTION_CLOSES = "00:00", "24:00"
    settings.ATTENTION_OPEN_ON_HOLIDAYS = True
    settings.ATTENTION_STUN_URLS, settings.ATTENTION_TURN_URLS = [], []
    office = make_office()
    make_service(slug="orientacion-directo", name="Orientación laboral en directo")
    technician = make_technician(office=office, username="tecnica.directo")
    citizen = make_citizen(office=office, first_name="Ana")

    staff = open_page(**DESKTOP, **MEDIA)
    phone = open_page(**MEDIA)

    # The technician signs in and goes online.
    _sign_in_technician(staff, technician)
    visit(staff, "/atencion/puesto/")
    staff.get_by_role("button", name="Conectarme", exact=True).click()
    expect(staff.get_by_role("button", name="Llamar al siguiente")).to_be_visible()
    assert_accessible(staff)

    # The citizen enters the waiting room (video).
    _sign_in_citizen(phone, citizen, mailbox)
    visit(phone, "/atencion/")
    phone.get_by_label("Servicio").select_option(label="Orientación laboral en directo")
    phone.get_by_role("button", name="Entrar en la sala de espera").click()
    phone.wait_for_url("**/atencion/sala/")
    assert_accessible(phone)

    # Call next → the technician is on the session page at once (it gets the call ready) → the citizen
    # answers → the call connects. The technician's page is checked with axe once connected (its waiting
    # state has its own test below).
    # The console reloads itself when the first ticket arrives: wait for the queue table, check that page.
    expect(staff.get_by_role("table")).to_be_visible(timeout=10_000)
    assert_accessible(staff)
    called_at_ms = time.time() * 1000
    staff.get_by_role("button", name="Llamar al siguiente").click()
    answer = phone.get_by_role("button", name="Atender la llamada")
    expect(answer).to_be_visible(timeout=10_000)
    answered_at_ms = time.time() * 1000
    answer.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Atención en directo")
    staff.wait_for_url("**/atencion/sesion/**", timeout=10_000)
    session = AttentionSession.objects.get()
    assert phone.url.endswith(f"/atencion/sesion/{session.token}/") and staff.url == phone.url

    # The call connects on both sides and each sees the other's (fake) camera.
    connected = max(_connected_at(phone), _connected_at(staff))
    _remote_video_plays(phone)
    _remote_video_plays(staff)
    _record_connect_time(connected - called_at_ms, {
        "answer_clicked": round(answered_at_ms - called_at_ms),
        "answer_to_connected_ms": round(connected - answered_at_ms),
        **{name: _steps(page, called_at_ms) for name, page in (("citizen", phone), ("technician", staff))}})
    assert_accessible(phone)
    assert_accessible(staff)
    expect(phone.locator("#call-status")).to_have_text("Videollamada conectada.")
    expect(staff.get_by_text("Ha llamado al turno O-001")).to_be_visible()
    expect(staff.locator("[data-pending]")).to_be_hidden()  # "waiting for the answer" is gone
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # fits a phone

    # Chat both ways.
    _say(phone, "Buenos días, quería renovar mi demanda.")
    expect(staff.get_by_text("Buenos días, quería renovar mi demanda.")).to_be_visible()
    _say(staff, "Claro, Ana. Ahora lo vemos.")
    expect(phone.get_by_text("Claro, Ana. Ahora lo vemos.")).to_be_visible()

    # The citizen's connection drops for 3 s; both write meanwhile; nothing is lost or doubled.
    phone.evaluate("() => window.oficinaSession.dropConnection(3000)")
    phone.wait_for_function("() => document.body.dataset.wsState === 'closed'")
    expect(phone.locator("#session-status")).to_contain_text("Reconectando")
    _say(staff, "¿Me sigue leyendo?")
    _say(phone, "Se me ha cortado un momento.")
    expect(phone.locator(".chat-message.is-pending")).to_have_count(1)
    expect(staff.get_by_text("¿Me sigue leyendo?")).to_be_visible()
    phone.wait_for_function("() => document.body.dataset.wsState === 'open'", timeout=15_000)
    expect(phone.get_by_text("¿Me sigue leyendo?")).to_be_visible()
    expect(staff.get_by_text("Se me ha cortado un momento.")).to_be_visible()
    expect(phone.locator(".chat-message.is-pending")).to_have_count(0)
    expected = ["Buenos días, quería renovar mi demanda.", "Claro, Ana. Ahora lo vemos.", "¿Me sigue leyendo?",
                "Se me ha cortado un momento."]
    assert list(ChatMessage.objects.filter(session=session).order_by("seq").values_list("body", flat=True)) == expected
    assert list(ChatMessage.objects.filter(session=session).values_list("seq", flat=True)) == [1, 2, 3, 4]
    for page in (phone, staff):
        expect(page.locator("[data-chat-list] li[data-seq]")).to_have_count(4)
        assert _chat_bodies(page) == expected
    assert phone.evaluate("() => document.body.dataset.chatLastSeq") == "4"
    # The video call did not depend on the WebSocket.
    assert phone.evaluate("() => document.body.dataset.callState") == "connected"

    # The technician finishes; the citizen is sent to the survey and rates the session.
    staff.get_by_label("Resultado").select_option(label="Resuelto")
    staff.get_by_label("Notas").fill("Renovación explicada.")
    staff.get_by_role("button", name="Finalizar la atención").click()
    phone.wait_for_url(f"**/atencion/sesion/{session.token}/valorar/", timeout=10_000)
    staff.wait_for_url("**/atencion/puesto/")
    assert_accessible(staff)
    assert_accessible(phone)
    phone.get_by_label("¿Cómo valora la atención recibida?").select_option("5")
    phone.get_by_label("Comentario").fill("Muy clara.")
    phone.get_by_role("button", name="Enviar valoración").click()
    assert_accessible(phone)
    survey = SatisfactionSurvey.objects.get(session=session)
    assert (survey.rating, survey.comment) == (5, "Muy clara.")
    session.refresh_from_db()
    assert session.ended_at is not None and session.outcome == "resolved"


def _steps(page: Page, since_ms: float) -> dict[str, int]:
    """Milliseconds from `since_ms` to each step of the session page (navigation, socket, peer, media,
    offer/answer, connected), from call.js's timings."""
    steps = page.evaluate("""() => {
        const navigation = performance.getEntriesByType("navigation")[0] || {};
        const at = (name) => performance.timeOrigin + (navigation[name] || 0);
        return {page: performance.timeOrigin, redirect_end: at("redirectEnd"), response: at("responseStart"),
                html: at("responseEnd"), parsed: at("domInteractive"), ...window.oficinaSession.timings};
    }""")
    return {name: round(value - since_ms) for name, value in steps.items()}


def _record_connect_time(milliseconds: float, steps: dict) -> None:
    """Appended for bench/live_session.py (one line per run)."""
    var_dir = Path(os.environ.get("VAR_DIR") or django_settings.VAR_DIR)
    target = var_dir / "bench" / "video_connect_ms.jsonl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"call_next_to_connected_ms": round(milliseconds, 1), "steps": steps,
                              "at": time.time()}) + "\n")


_DENY_CAMERA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""


def _open_signed_in(open_page, user, base_url: str, **options) -> Page:
    """A page of `user`, signed in by a session cookie (the sign-in pages are tested elsewhere)."""
    from .session_fixtures import session_cookie

    page = open_page(**options)
    key = session_cookie(user).split("=", 1)[1]
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": key, "url": base_url}])
    return page


def test_a_denied_camera_is_explained_the_call_still_shows_the_other_side_and_chat_only_can_be_undone(
        open_page, live_server_url):
    """The citizen's browser refuses the camera: a Spanish message says what to do, the citizen still
    sees and hears the technician; camera toggle and ICE restart; "Solo chat" on one side stops the call on
    both, "Reintentar la llamada" brings it back."""
    from .session_fixtures import make_live_session

    session = make_live_session()
    citizen = _open_signed_in(open_page, session.citizen, live_server_url, **MEDIA)
    citizen.add_init_script(_DENY_CAMERA)
    staff = _open_signed_in(open_page, session.technician, live_server_url, **DESKTOP, **MEDIA)
    visit(citizen, f"/atencion/sesion/{session.token}/")
    visit(staff, f"/atencion/sesion/{session.token}/")

    expect(citizen.get_by_role("alert")).to_contain_text("El navegador no permite usar la cámara ni el micrófono")
    assert citizen.evaluate("() => document.body.dataset.mediaError") == "NotAllowedError"
    _connected_at(citizen)
    _connected_at(staff)
    _remote_video_plays(citizen)  # receive-only: the citizen sees the technician
    expect(citizen.locator("[data-call-action=camera]")).to_be_disabled()

    # The technician turns the camera off; the citizen is told.
    staff.get_by_role("button", name="Apagar la cámara").click()
    expect(staff.get_by_role("button", name="Encender la cámara")).to_have_attribute("aria-pressed", "true")
    expect(citizen.locator("#call-status")).to_have_text("La otra persona ha apagado la cámara.")
    staff.get_by_role("button", name="Encender la cámara").click()
    expect(citizen.locator("#call-status")).to_have_text("La otra persona ha encendido la cámara.")

    # An ICE restart asked by the citizen (as after a network change) reconnects the same call.
    citizen.evaluate("() => window.oficinaSession.call.restartIce()")
    staff.wait_for_function("() => document.body.dataset.callState === 'connected'", timeout=15_000)
    citizen.wait_for_function("() => document.body.dataset.callState === 'connected'", timeout=15_000)
    _remote_video_plays(citizen)

    # "Solo chat" on the technician's side ends the call on both sides; "Reintentar la llamada" restores it.
    staff.get_by_role("button", name="Solo chat").click()
    expect(citizen.locator("#call-status")).to_have_text(
        "La otra persona ha dejado la llamada. La atención sigue por el chat.")
    assert citizen.evaluate("() => document.body.dataset.callState") == "chat"
    expect(citizen.get_by_role("button", name="Reintentar la llamada")).to_be_visible()
    staff.get_by_role("button", name="Reintentar la llamada").click()
    _connected_at(staff)
    _connected_at(citizen)
    _remote_video_plays(citizen)

    # "Solo audio": the technician's camera stops, the call goes on, both pages hide the video.
    staff.get_by_role("button", name="Solo audio").click()
    expect(staff.locator("#call-status")).to_have_text("Ha pasado a solo audio.")
    expect(staff.locator("#call")).to_have_class(re.compile(r"\bis-audio\b"))
    expect(citizen.locator("#call")).to_have_class(re.compile(r"\bis-audio\b"))
    expect(staff.get_by_role("button", name="Solo audio")).to_be_hidden()
    assert staff.evaluate("() => window.oficinaSession.call.localStream.getVideoTracks().length") == 0
    assert staff.evaluate("() => document.body.dataset.callState") == "connected"
    assert_accessible(citizen)
    assert_accessible(staff)


_NO_ROUTE = """
window.oficinaCallTimeoutMs = 3000;
const NativePeerConnection = window.RTCPeerConnection;
// Relay only, and no TURN server: no candidate pair can ever work, as behind a strict firewall.
window.RTCPeerConnection = function (config) {
  return new NativePeerConnection({ ...config, iceTransportPolicy: "relay" });
};
window.RTCPeerConnection.prototype = NativePeerConnection.prototype;
"""


def test_a_call_that_cannot_connect_falls_back_to_the_chat(open_page, live_server_url):
    from .session_fixtures import make_live_session

    session = make_live_session()
    citizen = _open_signed_in(open_page, session.citizen, live_server_url, **MEDIA)
    staff = _open_signed_in(open_page, session.technician, live_server_url, **DESKTOP, **MEDIA)
    for page in (citizen, staff):
        page.add_init_script(_NO_ROUTE)
        visit(page, f"/atencion/sesion/{session.token}/")
    for page in (citizen, staff):
        page.wait_for_function("() => document.body.dataset.callState === 'failed'", timeout=15_000)
        expect(page.locator("#call-status")).to_have_text(
            "No se ha podido conectar la llamada. Puede seguir por el chat o pulsar «Reintentar la llamada».")
        expect(page.get_by_role("button", name="Reintentar la llamada")).to_be_visible()
        expect(page.get_by_role("button", name="Solo chat")).to_be_hidden()
    _say(citizen, "No le veo, sigo por aquí.")
    expect(staff.get_by_text("No le veo, sigo por aquí.")).to_be_visible()
    assert_accessible(citizen)
    assert_accessible(staff)


def test_the_technician_waits_on_the_session_page_and_goes_back_to_the_console_when_the_citizen_leaves(
        open_page, live_server_url, settings):
    """After "Llamar al siguiente" the technician is on the session page, camera on and the call prepared,
    with "Volver a llamar" and "No responde"; nothing can be written yet. The citizen leaves the waiting
    room instead of answering: the technician's page goes back to the console by itself."""
    from oficina.attention import services
    from oficina.attention.models import Presence, Ticket

    from .queue_fixtures import new_citizen, new_service, new_technician

    settings.ATTENTION_OPENING_DAYS = list(range(7))
    settings.ATTENTION_OPENS, settings.ATTENTION_CLOSES = "00:00", "24:00"
    settings.ATTENTION_OPEN_ON_HOLIDAYS = True
    settings.ATTENTION_STUN_URLS, settings.ATTENTION_TURN_URLS = [], []
    technician = new_technician()
    citizen = new_citizen(first_name="Ana")
    with outside_playwright_loop():  # the services publish to the channel layer
        services.presence_set(technician=technician, status=Presence.Status.ONLINE)
        services.ticket_take(citizen=citizen, service=new_service(), mode="video")
    staff = _open_signed_in(open_page, technician, live_server_url, **DESKTOP, **MEDIA)
    phone = _open_signed_in(open_page, citizen, live_server_url, **MEDIA)
    visit(phone, "/atencion/sala/")
    visit(staff, "/atencion/puesto/")

    staff.get_by_role("button", name="Llamar al siguiente").click()
    staff.wait_for_url("**/atencion/sesion/**")
    expect(staff.locator("[data-pending]")).to_contain_text("Está llamando al turno O-001")
    expect(staff.get_by_role("button", name="No responde")).to_be_visible()
    staff.wait_for_function("() => window.oficinaSession && 'prepared' in window.oficinaSession.timings "
                            "&& 'media' in window.oficinaSession.timings")
    assert staff.evaluate("() => document.body.dataset.callState") == "waiting"
    _say(staff, "¿Me oye?")
    expect(staff.locator(".chat-message", has_text="¿Me oye?")).to_contain_text("todavía no ha aceptado la llamada")
    assert_accessible(staff)

    expect(phone.get_by_role("button", name="Atender la llamada")).to_be_visible(timeout=10_000)
    assert_accessible(phone)
    phone.get_by_role("button", name="Salir de la sala de espera").click()
    staff.wait_for_url("**/atencion/puesto/", timeout=10_000)
    assert Ticket.objects.get().status == Ticket.Status.LEFT and not AttentionSession.objects.exists()
    expect(staff.get_by_role("button", name="Llamar al siguiente")).to_be_visible()
    assert_accessible(staff)
