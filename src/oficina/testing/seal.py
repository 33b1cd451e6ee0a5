"""The electronic seal in tests: a demo PKI, settings pointing at it, and test time-stamp authorities.

Fixtures
--------
- (session, autouse) `_demo_seal_settings`: one demo CA + seal certificate + TSA certificate for the whole
  run, written to a temporary directory; SEAL_PKCS12_PATH / SEAL_PKCS12_PASSWORD / SEAL_TRUST_ROOTS point
  at it and TSA_URL is empty; sealed documents are stored under a temporary MEDIA directory (filesystem
  storage only). So any test that issues a receipt just works.
- (autouse) `_no_timestamp_by_default`: seals are PAdES B-B unless a test asks for a TSA (below), even
  when the environment sets TSA_URL.
- `demo_pki`: the keys and certificates (`.ca`, `.seal`, `.tsa`), to build other certificates or DER.
- `dummy_tsa`: seals are B-T, stamped in process by pyHanko's DummyTimeStamper with the demo TSA.
- `http_tsa`: a real RFC 3161 server over HTTP on 127.0.0.1 (DummyTimeStamper behind http.server);
  TSA_URL points at it, so sealing goes through pyHanko's HTTPTimeStamper. Yields an `HttpTsa` with
  `.url` and `.requests` (how many time stamps it gave).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test import override_settings

from oficina.core.pdf import demo
from oficina.core.pdf import seal as seal_module

__all__ = ["HttpTsa", "demo_pki", "dummy_tsa", "http_tsa"]

PASSWORD = "test-seal-password"


@pytest.fixture(scope="session")
def demo_pki() -> demo.DemoPki:
    return demo.build_demo_pki(organisation="Oficina Virtual (pruebas)", with_tsa=True)


@pytest.fixture(scope="session", autouse=True)
def _demo_seal_settings(demo_pki: demo.DemoPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    directory = tmp_path_factory.mktemp("seal")
    files = demo.write_pkcs12(demo_pki, directory, password=PASSWORD)
    overrides = {
        "SEAL_PKCS12_PATH": str(files.pkcs12_path),
        "SEAL_PKCS12_PASSWORD": PASSWORD,
        "SEAL_TRUST_ROOTS": [str(files.ca_pem_path)],
        "TSA_URL": "",
    }
    storages = settings.STORAGES
    if storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        media = tmp_path_factory.mktemp("media")
        overrides["STORAGES"] = {**storages, "default": {**storages["default"], "OPTIONS": {"location": str(media)}}}
    override = override_settings(**overrides)
    override.enable()
    seal_module.clear_caches()
    yield
    override.disable()
    seal_module.clear_caches()


@pytest.fixture(autouse=True)
def _no_timestamp_by_default() -> Iterator[None]:
    seal_module.set_timestamper_override(None)
    yield
    seal_module.set_timestamper_override(None)


def _dummy_stamper(pki: demo.DemoPki):
    from pyhanko.sign.timestamps import DummyTimeStamper

    assert pki.tsa is not None
    return DummyTimeStamper(tsa_cert=pki.tsa.asn1crypto_certificate(), tsa_key=pki.tsa.asn1crypto_key())


@pytest.fixture
def dummy_tsa(demo_pki: demo.DemoPki):
    stamper = _dummy_stamper(demo_pki)
    seal_module.set_timestamper_override(stamper)
    return stamper


@dataclass
class HttpTsa:
    url: str
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@pytest.fixture
def http_tsa(demo_pki: demo.DemoPki) -> Iterator[HttpTsa]:
    from asn1crypto import tsp

    stamper = _dummy_stamper(demo_pki)
    state = HttpTsa(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            response = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            with state._lock:
                state.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="test-tsa", daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
    seal_module.set_timestamper_override(None, active=False)  # use TSA_URL
    with override_settings(TSA_URL=state.url):
        try:
            yield state
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
