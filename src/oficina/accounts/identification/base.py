from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from django.utils.functional import Promise


class IdentificationMethod(ABC):
    """One way a citizen can identify themselves (password + code, Cl@ve, a certificate...).

    Subclasses set `key` (the name used in `settings.IDENTIFICATION_METHODS`), a `label` and a
    `description` for the page that lists the methods, and return from `start_url()` the page where the
    method begins. When the method has established who the person is, with two factors, it calls
    `oficina.accounts.identification.complete_sign_in(request, user=..., method_key=self.key)`.
    """

    key: ClassVar[str]
    label: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""

    @abstractmethod
    def start_url(self) -> str:
        """The first page of this method (absolute path)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"
