"""Who may see what in the registry. Pure predicates: no queries."""

from __future__ import annotations

from typing import Any

from oficina.registry.models import RegistryEntry


def can_view_registry_entry(user: Any, entry: RegistryEntry) -> bool:
    """The person who submitted it, and staff (technicians, supervisors, administrators)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return entry.submitter_id == user.pk or bool(getattr(user, "is_staff_member", False))
