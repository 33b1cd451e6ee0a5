"""Reads of live attention: sessions for a user, queue order, positions, estimated waits, console snapshot."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from oficina.attention.models import AttentionSession
from oficina.attention.permissions import can_view_session

__all__ = [
    "session_get_for_user",
]


def session_get_for_user(*, token: str, user: Any) -> AttentionSession:
    """The session with this token if `user` is its citizen or its (OTP-verified) technician; 404 for
    missing and forbidden alike. In a consumer, run `permissions.verify_otp_from_session(user,
    scope["session"])` first so staff users carry `is_verified()`."""
    session = (AttentionSession.objects.select_related("ticket", "citizen", "technician", "service")
               .filter(token=token).first())
    if session is None or not can_view_session(user, session):
        raise Http404
    return session
