"""Files to upload (real PDF/JPEG/PNG bytes made on the fly) and a fake ClamAV daemon."""

from __future__ import annotations

import io
import os
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin
from reportlab.pdfgen import canvas

VIRUS_MARKER = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"


def pdf_bytes(text: str = "Currículum de María", *, pages: int = 1, encrypt: str | None = None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text} {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), *, mode: str = "RGB", text: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    info = None
    if text is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text.decode())
    Image.new(mode, size).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height (1-bit grey) with almost no data: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_text(data: bytes) -> str:
    """All the text of a PDF (pypdf), without whitespace: long values (fingerprints) wrap across lines."""
    from pypdf import PdfReader

    return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages)


class FakeClamd:
    """A tiny clamd speaking INSTREAM: answers `stream: Eicar-Signature FOUND` when the data contains
    VIRUS_MARKER, `stream: OK` otherwise. Listens on TCP (127.0.0.1) or on a unix socket."""

    def __init__(self, unix_path: str | None = None, reply: bytes | None = None) -> None:
        self.reply = reply
        self.received: list[bytes] = []
        if unix_path:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(unix_path)
            self.address = unix_path
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.sock.listen(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                self._handle(connection)

    @staticmethod
    def _read_exactly(connection: socket.socket, count: int) -> bytes:
        data = b""
        while len(data) < count:
            part = connection.recv(count - len(data))
            if not part:
                raise ConnectionError("client went away")
            data += part
        return data

    def _handle(self, connection: socket.socket) -> None:
        command = b""
        while not command.endswith(b"\0"):
            command += self._read_exactly(connection, 1)
        assert command == b"zINSTREAM\0", command
        data = io.BytesIO()
        while True:
            (length,) = struct.unpack("!L", self._read_exactly(connection, 4))
            if length == 0:
                break
            data.write(self._read_exactly(connection, length))
        self.received.append(data.getvalue())
        if self.reply is not None:
            answer = self.reply
        elif VIRUS_MARKER in data.getvalue():
            answer = b"stream: Eicar-Signature FOUND\0"
        else:
            answer = b"stream: OK\0"
        connection.sendall(answer)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)
        if self.address.startswith("/") and os.path.exists(self.address):
            os.unlink(self.address)


@contextmanager
def fake_clamd(**options) -> Iterator[FakeClamd]:
    server = FakeClamd(**options)
    try:
        yield server
    finally:
        server.close()
