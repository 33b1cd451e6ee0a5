"""`{% attention_records citizen staff_view %}`: the citizen's live attentions, for the personal file."""

from __future__ import annotations

from typing import Any

from django import template

from oficina.attention.selectors import attention_records_for_citizen

register = template.Library()


@register.inclusion_tag("attention/includes/attention_records.html")
def attention_records(citizen: Any, staff_view: bool = False) -> dict[str, Any]:
    """Times, technician, mode and outcome of each finished session; the technician's notes for staff only
    (like the staff notes of the file)."""
    return {"records": list(attention_records_for_citizen(citizen=citizen)[:50]), "staff_view": staff_view}
