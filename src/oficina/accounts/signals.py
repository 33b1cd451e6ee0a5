"""Receivers for other packages' signals. Each only hands over to a service."""

from __future__ import annotations

from typing import Any

from oficina.accounts import services


def on_user_locked_out(sender: Any, request: Any = None, username: str | None = None,
                       ip_address: str | None = None, **kwargs: Any) -> None:
    """django-axes locked an account name after too many wrong passwords: audit it."""
    services.sign_in_lockout_record(username=username or "", ip_address=ip_address)
