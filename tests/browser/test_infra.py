"""The browser-test machinery itself: the live server and the accessibility audit cannot pass silently."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import pytest
from asgiref.sync import async_to_sync
from django.contrib.messages.constants import INFO
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import MessageEncoder
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from playwright.sync_api import expect

from oficina.core.health import check_channel_layer
from oficina.testing.browser import AccessibilityAudit, assert_accessible, outside_playwright_loop, visit

pytestmark = pytest.mark.browser

FAKE_ORIGIN = "http://oficina.test"
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
CLEAN = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>Prueba</title></head>
<body><main><h1>Página de prueba</h1><p><a href="/b">Siguiente</a></p>{extra}</main></body></html>"""


def _serve(page, pages: dict[str, str]) -> None:
    """Answer requests to FAKE_ORIGIN from `pages` (path → HTML), with the production-like CSP."""

    def handle(route):
        path = route.request.url.removeprefix(FAKE_ORIGIN)
        if path not in pages:
            route.fulfill(status=404, body="")
            return
        route.fulfill(status=200, body=pages[path], headers={
            "content-type": "text/html; charset=utf-8", "content-security-policy": STRICT_CSP})

    page.route(f"{FAKE_ORIGIN}/**", handle)


def test_axe_reports_an_image_without_alternative_text(page):
    _serve(page, {"/sin-alt": CLEAN.format(extra='<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')})
    with pytest.raises(AssertionError) as raised:
        visit(page, f"{FAKE_ORIGIN}/sin-alt")
    message = str(raised.value)
    assert "image-alt" in message and "Images must have alternative text" in message
    assert "at img" in message  # the failing element is named


def test_a_clean_page_passes(page):
    _serve(page, {"/a": CLEAN.format(extra="")})
    visit(page, f"{FAKE_ORIGIN}/a")


def test_audit_flags_a_page_left_without_a_check(browser):
    """Unit test of AccessibilityAudit on a page outside the fixtures (so this test can inspect it)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        audit = AccessibilityAudit(page)
        _serve(page, {"/a": CLEAN.format(extra=""), "/b": CLEAN.format(extra="")})
        page.goto(f"{FAKE_ORIGIN}/a")
        page.get_by_role("link", name="Siguiente").click()
        page.wait_for_url(f"{FAKE_ORIGIN}/b")
        with pytest.raises(AssertionError, match=r"never checked.*\n\s+http://oficina.test/a$"):
            audit.finish()
        assert [d.audited for d in audit.documents] == [False, True]  # finish() audited the last page
    finally:
        context.close()


INNER_CONFTEST = """
import pytest

pytest_plugins = ["oficina.testing.browser"]

@pytest.fixture
def live_server_url():
    return "http://oficina.test"
"""

INNER_TESTS = '''
from oficina.testing.browser import assert_accessible, visit

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
PAGE = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8"><title>T</title></head>
<body><main><h1>T</h1><a href="/b">Siguiente</a>{extra}</main></body></html>"""
PAGES = {
    "/a": PAGE.format(extra=""),
    "/b": PAGE.format(extra=""),
    "/bad": PAGE.format(extra='<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'),
    "/inline-style": PAGE.format(extra='<p style="color: red">rojo</p>'),
    "/inline-script": PAGE.format(extra="<script>document.title = 'x'</script>"),
    "/missing-stylesheet": PAGE.format(extra='<link rel="stylesheet" href="/no-such.css">'),
}

def serve(page):
    def handle(route):
        path = route.request.url.removeprefix("http://oficina.test")
        if path not in PAGES:
            route.fulfill(status=404, body="")
            return
        route.fulfill(status=200, body=PAGES[path], headers={
            "content-type": "text/html; charset=utf-8", "content-security-policy": CSP})
    page.route("http://oficina.test/**", handle)

def test_every_page_checked(page):
    serve(page)
    visit(page, "/a")
    page.get_by_role("link", name="Siguiente").click()
    assert_accessible(page)

def test_intermediate_page_not_checked(page):
    serve(page)
    page.goto("/a")
    page.get_by_role("link", name="Siguiente").click()
    page.wait_for_url("**/b")

def test_last_page_has_a_violation(page):
    serve(page)
    page.goto("/bad")

def test_inline_style_refused(page):
    serve(page)
    visit(page, "/inline-style")

def test_inline_script_refused(page):
    serve(page)
    visit(page, "/inline-script")

def test_missing_stylesheet(page):
    serve(page)
    visit(page, "/missing-stylesheet")
'''


def test_every_loaded_page_is_audited_or_the_test_fails(pytester, monkeypatch):
    """End to end, in a separate pytest run: the plugin fails tests (in their call phase, so they
    count as failed, not as errors) for an unchecked page, a violation on the last page, an inline
    style, an inline script and a missing stylesheet."""
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1, failed=5)
    output = result.stdout.str()
    assert "never checked" in output and "http://oficina.test/a" in output
    assert "image-alt" in output
    assert "CSP violation" in output and "style-src" in output and "script-src" in output
    assert "stylesheet http://oficina.test/no-such.css answered 404" in output


def test_rows_written_by_the_test_are_visible_to_the_live_server(page, live_server_url, settings):
    """The test's database (SQLite in memory, or PostgreSQL) is the server's: a session row written
    here, holding a message, is read by the server and the message shows on the page. It also proves
    that the ORM works in a test while Playwright is active, and that the `settings` fixture reaches
    the server (messages are read from the session only, not from a cookie first)."""
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    session = SessionStore()
    session[SessionStorage.session_key] = MessageEncoder().encode([Message(INFO, "Mensaje de la prueba")])
    session.create()
    assert Session.objects.filter(session_key=session.session_key).exists()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server_url}]
    )
    visit(page, "/")
    expect(page.get_by_role("status")).to_have_text("Mensaje de la prueba")


def test_static_files_are_served_with_their_content_types(live_server_url):
    with urllib.request.urlopen(f"{live_server_url}/static/oficina/css/site.css") as response:
        assert response.headers.get_content_type() == "text/css"
    with urllib.request.urlopen(f"{live_server_url}/static/oficina/js/clock.js") as response:
        assert response.headers.get_content_type() in {"text/javascript", "application/javascript"}


def test_health_check_through_the_live_server(live_server_url):
    with urllib.request.urlopen(f"{live_server_url}/healthz") as response:
        assert json.load(response) == {"database": "ok", "channel_layer": "ok"}


def test_assert_accessible_works_on_content_set_directly(page):
    page.set_content(CLEAN.format(extra='<img src="data:,">'))
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_async_to_sync_in_a_browser_test_needs_playwrights_loop_hidden(page):
    """Playwright's sync API leaves its loop marked as running between calls; asgiref refuses to run
    there, so browser tests wrap such calls in `outside_playwright_loop()`."""
    visit(page, "/accesibilidad/")
    with pytest.raises(RuntimeError, match="AsyncToSync"):
        async_to_sync(check_channel_layer)()
    with outside_playwright_loop():
        assert async_to_sync(check_channel_layer)()
    expect(page.get_by_role("heading", level=1)).to_have_text("Declaración de accesibilidad")  # still usable


def test_tests_without_a_browser_do_not_see_playwrights_loop():
    """pytest-django runs tests without a database after the browser tests: by then Playwright is
    running, and asyncio code here must not see its loop."""
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert async_to_sync(check_channel_layer)()


def test_the_test_database_takes_concurrent_writers(transactional_db):
    """What the live server's threads do when two pages (or a page and the test) write at once. The
    shared-cache in-memory SQLite database failed this at once ("database table is locked"), which is
    why conf/test.py puts the SQLite test database in a file."""
    errors: list[str] = []

    def write_sessions() -> None:
        try:
            for n in range(20):
                session = SessionStore()
                session["n"] = n
                session.create()
                with transaction.atomic():
                    again = SessionStore(session_key=session.session_key)
                    again["n"] = n + 1
                    again.save()
        except Exception as error:  # reported below, with every other thread's
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=write_sessions) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Session.objects.count() == 8 * 20
