from __future__ import annotations

from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from oficina.core import request_context


class RequestContextMiddleware:
    """Makes the caller's IP and user agent available to services (audit) without passing `request`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = request_context.RequestContext(
            ip=request_context.client_ip(request.META, getattr(settings, "AXES_IPWARE_PROXY_COUNT", None)),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        token = request_context.activate(context)
        try:
            return self.get_response(request)
        finally:
            request_context.deactivate(token)


class SecurityHeadersMiddleware:
    """Headers Django does not set by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Personal data must not stay in shared caches or the back/forward cache of a shared PC.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class SpanishFirstMiddleware:
    """Spanish unless the person chose another language with the language switch (a cookie).

    The browser's Accept-Language is ignored on purpose: this is a Spanish public service, whose legal
    texts are authoritative in Spanish, and a phone set to English must not get a half-translated page.
    Runs just before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
