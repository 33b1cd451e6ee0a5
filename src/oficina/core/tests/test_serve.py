"""The production launcher (oficina.core.serve): each worker process on its own SO_REUSEPORT socket,
under uvicorn's supervisor."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from bench.server import ROOT, free_port, listening_sockets, wait_for_port, wait_for_workers
from oficina.core import serve

APP = "oficina.core.tests.pid_app:app"


def _launch(port: int, *, workers: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "oficina.core.serve", APP, "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serving_pids(port: int, connections: int = 60) -> set[int]:
    """The worker answering each of `connections` new connections."""
    pids = set()
    for _ in range(connections):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            pids.add(int(response.read()))
    return pids


def _children(pid: int) -> set[int]:
    return {int(child) for child in open(f"/proc/{pid}/task/{pid}/children").read().split()}


@pytest.fixture
def two_workers():
    port = free_port()
    process = _launch(port, workers=2)
    try:
        wait_for_port(port, what="the launcher")
        wait_for_workers(port, 2)
        yield port, process
    finally:
        _stop(process)


def test_each_worker_listens_on_its_own_socket_and_both_take_connections(two_workers):
    port, process = two_workers
    assert listening_sockets(port) == 2
    workers = _children(process.pid) - {_resource_tracker(process.pid)}
    # 60 connections spread by the kernel's hash of their addresses: all on one worker would be 1 in 2**59.
    assert _serving_pids(port) == workers


def test_a_worker_that_dies_is_replaced_on_a_socket_of_its_own(two_workers):
    port, process = two_workers
    dead = max(_serving_pids(port))
    os.kill(dead, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while dead in _children(process.pid) or listening_sockets(port) < 2:
        assert time.monotonic() < deadline, "the worker was not replaced"
        time.sleep(0.1)  # uvicorn's supervisor checks its workers every half second
    pids = _serving_pids(port)
    assert len(pids) == 2 and dead not in pids


def test_the_server_stops_on_sigterm_and_frees_the_port(two_workers):
    port, process = two_workers
    process.terminate()
    assert process.wait(timeout=15) == 0
    assert listening_sockets(port) == 0


def test_a_port_held_by_another_program_stops_the_launcher_with_a_message():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        process = _launch(port, workers=2)
        try:
            assert process.wait(timeout=30) == 3  # uvicorn's STARTUP_FAILURE: its supervisor does not retry
            assert "Cannot listen on 127.0.0.1" in process.stderr.read()
        finally:
            _stop(process)


def test_a_worker_that_cannot_bind_exits_as_a_startup_failure():
    """The supervisor restarts a worker that died, except one that failed before serving (exit code 3):
    a port taken after the launcher started must not make it restart workers forever."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        config = serve.build_config(app=APP, host="127.0.0.1", port=holder.getsockname()[1], workers=2)
        with pytest.raises(SystemExit) as exit_:
            serve.ReusePortProcess(config, []).target()
    assert exit_.value.code == 3


def test_one_worker_serves_without_a_supervisor():
    port = free_port()
    process = _launch(port, workers=1)
    try:
        wait_for_port(port, what="the launcher")
        assert _serving_pids(port, connections=3) == {process.pid}
    finally:
        _stop(process)


def _resource_tracker(pid: int) -> int | None:
    """multiprocessing's resource tracker, a child of the supervisor that serves nothing."""
    for child in _children(pid):
        if "resource_tracker" in open(f"/proc/{child}/cmdline").read():
            return child
    return None
