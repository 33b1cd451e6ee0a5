"""`python -m oficina.core.serve`: the production server, uvicorn with our options and balanced workers.

With several workers (`--workers`, default `WEB_CONCURRENCY`), uvicorn binds one socket in its parent
process and every worker accepts from it. Whichever worker wakes first takes a burst of connections, and
keep-alive connections stay where they landed: with 100 connections from a proxy's pool or from many
phones, one of two workers held 55–75 of them in our benchmark, so its requests waited while the other
worker had spare time. On Linux each worker here binds its own listening socket with `SO_REUSEPORT`
instead, and the kernel spreads new connections over the workers by a hash of their addresses. uvicorn
has no option for it yet (Kludex/uvicorn#2472); its supervisor is kept (health checks, restarts,
signals), only the socket each worker serves changes.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import multiprocess

APPLICATION = "oficina.conf.asgi:application"
logger = logging.getLogger("uvicorn.error")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) in the address's SO_REUSEPORT group; asyncio listens on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class ReusePortProcess(multiprocess.Process):
    """A uvicorn worker process that serves its own SO_REUSEPORT socket instead of the parent's."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # runs in the worker process
        try:
            own = reuse_port_socket(self.config.host, self.config.port)
        except OSError as error:
            logger.error("Cannot listen on %s:%s: %s", self.config.host, self.config.port, error)
            sys.exit(STARTUP_FAILURE)  # the supervisor stops instead of restarting a worker that cannot bind
        super().target([own])


def build_config(*, app: str = APPLICATION, host: str, port: int, workers: int | None = None,
                 **options) -> uvicorn.Config:
    """uvicorn's configuration for our application. The WebSocket implementation without per-message
    compression: waiting-room updates are small, and deflate costs CPU and memory per socket."""
    options = {"ws": "websockets-sansio", "ws_per_message_deflate": False, "lifespan": "off", **options}
    return uvicorn.Config(app, host=host, port=port, workers=workers, **options)


def serve(config: uvicorn.Config) -> None:
    if config.workers <= 1:
        uvicorn.Server(config).run()
        return
    # Fail now, in the parent, if another program holds the port; a worker that cannot bind stops the
    # supervisor too (above), but only after it started.
    try:
        reuse_port_socket(config.host, config.port).close()
    except OSError as error:
        logger.error("Cannot listen on %s:%s: %s", config.host, config.port, error)
        sys.exit(STARTUP_FAILURE)
    logger.info("Uvicorn running on http://%s:%d, %d workers each on its own socket (SO_REUSEPORT)",
                config.host, config.port, config.workers)
    # uvicorn's supervisor makes (and remakes) its workers through the module's name `Process`: while it
    # runs, that name is ours. The workers are spawned processes, which unpickle ReusePortProcess from
    # this module.
    uvicorn_process, multiprocess.Process = multiprocess.Process, ReusePortProcess
    try:
        multiprocess.Multiprocess(config, sockets=[]).run()
    finally:
        multiprocess.Process = uvicorn_process


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m oficina.core.serve", description=__doc__.splitlines()[0])
    parser.add_argument("app", nargs="?", default=APPLICATION, help=f"default: {APPLICATION}")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=None, help="default: WEB_CONCURRENCY, else 1")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--timeout-keep-alive", type=int, default=5)
    args = parser.parse_args(argv)
    serve(build_config(app=args.app, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
                       access_log=not args.no_access_log, timeout_keep_alive=args.timeout_keep_alive))


if __name__ == "__main__":
    # Through the module's own name, so that spawned workers unpickle `oficina.core.serve.ReusePortProcess`.
    from oficina.core.serve import main as _main

    _main()
