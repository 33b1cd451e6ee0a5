"""Who may do what with offices and local holidays."""

from __future__ import annotations

from typing import Any

from oficina.accounts.models import Role


def can_manage_offices(user: Any) -> bool:
    """Administrators (and superusers) edit offices and local holidays; everyone else only reads them."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.role == Role.ADMINISTRATOR)
