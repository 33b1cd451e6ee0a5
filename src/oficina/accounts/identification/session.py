"""The session side of signing in: the "pending" marker between factors, and `complete_sign_in()`.

After the first factor (a password) the session only holds a pending marker: the user id, the area, the
method, the stage still to do, when it started and where to go afterwards. The person is *not* signed in:
`_auth_user_id` is not in the session and `request.user` is anonymous. Only `complete_sign_in()`, called
after the second factor, signs the session in.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace

import django_otp
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest

from oficina.accounts import constants, selectors
from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from oficina.accounts.models import User
from oficina.core.audit import AuditEvent, audit_record

PENDING_SIGN_IN_KEY = "oficina_pending_sign_in"


@dataclass(frozen=True)
class PendingSignIn:
    user_id: int
    area: str
    method_key: str
    stage: str
    started_at: float
    next_url: str = ""
    channel: str = ""
    device_id: int | None = None


def pending_start(
    request: HttpRequest,
    *,
    user: User,
    area: str,
    method_key: str,
    stage: str,
    next_url: str = "",
    channel: str = "",
    device_id: int | None = None,
) -> PendingSignIn:
    pending = PendingSignIn(
        user_id=user.pk, area=area, method_key=method_key, stage=stage, started_at=time.time(),
        next_url=next_url, channel=channel, device_id=device_id,
    )
    request.session[PENDING_SIGN_IN_KEY] = asdict(pending)
    return pending


def pending_update(request: HttpRequest, pending: PendingSignIn, **changes: object) -> PendingSignIn:
    updated = replace(pending, **changes)
    request.session[PENDING_SIGN_IN_KEY] = asdict(updated)
    return updated


def pending_get(request: HttpRequest, *, area: str, stages: set[str] | None = None) -> tuple[PendingSignIn, User] | None:
    """The pending sign-in of this session for `area` (and one of `stages`), with its user; None when there
    is none, it is too old, or the user can no longer sign in."""
    raw = request.session.get(PENDING_SIGN_IN_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        pending = PendingSignIn(**raw)
    except TypeError:
        pending_clear(request)
        return None
    if time.time() - pending.started_at > constants.PENDING_SIGN_IN_MAX_AGE_SECONDS:
        pending_clear(request)
        return None
    if pending.area != area or (stages is not None and pending.stage not in stages):
        return None
    user = selectors.user_get_active(user_id=pending.user_id)
    if user is None:
        pending_clear(request)
        return None
    return pending, user


def pending_get_or_warn(
    request: HttpRequest, *, area: str, stages: set[str], warning: str
) -> tuple[PendingSignIn, User] | None:
    """`pending_get`, and when there is no such sign-in, a message telling the person what to do."""
    found = pending_get(request, area=area, stages=stages)
    if found is None:
        messages.warning(request, warning)
    return found


def pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_SIGN_IN_KEY, None)


def complete_sign_in(request: HttpRequest, *, user: User, method_key: str, otp_device: object | None = None) -> None:
    """Sign the session in: the only place that does it, for every identification method.

    `login()` gives the session a new key (no session fixation) and django-axes clears the failure count;
    `otp_device` (staff) marks the session OTP-verified; the timestamps start the idle and absolute
    timeouts of `accounts.middleware`; the audit log records the method used.
    """
    pending_clear(request)
    login(request, user, backend=constants.PASSWORD_BACKEND)
    details: dict[str, object] = {"method": method_key}
    if otp_device is not None:
        django_otp.login(request, otp_device)
        details["otp_device"] = getattr(otp_device, "persistent_id", "")
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    audit_record(event=AuditEvent.SIGN_IN_SECOND_FACTOR, actor=user, target=user, details=details)
