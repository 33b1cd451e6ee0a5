"""The methods known to the code, and the ones `settings.IDENTIFICATION_METHODS` offers."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from oficina.accounts.identification.base import IdentificationMethod

# Modules shipped with the app; each registers its method when imported (apps.ready() imports them).
BUILTIN_METHOD_MODULES = ("oficina.accounts.identification.password_otp",)

_registry: dict[str, type[IdentificationMethod]] = {}


def register(method_class: type[IdentificationMethod]) -> type[IdentificationMethod]:
    """Class decorator: make a method available under its `key`."""
    key = method_class.key
    if key in _registry and _registry[key] is not method_class:
        raise ImproperlyConfigured(f"Two identification methods use the key {key!r}.")
    _registry[key] = method_class
    return method_class


def autodiscover() -> None:
    for module in BUILTIN_METHOD_MODULES:
        import_module(module)


def registered_keys() -> list[str]:
    return sorted(_registry)


def get_method(key: str) -> IdentificationMethod:
    try:
        return _registry[key]()
    except KeyError:
        raise ImproperlyConfigured(
            f"IDENTIFICATION_METHODS names {key!r}, which is not a registered identification method "
            f"(known: {', '.join(registered_keys()) or 'none'})."
        ) from None


def available_methods() -> list[IdentificationMethod]:
    """The methods offered to citizens, in the order of `settings.IDENTIFICATION_METHODS`."""
    return [get_method(key) for key in settings.IDENTIFICATION_METHODS]
