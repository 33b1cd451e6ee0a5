"""A minimal HTTP/1.1 keep-alive client on asyncio streams: enough to load our own server, no extras."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Callable

_LENGTH = re.compile(rb"content-length: *(\d+)", re.I)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Connection":
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        match = _LENGTH.search(head)
        content = await self.reader.readexactly(int(match.group(1))) if match else b""
        return status, content

    def close(self) -> None:
        self.writer.close()


def p(values: list[float], percent: int) -> float:
    """Percentile in milliseconds of latencies in seconds."""
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100)[percent - 1] * 1000


async def load(port: int, path: str, *, clients: int, seconds: float,
               headers: dict[str, str] | Callable[[int], dict[str, str]] | None = None,
               ) -> tuple[float, list[float]]:
    """GET `path` from `clients` keep-alive connections for `seconds`: (requests/s, latencies).
    `headers`: the same for every client, or client number → that client's headers."""
    latencies: list[float] = []

    async def one(client: int) -> None:
        own = headers(client) if callable(headers) else headers
        connection = await Connection.open(port)
        try:
            while time.perf_counter() < until:
                start = time.perf_counter()
                status, _ = await connection.request("GET", path, headers=own)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                latencies.append(time.perf_counter() - start)
        finally:
            connection.close()

    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(one(client) for client in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies
