"""The upload handler of the personal file: disk only, hashed on the way in, cut off at the size limit.

Django's multipart parser hands each chunk (64 KiB) to `receive_data_chunk`; this handler writes it to a
temporary file and feeds it to SHA-256, so it never holds more than one chunk. Past UPLOAD_MAX_BYTES it
drops what it wrote and skips the rest of that file (`SkipFile`: the parser discards the remaining
chunks without keeping them; the other form fields are still read, so the form can show them again).
Only one file, in the field `file`, is accepted; any other file part is skipped.

Under ASGI, Django has already received the request body into a temporary file (in memory only up to
FILE_UPLOAD_MAX_MEMORY_SIZE, then on disk) before the view runs, so an oversized body still costs disk
and bandwidth, not memory; a limit on the body itself belongs in front of the application (proxy
`client_max_body_size`).

Use it in a view exempted from CSRF's early read of request.POST, then protected again:
`request.upload_handlers = [CasefileUploadHandler(request, max_bytes=...)]`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest

from oficina.casefile.constants import FILE_FIELD


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    """A TemporaryUploadedFile that also knows its SHA-256 (hex), computed while it was received."""

    sha256: str = ""


class CasefileUploadHandler(TemporaryFileUploadHandler):
    chunk_size = 64 * 1024

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int, field_name: str = FILE_FIELD) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.field_name = field_name
        self.too_large = False  # the view turns this into the "too big" message
        self.received = 0
        self._hasher: Any = None
        self._accepted = False

    def new_file(self, field_name: str, file_name: str, content_type: str, content_length: int | None,
                 charset: str | None = None, content_type_extra: dict | None = None) -> None:
        if field_name != self.field_name or self._accepted:
            raise SkipFile
        self.field_name = field_name
        self.file_name = file_name
        self.content_type = content_type
        self.content_length = content_length
        self.charset = charset
        self.content_type_extra = content_type_extra
        if content_length is not None and content_length > self.max_bytes:
            self.too_large = True
            raise SkipFile
        self.file = HashedTemporaryUploadedFile(file_name, content_type, 0, charset, content_type_extra)
        self._hasher = hashlib.sha256()
        self.received = 0
        self._accepted = True

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            self.file.close()  # a NamedTemporaryFile: closing deletes it
            raise SkipFile
        self._hasher.update(raw_data)
        self.file.write(raw_data)
        # no other handler sees the chunk

    def file_complete(self, file_size: int) -> HashedTemporaryUploadedFile:
        completed = self.file
        # Let go of it: the parser closes every handler's `file` when it skips a later part.
        del self.file
        completed.seek(0)
        completed.size = file_size
        completed.sha256 = self._hasher.hexdigest()
        return completed

    def upload_interrupted(self) -> None:
        file = getattr(self, "file", None)
        if file is not None:
            file.close()
