"""Inactivity and absolute session timeouts (SESSION_IDLE_TIMEOUT_SECONDS, SESSION_ABSOLUTE_TIMEOUT_SECONDS)."""

from __future__ import annotations

import time
from typing import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from oficina.core.audit import AuditEvent, audit_record

SESSION_STARTED_KEY = "oficina_auth_started_at"
LAST_ACTIVITY_KEY = "oficina_last_activity_at"


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED_KEY, now)
            last = request.session.get(LAST_ACTIVITY_KEY, now)
            reason = None
            if now - started > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS:
                reason = "absolute"
            elif now - last > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                reason = "idle"
            if reason:
                user = request.user
                logout(request)
                audit_record(event=AuditEvent.SESSION_EXPIRED, actor=user, target=user, details={"reason": reason})
                messages.info(request, _("Su sesión ha caducado por seguridad. Vuelva a identificarse."))
            else:
                request.session.setdefault(SESSION_STARTED_KEY, started)
                # Record the activity only when it moved by a fraction of the idle timeout (at most a
                # minute): rewriting the session on every request costs a database write per request,
                # and the timeout can only come that much earlier, never later.
                resolution = min(60.0, settings.SESSION_IDLE_TIMEOUT_SECONDS / 20)
                if LAST_ACTIVITY_KEY not in request.session or now - last >= resolution:
                    request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
