"""Why an upload was refused. Each message is shown next to the file field and says what to do."""

from __future__ import annotations

from oficina.core.exceptions import ApplicationError


class UploadRefused(ApplicationError):
    """The file cannot go into the personal file. `field` is the form field the message belongs to."""

    code = "upload_refused"

    def __init__(self, message: str, code: str | None = None, *, field: str | None = "file") -> None:
        super().__init__(message, code, field=field)


class AntivirusUnavailable(Exception):
    """clamd could not be reached or answered something unexpected (the service refuses the upload)."""


class NoteRefused(ApplicationError):
    """A note cannot be added to the file (empty, too long, or the author may not write in this file)."""

    code = "note_refused"

    def __init__(self, message: str, code: str | None = None, *, field: str | None = "text") -> None:
        super().__init__(message, code, field=field)
