"""Keeps the audit log append-only in every test, while letting Django empty it after transactional tests.

Transactional tests (live server, threads) end with a flush (DELETE/TRUNCATE) that the append-only
triggers refuse. This fixture depends on `transactional_db` for those tests, so its teardown runs just
before the flush: it lifts the triggers there and puts them back when the next test starts.
"""

from __future__ import annotations

import pytest
from django.db import connection

from oficina.core import audit_triggers


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in request.fixturenames or "live_server_url" in request.fixturenames


@pytest.fixture(autouse=True)
def _audit_log_append_only(request: pytest.FixtureRequest):
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    audit_triggers.install(connection)
    yield
    audit_triggers.remove(connection)
