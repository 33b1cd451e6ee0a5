from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_identification_methods(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every key in IDENTIFICATION_METHODS must name a registered method, and at least one is needed."""
    from oficina.accounts.identification.registry import registered_keys

    known = set(registered_keys())
    configured = list(getattr(settings, "IDENTIFICATION_METHODS", []))
    errors: list[checks.CheckMessage] = []
    if not configured:
        errors.append(checks.Error("IDENTIFICATION_METHODS is empty: citizens could not sign in.", id="accounts.E001"))
    for key in configured:
        if key not in known:
            errors.append(
                checks.Error(
                    f"IDENTIFICATION_METHODS names {key!r}, which is not a registered identification method.",
                    hint=f"Known methods: {', '.join(sorted(known)) or 'none'}.",
                    id="accounts.E002",
                )
            )
    return errors
