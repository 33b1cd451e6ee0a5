"""Errors of the offices app; shown to users as they are (translated)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from oficina.core.exceptions import ApplicationError


class OfficesError(ApplicationError):
    code = "offices_error"


class OfficesImportError(OfficesError):
    """The offices file was refused; nothing was written. `errors` has one message per problem, each
    naming its line."""

    code = "offices_import_invalid"

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        summary = _("El fichero de oficinas no es válido; no se ha importado nada.")
        super().__init__("\n".join([summary, *self.errors]))


class LocalHolidayError(OfficesError):
    code = "local_holiday_invalid"
