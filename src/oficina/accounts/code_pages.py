"""What the pages that ask for a one-time code share: sending a code with the right message, the safe
`next` address, and the context for the "send me a new code" button."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from oficina.accounts import selectors, services
from oficina.accounts.exceptions import AccountsError, OneTimeCodeTooSoon
from oficina.accounts.models import OneTimeCode, User
from oficina.accounts.validation import mask_email


def destination_label(user: User, channel: str) -> str:
    if channel == OneTimeCode.Channel.SMS:
        return _("su móvil acabado en %(digits)s") % {"digits": user.phone[-3:]}
    return mask_email(user.email)


def send_code(request: HttpRequest, *, user: User, purpose: str, channel: str) -> bool:
    """Issue and send a code, and tell the person what happened. False when nothing new was sent."""
    try:
        services.one_time_code_issue(user=user, purpose=purpose, channel=channel)
    except OneTimeCodeTooSoon as error:
        messages.warning(request, error.message)
        return False
    except AccountsError as error:
        messages.error(request, error.message)
        return False
    messages.info(
        request,
        _("Le hemos enviado un código de 6 cifras a %(destination)s. Caduca en %(minutes)s minutos.")
        % {"destination": destination_label(user, channel), "minutes": settings.ONE_TIME_CODE_VALIDITY_SECONDS // 60},
    )
    return True


def safe_next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def code_page_context(*, user: User, purpose: str, channel: str) -> dict[str, Any]:
    wait = selectors.one_time_code_resend_wait_seconds(user=user, purpose=purpose)
    return {
        "destination": destination_label(user, channel),
        "minutes": settings.ONE_TIME_CODE_VALIDITY_SECONDS // 60,
        "resend_wait_seconds": wait,
    }


def redirect_target(pending_next: str, default: str) -> str:
    return pending_next or reverse(default)
