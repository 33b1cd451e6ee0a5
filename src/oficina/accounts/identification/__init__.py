"""Pluggable ways for citizens to prove who they are. See docs/identification.md.

A method is a subclass of `IdentificationMethod` registered with `@register`; `settings.IDENTIFICATION_METHODS`
lists the keys offered, in order. Every method ends by calling `complete_sign_in()`, the one place where a
session becomes signed in.
"""

from oficina.accounts.identification.base import IdentificationMethod
from oficina.accounts.identification.registry import available_methods, get_method, register
from oficina.accounts.identification.session import (
    PendingSignIn,
    complete_sign_in,
    pending_clear,
    pending_get,
    pending_get_or_warn,
    pending_start,
    pending_update,
)

__all__ = [
    "IdentificationMethod",
    "PendingSignIn",
    "available_methods",
    "complete_sign_in",
    "get_method",
    "pending_clear",
    "pending_get",
    "pending_get_or_warn",
    "pending_start",
    "pending_update",
    "register",
]
