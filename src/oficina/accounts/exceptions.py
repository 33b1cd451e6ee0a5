"""Errors the accounts services raise. Views turn them into form errors or messages (one place each)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from oficina.core.exceptions import ApplicationError


class AccountsError(ApplicationError):
    code = "accounts_error"


class DocumentNumberTaken(AccountsError):
    code = "document_number_taken"

    def __init__(self) -> None:
        super().__init__(
            str(_("Ya existe una cuenta con este DNI/NIE. Si es suya, acceda o restablezca su contraseña.")),
            field="document_number",
        )


class OneTimeCodeTooSoon(AccountsError):
    """A code for the same purpose was sent less than the cool-down ago."""

    code = "one_time_code_too_soon"

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(
            str(_("Acabamos de enviarle un código. Podrá pedir otro dentro de %(seconds)s segundos.")
                % {"seconds": wait_seconds})
        )


class ChannelUnavailable(AccountsError):
    code = "channel_unavailable"

    def __init__(self) -> None:
        super().__init__(str(_("No podemos enviarle el código por ese medio. Elija el correo electrónico.")))
