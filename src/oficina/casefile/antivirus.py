"""A minimal ClamAV client: the clamd INSTREAM command over a unix or TCP socket.

Protocol (clamd(8)): send `zINSTREAM\\0`, then the data in chunks, each preceded by its length as a
4-byte big-endian unsigned integer, then a zero-length chunk; clamd answers one line ending in `\\0`:
`stream: OK`, `stream: <signature> FOUND`, or `... ERROR` (e.g. `INSTREAM size limit exceeded`).
The `clamd` package on PyPI does the same but has not been maintained since 2014.

`CLAMD_SOCKET` is either a path (`/run/clamav/clamd.ctl`) or `host:port`.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import BinaryIO

from oficina.casefile.exceptions import AntivirusUnavailable

CHUNK_SIZE = 64 * 1024
MAX_REPLY_BYTES = 4096


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def _connect(address: str, timeout: float) -> socket.socket:
    if address.startswith(("/", "unix:")):
        path = address.removeprefix("unix:")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
        return sock
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise AntivirusUnavailable(f"CLAMD_SOCKET is neither a path nor host:port: {address!r}")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def _read_reply(sock: socket.socket) -> str:
    reply = b""
    while not reply.endswith(b"\0") and len(reply) < MAX_REPLY_BYTES:
        data = sock.recv(1024)
        if not data:
            break
        reply += data
    return reply.rstrip(b"\0\n").decode("utf-8", "replace")


def scan_stream(stream: BinaryIO, *, address: str, timeout: float = 30.0) -> ScanResult:
    """Send `stream` (from its current position) to clamd; return whether it is clean.

    Raises AntivirusUnavailable when clamd cannot be reached or does not give a clear answer: the caller
    decides (the upload service refuses the file, it does not let it through unscanned)."""
    try:
        with _connect(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK_SIZE):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = _read_reply(sock)
    except OSError as error:
        raise AntivirusUnavailable(f"clamd at {address}: {error}") from error
    # "stream: OK" / "stream: Eicar-Signature FOUND" (some versions answer with "1: stream: ...").
    _, _, status = reply.partition("stream: ")
    if status == "OK":
        return ScanResult(clean=True)
    if status.endswith(" FOUND"):
        return ScanResult(clean=False, signature=status.removesuffix(" FOUND"))
    raise AntivirusUnavailable(f"clamd at {address} answered {reply!r}")
