"""Who may do what in live attention: pure predicates (plus the OTP check WebSockets need).

Views, consumers and templates ask these; nobody compares roles inline. A session is visible only to its
citizen and its technician; the waiting room only to citizens (their own ticket); the console only to
technicians with an OTP-verified session.
"""

from __future__ import annotations

import functools
from typing import Any

from oficina.accounts.permissions import can_view_staff_area, is_citizen

__all__ = [
    "can_attend",
    "can_use_waiting_room",
    "can_view_session",
    "can_act_as_session_technician",
    "can_act_as_session_citizen",
    "verify_otp_from_session",
]


def can_use_waiting_room(user: Any) -> bool:
    return is_citizen(user)


def can_attend(user: Any) -> bool:
    """Technicians (and supervisors/administrators who attend) with an OTP-verified session."""
    return can_view_staff_area(user)


def can_view_session(user: Any, session: Any) -> bool:
    """The session's citizen, or its technician (OTP-verified)."""
    if is_citizen(user):
        return session.citizen_id == user.pk
    return can_attend(user) and session.technician_id == user.pk


def can_act_as_session_technician(user: Any, session: Any) -> bool:
    return can_attend(user) and session.technician_id == user.pk


def can_act_as_session_citizen(user: Any, session: Any) -> bool:
    return is_citizen(user) and session.citizen_id == user.pk


def verify_otp_from_session(user: Any, session: Any) -> Any:
    """What django-otp's middleware does for HTTP requests, for a WebSocket scope (sync; call it through
    `database_sync_to_async`): set `user.is_verified()` from the OTP device stored in the session.

    Channels' AuthMiddlewareStack gives consumers `scope["user"]` without it, so staff would never count
    as verified. Returns the same user object."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.middleware import is_verified
    from django_otp.models import Device

    user.otp_device = None
    user.is_verified = functools.partial(is_verified, user)
    if not getattr(user, "is_authenticated", False) or session is None:
        return user
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is not None and device.user_id == user.pk and device.confirmed:
            user.otp_device = device
    return user
