"""`waiting_room`: 1,000 signed-in citizens in one service's virtual waiting room, each with a WebSocket to
one uvicorn process (PostgreSQL + the Redis channel layer, as in production).

- `update_p99_ms`: someone at the head of the queue leaves (a real POST /atencion/sala/salir/); the time
  from that request to each of the 1,000 clients receiving its new `waiting.position`, p99 over ROUNDS.
- `fanout_p99_ms`: the same change event published to the service's group from outside the server
  (through Redis), to each client's receipt: the delivery alone, without the HTTP request in front.
- `messages_per_s`: position messages delivered per second during the HTTP rounds.
- `server_cpu_ms_per_update` / `server_cpu_ms_per_fanout`: CPU time of the server process (all threads) per
  round of each kind: what a change costs the server, whatever else runs on the machine.
- `reconnect_success` / `stale_group_members`: 500 clients drop their socket and reconnect within one
  second; how many get their position back, and how many group members in Redis do not belong to a live
  socket afterwards (goal 0).
The clients (all in this process) hold their own garbage collector during the measured rounds: its pauses
are this process's, not the server's (`_measure_rounds`).
Reference: a raw `websockets` server (its own process) with the same 1,000 clients, sending each its own
JSON on a trigger — the same measurement, the ratio tells what Django + Channels cost on top.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

from bench.httpload import Connection, p
from bench.server import ROOT, free_port, serve_process, server_env, wait_for_port

CLIENTS, ROUNDS, RECONNECTS = 1000, 5, 500
SERVER_PROCESSES = 1
LAYER = os.environ.get("BENCH_CHANNEL_LAYER_KIND", "pubsub")
_T0 = time.perf_counter()


def _log(what: str) -> None:
    print(f"[waiting_room {time.perf_counter() - _T0:6.1f}s] {what}", file=sys.stderr, flush=True)
DATABASE = "bench_waiting"
REDIS_DB = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def _admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def _recreate_database() -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "VAR_DIR",
                                           "REDIS_URL", "CHANNEL_LAYER_KIND")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "oficina.conf.base"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fixture() -> tuple[int, list[str]]:
    """One service; CLIENTS + ROUNDS citizens with sessions and waiting tickets (the first ROUNDS + 1 are
    the ones who leave, one of them in a warm-up round). Rows are written in bulk: no password hashing, no audit (this measures delivery)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from oficina.accounts.constants import PASSWORD_BACKEND
    from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
    from oficina.accounts.models import Role, User
    from oficina.appointments.models import Service
    from oficina.attention.models import Ticket

    service = Service.objects.create(slug="bench-sala", name="Sala", duration_minutes=15)
    total = CLIENTS + ROUNDS + 1  # + one warm-up round
    users = []
    for n in range(total):
        number = 30_000_000 + n
        document = f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"
        users.append(User(username=document, document_number=document, role=Role.CITIZEN, password="!",
                          first_name="Bench", last_name=str(n), email=f"w{n}@example.org"))
    users = User.objects.bulk_create(users)
    now = timezone.now()
    far = now + timezone.timedelta(hours=2)  # no grace expiry during the run
    Ticket.objects.bulk_create([
        Ticket(number=f"B-{n + 1:04d}", day=now.date(), sequence=n + 1, service=service, citizen=user,
               created_at=now, queued_at=now + timezone.timedelta(microseconds=n), last_seen_at=far)
        for n, user in enumerate(users)])
    store = SessionStore()
    sessions, keys = [], []
    expiry = now + timezone.timedelta(hours=2)
    for user in users:
        key = secrets.token_hex(16)
        data = {"_auth_user_id": str(user.pk), "_auth_user_backend": PASSWORD_BACKEND,
                "_auth_user_hash": user.get_session_auth_hash(), SESSION_STARTED_KEY: time.time() + 3600,
                LAST_ACTIVITY_KEY: time.time() + 3600}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        keys.append(key)
    Session.objects.bulk_create(sessions)
    return service.pk, keys


class _Round:
    """The change being measured: clients note their first message after it starts (no polling)."""

    def __init__(self) -> None:
        self.open, self.count, self.expected = False, 0, 0
        self.done = asyncio.Event()


ROUND = _Round()


class Client:
    """One waiting-room socket that remembers when its latest position message arrived."""

    def __init__(self, url: str, origin: str, key: str | None) -> None:
        self.url, self.origin, self.key = url, origin, key
        self.socket = None
        self.received: list[tuple[float, dict]] = []
        self.reader: asyncio.Task | None = None
        self.first = asyncio.Event()
        self.round_arrival: float | None = None

    async def open(self) -> bool:
        try:
            headers = {"Cookie": f"sessionid={self.key}"} if self.key else {}
            self.socket = await websockets.connect(self.url, origin=self.origin, additional_headers=headers,
                                                   open_timeout=60, ping_interval=None, max_queue=None)
        except Exception:
            return False
        self.first = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())
        return True

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                now = time.perf_counter()
                self.received.append((now, json.loads(raw)))
                self.first.set()
                if ROUND.open and self.round_arrival is None:
                    self.round_arrival = now
                    ROUND.count += 1
                    if ROUND.count >= ROUND.expected:
                        ROUND.done.set()
        except websockets.ConnectionClosed:
            pass

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)

    def since(self, start: float) -> list[tuple[float, dict]]:
        return [(t, m) for t, m in self.received if t >= start]


async def _connect_all(clients: list[Client], batch: int = 100) -> int:
    ok = 0
    for i in range(0, len(clients), batch):
        results = await asyncio.gather(*(c.open() for c in clients[i:i + batch]))
        ok += sum(results)
    await asyncio.gather(*(asyncio.wait_for(c.first.wait(), 60) for c in clients), return_exceptions=True)
    return ok


async def _measure_rounds(clients: list[Client], trigger, expected_per_round: int) -> tuple[list[float], float]:
    """ROUNDS changes; for each, the delay from the trigger to each client's next message.

    The 1,000 clients share this one process, and so its garbage collector: a full collection here
    (100–200 ms once their messages pile up) stalls every client at once and showed up as the server's
    latency. Browsers do not share a heap, so the collector waits until the rounds are over."""
    gc.collect()
    gc.disable()
    try:
        return await _rounds(clients, trigger, expected_per_round)
    finally:
        gc.enable()


async def _rounds(clients: list[Client], trigger, expected_per_round: int) -> tuple[list[float], float]:
    delays: list[float] = []
    delivered, busy = 0, 0.0
    for round_index in range(ROUNDS):
        for c in clients:
            c.round_arrival = None
        ROUND.count, ROUND.expected, ROUND.done = 0, expected_per_round, asyncio.Event()
        ROUND.open = True
        start = time.perf_counter()
        await trigger(round_index)
        try:
            await asyncio.wait_for(ROUND.done.wait(), 30)
        except asyncio.TimeoutError:
            pass
        ROUND.open = False
        arrivals = [c.round_arrival for c in clients if c.round_arrival is not None]
        delays += [t - start for t in arrivals]
        delivered += len(arrivals)
        last = max(arrivals, default=start)
        busy += last - start
        _log(f"round {round_index}: {len(arrivals)} clients, last after {(last - start) * 1000:.0f} ms")
        await asyncio.sleep(0.3)
    return delays, delivered / busy if busy else 0.0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process (all its threads), from /proc; 0 elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _app_run(port: int, pid: int, keys: list[str], service_id: int) -> dict:
    import redis.asyncio as aioredis

    url, origin = f"ws://127.0.0.1:{port}/ws/atencion/sala/", f"http://127.0.0.1:{port}"
    leavers, waiting_keys = keys[:ROUNDS + 1], keys[ROUNDS + 1:]
    clients = [Client(url, origin, key) for key in waiting_keys]
    connected = await _connect_all(clients)
    _log(f"{connected} clients connected")
    csrf = secrets.token_hex(16)
    http = await Connection.open(port)

    async def leave(round_index: int) -> None:
        began = time.perf_counter()
        status, _ = await http.request("POST", "/atencion/sala/salir/", body=f"csrfmiddlewaretoken={csrf}".encode(),
                                       headers={"Cookie": f"sessionid={leavers[round_index]}; csrftoken={csrf}",
                                                "Content-Type": "application/x-www-form-urlencoded",
                                                "Referer": origin + "/"})
        if status != 302:
            raise RuntimeError(f"leave answered {status}")
        _log(f"leave request took {(time.perf_counter() - began) * 1000:.0f} ms")

    await leave(ROUNDS)  # warm-up (first request of its kind in the process); not measured
    await asyncio.sleep(0.5)
    cpu = _cpu_seconds(pid)
    delays, rate = await _measure_rounds(clients, leave, len(clients))
    cpu_update = (_cpu_seconds(pid) - cpu) / ROUNDS
    http.close()
    _log("rounds done")

    # The fan-out alone: the same group event published from outside the server (this process, through
    # Redis), without the HTTP request, its audit record and its queries in front of it.
    fanout: list[float] = []
    cpu_fanout = None
    if LAYER != "memory":
        from asgiref.sync import sync_to_async
        from channels.layers import get_channel_layer

        from oficina.attention import selectors

        layer = get_channel_layer()
        event = await sync_to_async(selectors.waiting_changed_event)(service_id=service_id)

        async def publish(round_index: int) -> None:
            await layer.group_send(f"attention.service.{service_id}",
                                   dict(event, per_place=event["per_place"] + 10 * (round_index + 1)))

        cpu = _cpu_seconds(pid)
        fanout, _rate = await _measure_rounds(clients, publish, len(clients))
        cpu_fanout = (_cpu_seconds(pid) - cpu) / ROUNDS

    # 500 drop and come back within one second
    movers = clients[:RECONNECTS]
    await asyncio.gather(*(c.close() for c in movers))
    await asyncio.sleep(0.5)

    async def back(client: Client, delay: float) -> bool:
        await asyncio.sleep(delay)
        client.received.clear()
        if not await client.open():
            return False
        try:
            await asyncio.wait_for(client.first.wait(), 30)
        except asyncio.TimeoutError:
            return False
        return any(m.get("type") == "waiting.position" for _t, m in client.received)

    results = await asyncio.gather(*(back(c, i / RECONNECTS) for i, c in enumerate(movers)))
    await asyncio.sleep(1.0)
    redis = aioredis.from_url(REDIS_DB)
    live = sum(1 for c in clients if c.socket is not None and c.socket.state.name == "OPEN")
    # The service's group holds one channel per server process (attention/fanout.py), not one per socket;
    # each live socket holds its own channel, in its ticket's group.
    if LAYER == "memory":  # nothing to inspect from outside the process
        stale = None
    elif LAYER == "core":  # group members are sorted sets in Redis
        members = await redis.zcard(f"asgi:group:attention.service.{service_id}")
        ticket_members = 0
        async for key in redis.scan_iter(match="asgi:group:attention.ticket.*"):
            ticket_members += await redis.zcard(key)
        stale = max(0, members - SERVER_PROCESSES) + max(0, ticket_members - live)
    else:  # pub/sub: a subscribed channel per live socket and per process; groups live in the process
        subscribed = len(await redis.pubsub_channels("asgispecific.*"))
        ticket_groups = len(await redis.pubsub_channels("asgi__group__attention.ticket.*"))
        stale = max(0, subscribed - live - SERVER_PROCESSES) + max(0, ticket_groups - live)
    await redis.aclose()
    await asyncio.gather(*(c.close() for c in clients))
    return {"connected": connected, "delays": delays, "rate": rate, "fanout": fanout, "reconnected": sum(results),
            "stale": stale, "cpu_update": cpu_update, "cpu_fanout": cpu_fanout}


# --- Reference: a raw websockets server ------------------------------------------------------------


def raw_server(port: int) -> None:
    """Each client gets its own position-like JSON when any client sends "change" (run in a subprocess)."""
    from websockets.asyncio.server import serve as ws_serve

    connected: list = []

    async def handler(socket) -> None:
        connected.append(socket)
        await socket.send(json.dumps({"type": "waiting.position", "position": len(connected)}))
        try:
            async for message in socket:
                if message == "change":
                    order = list(range(len(connected)))
                    for index, peer in enumerate(list(connected)):
                        if peer is not socket:
                            try:
                                await peer.send(json.dumps({"type": "waiting.position", "ticket": "B-0001",
                                                            "status": "waiting", "position": order[index] + 1,
                                                            "estimated_wait_minutes": index}))
                            except websockets.ConnectionClosed:
                                pass
        finally:
            connected.remove(socket)

    async def main() -> None:
        async with ws_serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
            await asyncio.Future()

    asyncio.run(main())


async def _raw_run(port: int) -> tuple[list[float], float]:
    url, origin = f"ws://127.0.0.1:{port}/", f"http://127.0.0.1:{port}"
    clients = [Client(url, origin, None) for _ in range(CLIENTS)]
    await _connect_all(clients)
    trigger_client = Client(url, origin, None)
    await trigger_client.open()

    async def change(_round: int) -> None:
        await trigger_client.socket.send("change")

    delays, rate = await _measure_rounds(clients, change, len(clients))
    await asyncio.gather(*(c.close() for c in clients + [trigger_client]))
    return delays, rate


def run() -> list[dict]:
    _recreate_database()
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "unused.sqlite3")
        env.update({"DATABASE_URL": _admin_url().rsplit("/", 1)[0] + "/" + DATABASE, "DATABASE_CONN_MAX_AGE": "60",
                    "REDIS_URL": REDIS_DB, "CHANNEL_LAYER_KIND": LAYER})
        if LAYER == "memory":
            env["REDIS_URL"] = ""
        import redis

        redis.Redis.from_url(REDIS_DB).flushdb()
        _setup_django(env)
        _log("migrated")
        service_id, keys = _fixture()
        _log("fixture ready")

        raw_port = free_port()
        raw = subprocess.Popen([sys.executable, "-c", f"from bench.waiting_room import raw_server; raw_server({raw_port})"],
                               cwd=ROOT, env=dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}"))
        try:
            wait_for_port(raw_port, what="the raw websockets server")
            raw_delays, raw_rate = asyncio.run(_raw_run(raw_port))
            _log("reference measured")
        finally:
            raw.terminate()
            raw.wait(timeout=10)
        with serve_process("oficina.conf.asgi:application", env) as (port, server):
            result = asyncio.run(_app_run(port, server.pid, keys, service_id))
            _log("application measured")
    setup = f"postgresql+redis ({LAYER} layer), {CLIENTS} clients, {ROUNDS} rounds, one uvicorn process"
    p99, raw_p99 = p(result["delays"], 99), p(raw_delays, 99)
    return [
        {"benchmark": "waiting_room", "metric": "connected", "value": result["connected"], "unit": f"of {CLIENTS}",
         "setup": setup},
        {"benchmark": "waiting_room", "metric": "update_p99_ms", "value": round(p99, 1), "unit": "ms",
         "reference": round(raw_p99, 1), "ratio": round(p99 / raw_p99, 2), "setup": setup},
        {"benchmark": "waiting_room", "metric": "update_p50_ms", "value": round(p(result["delays"], 50), 1),
         "unit": "ms", "reference": round(p(raw_delays, 50), 1), "setup": setup},
        {"benchmark": "waiting_room", "metric": "fanout_p99_ms",
         "value": round(p(result["fanout"], 99), 1) if result["fanout"] else None, "unit": "ms",
         "reference": round(raw_p99, 1),
         "ratio": round(p(result["fanout"], 99) / raw_p99, 2) if result["fanout"] else None, "setup": setup},
        {"benchmark": "waiting_room", "metric": "server_cpu_ms_per_update",
         "value": round(1000 * result["cpu_update"], 1), "unit": "ms", "setup": setup},
        {"benchmark": "waiting_room", "metric": "server_cpu_ms_per_fanout",
         "value": round(1000 * result["cpu_fanout"], 1) if result["cpu_fanout"] is not None else None, "unit": "ms",
         "setup": setup},
        {"benchmark": "waiting_room", "metric": "messages_per_s", "value": round(result["rate"], 1), "unit": "msg/s",
         "reference": round(raw_rate, 1), "ratio": round(result["rate"] / raw_rate, 4) if raw_rate else None,
         "setup": setup},
        {"benchmark": "waiting_room", "metric": "reconnect_success", "value": result["reconnected"],
         "unit": f"of {RECONNECTS}", "setup": setup},
        {"benchmark": "waiting_room", "metric": "stale_group_members", "value": result["stale"], "unit": "members",
         "setup": setup},
    ]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
