"""Stored files sent as downloads (uploads, sealed PDFs).

Under ASGI the file is streamed with an async iterator: given a plain file, Django's ASGI handler would
read it whole into memory first (and warn about a synchronous iterator).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, HttpRequest

CHUNK_BYTES = 64 * 1024


async def _chunks(handle: Any, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    while chunk := await sync_to_async(handle.read, thread_sensitive=False)(size):
        yield chunk


def attachment_response(request: HttpRequest, file: Any, *, filename: str,
                        content_type: str = "application/pdf") -> FileResponse:
    """`file` (a FieldFile, or anything with `open("rb")`) as a private, non-cacheable download."""
    handle = file.open("rb")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    if isinstance(request, ASGIRequest):
        response.streaming_content = _chunks(handle)  # headers (length, disposition) are already set
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
