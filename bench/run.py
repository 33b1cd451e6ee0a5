"""`make bench`: every benchmark, against the real server, measured from outside; writes bench/results.json.

Here (one uvicorn process, current DATABASE_URL / REDIS_URL, SQLite + in-memory layer by default):
- `healthz_http`: GET /healthz (database + channel layer round trip), 50 keep-alive clients, against a
  raw ASGI app on the same uvicorn as reference.
- `ws_connect_burst`: 500 WebSocket clients connect at once, each a round trip through the channel layer.
- `page_weight`: bytes of the public home page with its CSS and JS (goal < 100 KB without fonts).
In their own processes: `bench.registry` (SQLite and PostgreSQL), `bench.booking` (PostgreSQL) and,
when present, `bench.upload`.

Results: [{"benchmark", "metric", "value", "unit", ["reference", "ratio"], ["setup"]}].
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets

from bench.httpload import load, p
from bench.server import ROOT, serve, server_env

RESULTS = ROOT / "bench" / "results.json"
HTTP_CLIENTS, HTTP_SECONDS = 50, 5.0
WS_CLIENTS = 500


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
        return sum(results), p(times, 99)

    return asyncio.run(main())


def page_weight(port: int) -> int:
    base = f"http://127.0.0.1:{port}"
    html = urllib.request.urlopen(base + "/").read()
    total = len(html)
    for asset in set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)):
        total += len(urllib.request.urlopen(base + asset.decode()).read())
    return total


def server_benchmarks() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "bench.sqlite3")
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], env=env, cwd=ROOT, check=True)
        tag = ("postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite") + (
            "+redis" if env.get("REDIS_URL") else "+memory")
        with serve("bench.raw_asgi:app", env) as port:
            raw_rps, raw = asyncio.run(load(port, "/healthz", clients=HTTP_CLIENTS, seconds=HTTP_SECONDS))
        with serve("oficina.conf.asgi:application", env) as port:
            rps, latencies = asyncio.run(load(port, "/healthz", clients=HTTP_CLIENTS, seconds=HTTP_SECONDS))
            connected, ws_p99 = ws_burst(port)
            weight = page_weight(port)
    return [
        {"benchmark": "healthz_http", "metric": "requests_per_s", "value": round(rps, 1), "unit": "req/s",
         "reference": round(raw_rps, 1), "ratio": round(rps / raw_rps, 4), "setup": tag},
        {"benchmark": "healthz_http", "metric": "p99_ms", "value": round(p(latencies, 99), 1), "unit": "ms",
         "reference": round(p(raw, 99), 1), "ratio": round(p(latencies, 99) / p(raw, 99), 2), "setup": tag},
        {"benchmark": "ws_connect_burst", "metric": "connected", "value": connected, "unit": f"of {WS_CLIENTS}",
         "setup": tag},
        {"benchmark": "ws_connect_burst", "metric": "p99_ms", "value": round(ws_p99, 1), "unit": "ms",
         "setup": tag},
        {"benchmark": "page_weight", "metric": "home_bytes", "value": weight, "unit": "bytes"},
    ]


def sub_benchmark(module: str, **env_overrides: str) -> list[dict]:
    """Run `python -m module` (its own process and Django setup) and read the JSON list it prints."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
    for name, value in env_overrides.items():
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", module], env=env, cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout[done.stdout.index("["):])


def main() -> None:
    postgres = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    results = server_benchmarks()
    results += sub_benchmark("bench.registry", DATABASE_URL="")
    results += sub_benchmark("bench.registry", DATABASE_URL=postgres)
    results += sub_benchmark("bench.booking")
    if (ROOT / "bench" / "upload.py").exists():
        results += sub_benchmark("bench.upload")
    results += sub_benchmark("bench.waiting_room")  # 1,000 waiting-room sockets (PostgreSQL + Redis pub/sub layer)
    results += sub_benchmark("bench.live_session")  # chat in sessions (current DATABASE_URL/REDIS_URL), video connect
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
