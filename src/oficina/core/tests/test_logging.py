"""What the server logs: expected conflicts are not warnings; LOG_LEVEL applies to Django's loggers."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response

from bench.server import ROOT


def _answer(status: int) -> None:
    request = RequestFactory().get("/citas/nueva/confirmar/")
    log_response("Answer: %s", request.path, response=HttpResponse(status=status), request=request)


def test_a_409_answer_is_not_logged(caplog):
    with caplog.at_level(logging.INFO):
        _answer(409)
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_other_client_errors_and_server_errors_still_are(caplog):
    with caplog.at_level(logging.INFO):
        _answer(404)
        _answer(500)
    assert [(r.levelname, r.status_code) for r in caplog.records if r.name == "django.request"] == [
        ("WARNING", 404), ("ERROR", 500)]


def test_log_level_error_keeps_djangos_warnings_off_the_console():
    script = (
        "import django; django.setup()\n"
        "from django.http import HttpResponse\n"
        "from django.utils.log import log_response\n"
        "log_response('Answer %s', 404, response=HttpResponse(status=404))\n"
        "log_response('Answer %s', 500, response=HttpResponse(status=500))\n"
    )
    env = dict(os.environ, LOG_LEVEL="ERROR", DJANGO_SETTINGS_MODULE="oficina.conf.base", DEBUG="0",
               SECRET_KEY="x" * 50, PYTHONPATH=str(ROOT / "src"))
    written = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True,
                             text=True, check=True).stderr
    assert "Answer 500" in written
    assert "Answer 404" not in written
