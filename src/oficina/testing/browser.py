"""Chromium through Playwright, with an accessibility check (axe-core) on every page a test loads.

Fixtures
--------
- `browser` (session): Debian's Chromium (`/usr/bin/chromium`), headless. A missing binary fails the
  test with an explanation; browser tests never skip.
- `page`: a small phone (375×740, touch, mobile viewport) in a fresh browser context: Spanish locale,
  Madrid time zone, `base_url` set to the live server, so `page.goto("/privacidad/")` works.
- `desktop_page`: the same on a 1280×800 screen.
- `open_page(**options)`: a factory for more pages, each in its own context (two people in one test:
  a citizen and an employee); keyword arguments go to `browser.new_context`.
All of them depend on `live_server_url`, so the test's database rows are visible to the server.

Every page a test visits passes axe: the design
-----------------------------------------------
A check cannot run by itself when a page loads: the test goes on at the same time and may click or
navigate while axe runs. So each page gets an `AccessibilityAudit` that listens to the main frame's
`load` event and records every document the page loads, in order:

1. `assert_accessible(page)` waits for the current document to finish loading, runs axe-core on it
   (WCAG 2.0/2.1 A and AA rules) and marks that document as audited. It raises AssertionError listing
   each violation (rule, help text, failing elements). `visit(page, url)` is `goto` plus this.
2. When the test body returns, the document it ended on is audited automatically (this runs inside
   the test's call phase, see `pytest_runtest_call`, so a violation fails the test itself).
3. Any earlier document that loaded and was replaced without being audited (a form submitted, a link
   followed, and no `assert_accessible` before moving on) fails the test, naming its URL.
So a browser test passes only if every document it loaded passed axe.

The same audit fails the test on any Content Security Policy violation (the CSP is enforced in the
browser, the production policy: inline scripts and style attributes are refused and reported here),
on any uncaught JavaScript error, and on a stylesheet, script, image, font or media file that answers
with an HTTP error. axe is injected with `page.evaluate`, which CSP does not govern,
so contexts do not need `bypass_csp`.

    @pytest.mark.browser
    def test_privacy_notice(page):
        visit(page, "/privacidad/")                       # goto + axe
        page.get_by_role("link", name="Acceder").click()
        assert_accessible(page)                           # the sign-in page: audited before moving on
        ...                                               # the last page is audited at the end

`measure_page_weight(page, url)` loads a page with the browser cache disabled and returns the bytes
transferred per response (fonts excluded), for the page-weight budget.

The ORM and asyncio beside Playwright
-------------------------------------
Playwright's sync API leaves its event loop marked as running in the test's thread between calls.
- The ORM still works in browser tests (create data, then drive the browser): Django's async-safety
  check is told to ignore that one loop; the live server's threads keep the full check.
- Tests that use no browser never see the loop (`pytest_runtest_protocol` hides it from them).
- In a browser test, wrap `async_to_sync(...)` (e.g. a channel-layer `group_send`) in
  `with outside_playwright_loop():`, and make no Playwright call inside that block.
`CHROMIUM` (environment) points at another Chromium binary if needed.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, sync_playwright

__all__ = [
    "AXE_TAGS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "AccessibilityAudit",
    "PageWeight",
    "assert_accessible",
    "measure_page_weight",
    "outside_playwright_loop",
    "visit",
]

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    # Without it two pages on loopback gather no ICE candidates and a WebRTC call never connects.
    "--allow-loopback-in-peer-connection",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@functools.cache
def _axe_source() -> str:
    from axe_playwright_python.base import AXE_FILE_PATH  # the axe-core build the PyPI package bundles

    return AXE_FILE_PATH.read_text(encoding="utf-8")


_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""

_SUBRESOURCE_TYPES = {"stylesheet", "script", "image", "font", "media"}

# Reports CSP violations to Python (bindings and init scripts are outside the page's CSP).
_CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (event) => {
  window.__oficinaCspViolation({
    directive: event.effectiveDirective, blocked: event.blockedURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample,
  });
});"""


# --- The audit ----------------------------------------------------------------------------------


@dataclass
class _Document:
    url: str
    audited: bool = False


@dataclass
class AccessibilityAudit:
    """Which documents a page loaded, which passed axe, and what else went wrong on them."""

    page: Page
    documents: list[_Document] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Listeners only: registering them does not wait on the browser, so no load is missed.
        self.page.on("load", self._on_load)
        self.page.on("pageerror", self._on_page_error)
        self.page.on("response", self._on_response)
        _AUDITS[self.page] = self

    def _on_load(self, page: Page) -> None:
        self.documents.append(_Document(page.url))

    def _on_response(self, response) -> None:
        # A page whose stylesheet or script is missing may still pass axe; it is broken all the same.
        if response.status >= 400 and response.request.resource_type in _SUBRESOURCE_TYPES:
            self.problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def _on_page_error(self, error) -> None:
        self.problems.append(f"JavaScript error on {self.page.url}: {error}")

    def on_csp_violation(self, violation: dict) -> None:
        where = f"{violation.get('source') or self.page.url}:{violation.get('line') or '?'}"
        self.problems.append(
            f"CSP violation on {self.page.url}: {violation.get('directive')} refused "
            f"{violation.get('blocked') or 'inline'} at {where} {violation.get('sample') or ''}".rstrip()
        )

    def mark_current_audited(self) -> None:
        # Called after waiting for the load state, by which time the load listener has recorded the
        # current document (Playwright emits the page's "load" before it settles that wait).
        if self.documents:
            self.documents[-1].audited = True

    def finish(self) -> None:
        """Audit the page the test ended on; fail for pages left unaudited, CSP violations, JS errors."""
        if not self.page.is_closed() and self.documents and not self.documents[-1].audited:
            assert_accessible(self.page)
        missed = [document.url for document in self.documents if not document.audited]
        failures = list(self.problems)
        if missed:
            failures.append(
                "Pages loaded but never checked with assert_accessible() before the test moved on "
                "(call it, or use visit(), after each navigation):\n  " + "\n  ".join(missed)
            )
        if failures:
            raise AssertionError("\n".join(failures))


_AUDITS: WeakKeyDictionary[Page, AccessibilityAudit] = WeakKeyDictionary()
_ITEM_AUDITS = pytest.StashKey[list[AccessibilityAudit]]()


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) (axe-core, {', '.join(AXE_TAGS)}) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}")
            for detail in node["summary"].splitlines():
                lines.append(f"       {detail}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core on the page's current document; raise AssertionError listing every violation."""
    page.wait_for_load_state("load")
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.evaluate(_axe_source())
    violations = page.evaluate(_RUN_AXE, AXE_TAGS)
    audit = _AUDITS.get(page)
    if audit is not None:
        audit.mark_current_audited()
    if violations:
        raise AssertionError(_format_violations(page.url, violations))


def visit(page: Page, url: str, **goto_options):
    """`page.goto(url)`, then `assert_accessible(page)`. Returns the response of the navigation."""
    response = page.goto(url, **goto_options)
    assert_accessible(page)
    return response


# --- Page weight --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    url: str
    resource_type: str
    status: int
    body_bytes: int
    header_bytes: int

    @property
    def total(self) -> int:
        return self.body_bytes + self.header_bytes


@dataclass(frozen=True)
class PageWeight:
    transfers: tuple[Transfer, ...]

    @property
    def total(self) -> int:
        return sum(transfer.total for transfer in self.transfers)

    @property
    def body_bytes(self) -> int:
        return sum(transfer.body_bytes for transfer in self.transfers)

    def __str__(self) -> str:
        rows = [
            f"  {t.total:>8} B  {t.resource_type:<10} {t.status} {t.url}" for t in self.transfers
        ]
        return "\n".join([f"{self.total} bytes in {len(self.transfers)} responses (fonts excluded):", *rows])


def measure_page_weight(page: Page, url: str) -> PageWeight:
    """Load `url` with the cache disabled and count what came over the network: each response's
    encoded body plus headers, as Chromium received them, until the network is idle. Fonts are left
    out of the sum (the service uses system fonts; a font would be a budget of its own)."""
    finished: list[Request] = []

    def record(request: Request) -> None:
        finished.append(request)

    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.on("requestfinished", record)
    try:
        page.goto(url, wait_until="networkidle")
    finally:
        page.remove_listener("requestfinished", record)
        session.detach()
    transfers = []
    for request in finished:
        if request.resource_type == "font":
            continue
        sizes = request.sizes()
        response = request.response()
        transfers.append(
            Transfer(
                url=request.url,
                resource_type=request.resource_type,
                status=response.status if response else 0,
                body_bytes=max(sizes["responseBodySize"], 0),
                header_bytes=max(sizes["responseHeadersSize"], 0),
            )
        )
    return PageWeight(tuple(transfers))


# --- Fixtures -----------------------------------------------------------------------------------


def _allow_orm_beside_playwright(playwright_loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
    """Let test code use the ORM while Playwright's sync API is active; return the undo.

    Between calls, Playwright's sync API leaves its event loop marked as running in the test's
    thread, and Django's `async_unsafe` check then refuses every query ("You cannot call this from an
    async context"). DJANGO_ALLOW_ASYNC_UNSAFE would silence the check everywhere, also in the live
    server's threads, where it must keep catching real mistakes. This ignores only Playwright's loop.
    """
    import django.utils.asyncio as django_asyncio

    original = django_asyncio.get_running_loop

    def get_running_loop() -> asyncio.AbstractEventLoop:
        loop = original()
        if loop is playwright_loop:
            raise RuntimeError("no running event loop")
        return loop

    django_asyncio.get_running_loop = get_running_loop

    def undo() -> None:
        django_asyncio.get_running_loop = original

    return undo


_PLAYWRIGHT_LOOP: asyncio.AbstractEventLoop | None = None


@contextmanager
def outside_playwright_loop() -> Iterator[None]:
    """Hide Playwright's event loop from this thread for the block, which must not call Playwright.

    For code that refuses to run where a loop is running, e.g. `async_to_sync(...)` (asgiref), in a
    browser test: `with outside_playwright_loop(): async_to_sync(layer.group_send)(group, event)`.
    Tests that use no browser get this for their whole run (see `pytest_runtest_protocol`), so
    pytest-asyncio and asgiref work there after the browser tests have started Playwright.
    """
    hidden = asyncio._get_running_loop()
    if hidden is None or hidden is not _PLAYWRIGHT_LOOP:
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        _playwright_loop_back()


def _playwright_loop_back() -> None:
    """Mark Playwright's loop as running again, as its sync API expects between calls."""
    if _PLAYWRIGHT_LOOP is not None and not _PLAYWRIGHT_LOOP.is_closed() and asyncio._get_running_loop() is None:
        asyncio._set_running_loop(_PLAYWRIGHT_LOOP)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    global _PLAYWRIGHT_LOOP
    manager = sync_playwright().start()
    _PLAYWRIGHT_LOOP = asyncio.get_running_loop()
    undo = _allow_orm_beside_playwright(_PLAYWRIGHT_LOOP)
    try:
        yield manager
    finally:
        _playwright_loop_back()  # the session may end inside a test that hid it
        undo()
        manager.stop()
        _PLAYWRIGHT_LOOP = None


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; browser tests need it and are never skipped. "
            "Install it with `make chromium` (apt-get install chromium); do not run `playwright install`.",
            pytrace=False,
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        _playwright_loop_back()
        browser.close()


@pytest.fixture
def open_page(browser: Browser, live_server_url: str, request: pytest.FixtureRequest):
    """Factory: `open_page(**context_options)` → an audited page in a new browser context (phone size
    unless `viewport` is given). Contexts are closed when the test ends."""
    contexts: list[BrowserContext] = []
    audits = request.node.stash.setdefault(_ITEM_AUDITS, [])

    def watch(page: Page) -> None:
        if page not in _AUDITS:
            audits.append(AccessibilityAudit(page))

    def report_csp_violation(source: dict, violation: dict) -> None:
        watch(source["page"])
        _AUDITS[source["page"]].on_csp_violation(violation)

    def factory(**context_options) -> Page:
        options = {
            "base_url": live_server_url,
            "locale": "es-ES",
            "timezone_id": "Europe/Madrid",
            **(PHONE if "viewport" not in context_options else {}),
            **context_options,
        }
        context = browser.new_context(**options)
        contexts.append(context)
        context.expose_binding("__oficinaCspViolation", report_csp_violation)
        context.add_init_script(_CSP_LISTENER)
        context.on("page", watch)  # pages the site opens itself (target=_blank) are audited too
        page = context.new_page()
        watch(page)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page) -> Page:
    """A phone-sized page on the live server; see the module docstring for the accessibility audit."""
    return open_page()


@pytest.fixture
def desktop_page(open_page) -> Page:
    """A desktop-sized (1280×800) page on the live server."""
    return open_page(**DESKTOP)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the browser carry the `browser` marker even if they forgot it (`-m "not browser"`)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and item.get_closest_marker("browser") is None:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Between its sync calls, Playwright leaves its loop marked as running in the main thread; tests
    that do not use it (pytest-django runs them after the browser tests) must not see that loop."""
    if _PLAYWRIGHT_LOOP is None or "playwright" in getattr(item, "fixturenames", ()):
        return (yield)
    with outside_playwright_loop():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After a passing test body, finish each page's audit, inside the call phase (a failure here is
    the test's failure, not a teardown error)."""
    result = yield
    for audit in item.stash.get(_ITEM_AUDITS, []):
        audit.finish()
    return result
