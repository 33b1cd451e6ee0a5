"""`make bench`: starts the real server (uvicorn + Django + Channels) and measures it from outside.

Benchmarks (names used in README's performance table):
- `healthz_http`: GET /healthz (database + channel layer round trip) requests per second and p99 with
  50 keep-alive clients, against a raw ASGI app on the same uvicorn as reference.
- `ws_connect_burst`: 500 WebSocket clients connect at once and each does a round trip through the
  channel layer (Redis when REDIS_URL is set): how many succeed (goal: all) and p99 connect time.
- `page_weight`: bytes of the public home page with its CSS and JS (goal: < 100 KB without fonts).

Writes bench/results.json: [{"benchmark", "metric", "value", "unit", ["reference", "ratio"]}].
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
HTTP_CLIENTS, HTTP_SECONDS = 50, 5.0
WS_CLIENTS = 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "oficina.conf.base",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0", "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(db_path.parent),
    })
    env.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    return env


@contextmanager
def serve(app: str, env: dict[str, str]):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--ws", "websockets-sansio", "--lifespan", "off"],
        env=env, cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{app} did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _http_client(port: int, path: str, until: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            headers = await reader.readuntil(b"\r\n\r\n")
            if not headers.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(headers.split(b"\r\n", 1)[0].decode())
            length = int(re.search(rb"content-length: (\d+)", headers, re.I).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


def http_load(port: int, path: str) -> tuple[float, float]:
    latencies: list[float] = []

    async def main() -> None:
        until = time.perf_counter() + HTTP_SECONDS
        await asyncio.gather(*(_http_client(port, path, until, latencies) for _ in range(HTTP_CLIENTS)))

    started = time.perf_counter()
    asyncio.run(main())
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, statistics.quantiles(latencies, n=100)[98] * 1000


def ws_burst(port: int) -> tuple[int, float]:
    origin = f"http://127.0.0.1:{port}"

    async def one(times: list[float]) -> bool:
        start = time.perf_counter()
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/clock/", origin=origin,
                                          open_timeout=30) as ws:
                json.loads(await asyncio.wait_for(ws.recv(), 30))
                await ws.send(json.dumps({"type": "clock.ping"}))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                times.append(time.perf_counter() - start)
                await asyncio.sleep(1.0)  # stay connected while the others arrive
                return reply.get("type") == "clock.time"
        except Exception:
            return False

    async def main() -> tuple[int, float]:
        times: list[float] = []
        results = await asyncio.gather(*(one(times) for _ in range(WS_CLIENTS)))
        p99 = statistics.quantiles(times, n=100)[98] * 1000 if len(times) > 1 else float("nan")
        return sum(results), p99

    return asyncio.run(main())


def page_weight(port: int) -> int:
    base = f"http://127.0.0.1:{port}"
    html = urllib.request.urlopen(base + "/").read()
    total = len(html)
    for asset in set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)):
        total += len(urllib.request.urlopen(base + asset.decode()).read())
    return total


def main() -> None:
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "bench.sqlite3")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT,
                       check=True)
        layer = "redis" if env.get("REDIS_URL") else "memory"
        database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
        with serve("bench.raw_asgi:app", env) as port:
            raw_rps, raw_p99 = http_load(port, "/healthz")
        with serve("oficina.conf.asgi:application", env) as port:
            rps, p99 = http_load(port, "/healthz")
            ok, ws_p99 = ws_burst(port)
            weight = page_weight(port)
        tag = f"{database}+{layer}"
        results += [
            {"benchmark": "healthz_http", "metric": "requests_per_s", "value": round(rps, 1), "unit": "req/s",
             "reference": round(raw_rps, 1), "ratio": round(rps / raw_rps, 4), "setup": tag},
            {"benchmark": "healthz_http", "metric": "p99_ms", "value": round(p99, 1), "unit": "ms",
             "reference": round(raw_p99, 1), "ratio": round(p99 / raw_p99, 2), "setup": tag},
            {"benchmark": "ws_connect_burst", "metric": "connected", "value": ok, "unit": f"of {WS_CLIENTS}",
             "setup": tag},
            {"benchmark": "ws_connect_burst", "metric": "p99_ms", "value": round(ws_p99, 1), "unit": "ms",
             "setup": tag},
            {"benchmark": "page_weight", "metric": "home_bytes", "value": weight, "unit": "bytes"},
        ]
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
