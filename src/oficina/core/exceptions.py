"""The one base error of domain services; each interface turns it into a response in one place."""

from __future__ import annotations


class ApplicationError(Exception):
    """A domain rule refused an action. `message` is shown to the user (translated); `code` to machines."""

    code = "error"

    def __init__(self, message: str, code: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
