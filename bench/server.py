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


@contextmanager
def serve_process(app: str, env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen]]:
    """uvicorn serving `app` on a free port: yields (port, process) once it accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--lifespan", "off",
         "--timeout-keep-alive", "60"],
        env=env, cwd=ROOT,
    )
    try:
        wait_for_port(port, what=app)
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
