from __future__ import annotations

from oficina.core.exceptions import ApplicationError
from oficina.core.pdf.seal import SealFailed, SealNotConfigured

__all__ = ["RegistryError", "SealFailed", "SealNotConfigured"]


class RegistryError(ApplicationError):
    code = "registry_error"
