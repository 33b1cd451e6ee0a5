"""`{% registration_draft as draft %}`: the signed-in citizen's registration in progress (or None), for the
pages that offer "Continuar su inscripción" (the demand page, the citizen's home)."""

from __future__ import annotations

from typing import Any

from django import template

from oficina.demand.models import RegistrationDraft
from oficina.demand.registration import registration_draft_for

register = template.Library()


@register.simple_tag(takes_context=True)
def registration_draft(context: dict[str, Any]) -> RegistrationDraft | None:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return registration_draft_for(user) if user is not None else None
