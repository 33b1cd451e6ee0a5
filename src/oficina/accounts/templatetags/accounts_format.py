from django import template

from oficina.accounts.validation import mask_document_number

register = template.Library()


@register.filter
def mask_document(value: str | None) -> str:
    """`12345678Z` → `*****678Z`: only the last four characters show."""
    return mask_document_number(value)
