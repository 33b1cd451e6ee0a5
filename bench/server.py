"""Starting the real server for benchmarks: uvicorn in a subprocess with production-like settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "ERROR",
        "VAR_DIR": str(db_path.parent),
    })
    env.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    return env


def wait_for_port(port: int, *, what: str, seconds: float = 30) -> None:
    """Return once something accepts connections on 127.0.0.1:`port` (a server we just started)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)  # polling for the port, bounded by the deadline
    raise RuntimeError(f"{what} did not start")


def listening_sockets(port: int) -> int:
    """How many sockets listen on TCP `port` of this machine (/proc/net/tcp): one per worker process
    when each has its own (oficina.core.serve)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, _remote, state = row.split()[1:4]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                count += 1
    return count


def wait_for_workers(port: int, workers: int, *, seconds: float = 30) -> None:
    """Return once `workers` processes listen on `port`: connections made before a worker listens all
    go to the others, and keep-alive connections stay there."""
    deadline = time.monotonic() + seconds
    while listening_sockets(port) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{workers} workers did not start on port {port}")
        time.sleep(0.1)  # polling for the workers' sockets, bounded by the deadline


@contextmanager
def serve_process(app: str, env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen]]:
    """`app` served as in production (oficina.core.serve: uvicorn, `WEB_CONCURRENCY` workers) on a free
    port: yields (port, process) once every worker accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oficina.core.serve", app, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--timeout-keep-alive", "60"],
        env=env, cwd=ROOT,
    )
    try:
        wait_for_port(port, what=app)
        wait_for_workers(port, int(env.get("WEB_CONCURRENCY") or 1))
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: graceful shutdown of many sockets takes longer
            process.kill()
            process.wait(timeout=10)


@contextmanager
def serve(app: str, env: dict[str, str]) -> Iterator[int]:
    with serve_process(app, env) as (port, _process):
        yield port
