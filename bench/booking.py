"""`booking_race` and `availability_read`: the appointment booking path under contention, on PostgreSQL.

booking_race: 200 concurrent clients (each a signed-in citizen with a keep-alive connection) post a
booking for one of 20 slots at once, through the real HTTP stack (uvicorn → Django → PostgreSQL); 50
rounds, the slots freed between rounds. Metrics: `double_bookings` (from both the HTTP answers and the
database; must be 0), `attempts_per_s`, `p95_ms`, `p99_ms`. Then, for comparison, 10 rounds whose 200
attempts arrive 150 per second instead of all at once: `p95_ms_arriving_150_per_s`.
availability_read: 100 clients reading the day list of the booking flow; requests/s and p95.
Both report the ratio to a raw ASGI app on the same server in the same run, and the server's CPU time
per request (user + system, all its processes): unlike requests/s, it hardly moves when other work
loads the machine, so it is the figure to compare between runs.

Two set-ups, one after the other: "postgresql" (one uvicorn process, per-process cache, sessions in the
database) and, when Redis answers at BENCH_REDIS_URL, "postgresql+redis x2" (two uvicorn workers sharing
Redis as cache, sessions cached there: `SESSION_ENGINE` cached_db, see conf/base.py).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from datetime import datetime
from datetime import time as wall_time
from urllib.parse import quote, urlencode

from bench.httpload import Connection, load, p
from bench.server import ROOT, serve, serve_process, server_env

CLIENTS, SLOTS, ROUNDS = 200, 20, 50
# The same race with the attempts arriving at a rate instead of all at once (for comparison only: the
# issue's figures are the ones above).
PACED_ATTEMPTS_PER_S, PACED_ROUNDS = 150, 10
READ_CLIENTS, READ_SECONDS = 100, 5.0
DATABASE = "bench_booking"
WORKERS_WITH_REDIS = 2


def _redis_url() -> str | None:
    """BENCH_REDIS_URL (default database 15 of the local Redis) if Redis answers there, else None."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` and its descendants (the uvicorn workers), from /proc."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
            total += _cpu_seconds(int(child))
    except OSError:
        return 0.0
    return total


def _postgres_url() -> str:
    base = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    return base.rsplit("/", 1)[0] + "/" + DATABASE


def _recreate_database() -> None:
    import psycopg

    admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "VAR_DIR")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "oficina.conf.base"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_offices", verbosity=0)


def _fixture() -> tuple[str, list[str], list[datetime]]:
    """A video service with one technician and 20 slots on the first business day; 200 citizens with
    sessions. Returns (service slug, session keys, slot start times)."""
    from django.contrib.sessions.backends.db import SessionStore

    from oficina.accounts.constants import PASSWORD_BACKEND
    from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
    from oficina.accounts.models import Role, User
    from oficina.appointments import selectors
    from oficina.appointments.models import Appointment, Service, WeeklySchedule
    from oficina.offices.models import Office

    office = Office.objects.order_by("code").first()
    service = Service.objects.create(slug="bench-race", name="Carrera", duration_minutes=15,
                                     allows_office=False, allows_video=True)
    technician = User.objects.create(username="bench.tecnico", role=Role.TECHNICIAN, office=office)
    for weekday in range(5):  # 09:00–14:00 in 15-minute slots: 20 a day
        schedule = WeeklySchedule.objects.create(technician=technician, office=office, weekday=weekday,
                                                 start_time=wall_time(9), end_time=wall_time(14))
        schedule.services.add(service)
    slots = selectors.next_free_times(service=service, mode=Appointment.Mode.VIDEO, office=None, limit=SLOTS)
    assert len(slots) == SLOTS, slots
    keys = []
    for n in range(CLIENTS):
        number = 10_000_000 + n
        document = f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"
        citizen = User.objects.create(username=document, document_number=document, role=Role.CITIZEN,
                                      first_name="Bench", last_name=str(n), email=f"b{n}@example.org")
        session = SessionStore()
        session.update({"_auth_user_id": str(citizen.pk), "_auth_user_backend":
                        PASSWORD_BACKEND,
                        "_auth_user_hash": citizen.get_session_auth_hash(),
                        SESSION_STARTED_KEY: time.time() + 3600, LAST_ACTIVITY_KEY: time.time() + 3600})
        session.create()
        keys.append(session.session_key)
    return service.slug, keys, slots


def _free_all_slots() -> None:
    from oficina.appointments.models import Appointment

    Appointment.objects.filter(status=Appointment.Status.BOOKED).update(status=Appointment.Status.CANCELLED)


def _database_double_bookings() -> int:
    from django.db.models import Count

    from oficina.appointments.models import Appointment

    taken = (Appointment.objects.exclude(status=Appointment.Status.CANCELLED)
             .values("technician", "starts_at").annotate(n=Count("id")).filter(n__gt=1))
    return sum(row["n"] - 1 for row in taken)


async def _race(port: int, slug: str, keys: list[str], slots: list[datetime], *, rounds: int = ROUNDS,
                pace: float | None = None) -> tuple[int, int, list[float], float]:
    """`rounds` rounds of one booking attempt per client for one of SLOTS slots, the slots freed between
    rounds. pace=None: every attempt of a round at once (the issue's race). pace=N: the attempts of a round
    start N per second, evenly spaced (an arrival rate, whatever the server's answers)."""
    from asgiref.sync import sync_to_async

    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret in the form
    path = "/citas/nueva/confirmar/?" + urlencode({"service": slug, "mode": "video"})
    connections = [await Connection.open(port) for _ in keys]
    latencies: list[float] = []
    http_doubles = database_doubles = 0
    started = time.perf_counter()
    for _round in range(rounds):
        round_start = time.perf_counter()

        async def attempt(index: int) -> tuple[int, int]:
            if pace is not None:
                await asyncio.sleep(max(0.0, round_start + index / pace - time.perf_counter()))  # its arrival time
            slot = slots[index % SLOTS]
            body = f"csrfmiddlewaretoken={csrf}&time={quote(slot.isoformat())}".encode()
            begin = time.perf_counter()
            status, _ = await connections[index].request("POST", path, body=body, headers={
                "Cookie": f"sessionid={keys[index]}; csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded"})
            latencies.append(time.perf_counter() - begin)
            return index % SLOTS, status

        results = await asyncio.gather(*(attempt(i) for i in range(len(keys))))
        unexpected = {status for _, status in results} - {302, 409}
        if unexpected:
            raise RuntimeError(f"unexpected answers {unexpected}")
        winners: dict[int, int] = {}
        for slot_index, status in results:
            if status == 302:
                winners[slot_index] = winners.get(slot_index, 0) + 1
        http_doubles += sum(n - 1 for n in winners.values() if n > 1)
        database_doubles += await sync_to_async(_database_double_bookings)()
        await sync_to_async(_free_all_slots)()
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return http_doubles, database_doubles, latencies, elapsed


def _measure(env: dict[str, str], setup: str, slug: str, keys: list[str], slots: list[datetime]) -> list[dict]:
    """The race and the read on one server set-up (env), with the raw ASGI reference on the same set-up."""
    with serve("bench.raw_asgi:app", env) as port:
        raw_rps, raw_latencies = asyncio.run(load(port, "/", clients=READ_CLIENTS, seconds=READ_SECONDS))
    with serve_process("oficina.conf.asgi:application", env) as (port, process):
        cpu_before = _cpu_seconds(process.pid)
        http_doubles, db_doubles, latencies, elapsed = asyncio.run(_race(port, slug, keys, slots))
        cpu_race = _cpu_seconds(process.pid) - cpu_before
        paced_doubles, paced_db_doubles, paced_latencies, _ = asyncio.run(
            _race(port, slug, keys, slots, rounds=PACED_ROUNDS, pace=PACED_ATTEMPTS_PER_S))
        read_path = "/citas/nueva/?" + urlencode({"service": slug, "mode": "video"})
        cpu_before = _cpu_seconds(process.pid)
        # Each client a different citizen whose browser has been on the site before: it sends its
        # session and its CSRF cookie, so the server reads the token instead of making a new one.
        read_csrf = secrets.token_hex(16)
        read_rps, read_latencies = asyncio.run(load(
            port, read_path, clients=READ_CLIENTS, seconds=READ_SECONDS,
            headers=lambda client: {"Cookie": f"sessionid={keys[client]}; csrftoken={read_csrf}"}))
        cpu_read = _cpu_seconds(process.pid) - cpu_before
    attempts_per_s = len(latencies) / elapsed
    raw_p95 = p(raw_latencies, 95)
    return [
        {"benchmark": "booking_race", "metric": "double_bookings",
         "value": http_doubles + db_doubles + paced_doubles + paced_db_doubles, "unit": "bookings", "setup": setup},
        {"benchmark": "booking_race", "metric": "attempts_per_s", "value": round(attempts_per_s, 1),
         "unit": "attempts/s", "reference": round(raw_rps, 1), "ratio": round(attempts_per_s / raw_rps, 4),
         "setup": setup},
        {"benchmark": "booking_race", "metric": "p95_ms", "value": round(p(latencies, 95), 1), "unit": "ms",
         "reference": round(raw_p95, 1), "setup": setup},
        {"benchmark": "booking_race", "metric": "p99_ms", "value": round(p(latencies, 99), 1), "unit": "ms",
         "setup": setup},
        {"benchmark": "booking_race", "metric": f"p95_ms_arriving_{PACED_ATTEMPTS_PER_S}_per_s",
         "value": round(p(paced_latencies, 95), 1), "unit": "ms", "setup": setup},
        {"benchmark": "booking_race", "metric": "server_cpu_ms_per_request",
         "value": round(1000 * cpu_race / len(latencies), 2), "unit": "ms", "setup": setup},
        {"benchmark": "availability_read", "metric": "requests_per_s", "value": round(read_rps, 1),
         "unit": "req/s", "reference": round(raw_rps, 1), "ratio": round(read_rps / raw_rps, 4),
         "setup": setup},
        {"benchmark": "availability_read", "metric": "p95_ms", "value": round(p(read_latencies, 95), 1),
         "unit": "ms", "reference": round(raw_p95, 1), "setup": setup},
        {"benchmark": "availability_read", "metric": "server_cpu_ms_per_request",
         "value": round(1000 * cpu_read / max(1, len(read_latencies)), 2), "unit": "ms", "setup": setup},
    ]


def run() -> list[dict]:
    _recreate_database()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "unused.sqlite3")
        env["DATABASE_URL"] = _postgres_url()
        env["DATABASE_CONN_MAX_AGE"] = "60"
        env.pop("REDIS_URL", None)
        env.pop("WEB_CONCURRENCY", None)
        _setup_django(env)
        slug, keys, slots = _fixture()
        results = _measure(env, "postgresql", slug, keys, slots)
        redis_url = _redis_url()
        if redis_url:
            shared = dict(env, REDIS_URL=redis_url, CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(4)}",
                          WEB_CONCURRENCY=str(WORKERS_WITH_REDIS))  # uvicorn's --workers default
            _free_all_slots()
            results += _measure(shared, f"postgresql+redis x{WORKERS_WITH_REDIS}", slug, keys, slots)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
