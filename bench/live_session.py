"""Live-session benchmark: chat inside sessions over WebSockets through the real server, and the video
connect time of the two-browser test.

- `live_session` / `chat_round_trip_p99_ms`: SESSIONS sessions at once, each with its citizen and its
  technician connected to `ws/atencion/sesion/<token>/` on one uvicorn process; each citizen sends
  MESSAGES chat messages one after another and waits for its own copy back (stored under the session's
  row lock, then delivered through the channel layer to both sides). Reference: a raw `websockets` echo
  server (its own process) with the same clients and pattern, in the same run; `ratio` = ours / echo.
- `live_session` / `chat_delivery_p99_ms`: the same sends, until the technician's side has the message.
- `live_session` / `messages_stored`: every message sent is in the database exactly once.
- `live_session` / `video_connect_median_ms`: from the technician's click on "Llamar al siguiente" to
  `connected` on both sides, in `attention/tests/test_live_browser.py` (real queue pages, Chromium's fake
  camera, loopback, no STUN/TURN), run VIDEO_RUNS times in its own pytest process; the median. The
  citizen's click on "Atender la llamada" is made as soon as the button shows. Each run's line in
  `$VAR_DIR/bench/video_connect_ms.jsonl` also has the steps of both pages (navigation, response, parsed,
  script, socket, prepared offer, peer, offer/answer, media, connected), in ms from the call click.

`python -m bench.live_session` prints the rows as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import websockets

from bench.httpload import p
from bench.server import ROOT, free_port, serve_process, server_env, wait_for_port

SESSIONS = 10  # the pilot's figure of citizens attended at once
MESSAGES = 25  # per session, within the chat's per-connection burst (30)
VIDEO_RUNS = int(os.environ.get("BENCH_VIDEO_RUNS", "3"))

_SETUP_SCRIPT = """
import json, sys, time, django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from oficina.accounts.constants import PASSWORD_BACKEND
from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from oficina.accounts.models import Role, User
from oficina.appointments.models import Service
from oficina.attention.models import AttentionSession, Ticket
from oficina.offices.models import Office, Province

def cookie(user, device=None):
    store = SessionStore()
    store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: PASSWORD_BACKEND,
                  HASH_SESSION_KEY: user.get_session_auth_hash(), SESSION_STARTED_KEY: time.time(),
                  LAST_ACTIVITY_KEY: time.time()})
    if device is not None:
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key

office = Office.objects.create(code="BENCH", name="Oficina de pruebas", province=Province.objects.first(),
                               municipality="Valladolid")
service = Service.objects.create(slug="bench-directo", name="Atención en directo", duration_minutes=30,
                                 allows_office=False, allows_video=True, is_active=True)
now = timezone.now()
sessions = []
for number in range(1, int(sys.argv[1]) + 1):
    citizen = User.objects.create_user(username=f"bench{number}", document_number=f"{number:08d}A",
                                       role=Role.CITIZEN, first_name="Bench", email=f"b{number}@example.org")
    technician = User.objects.create_user(username=f"tecnico{number}", role=Role.TECHNICIAN, office=office,
                                          first_name="Técnica")
    device = TOTPDevice.objects.create(user=technician, name="Teléfono", confirmed=True)
    ticket = Ticket.objects.create(number=f"V-{number:03d}", day=timezone.localdate(), sequence=number,
                                   service=service, citizen=citizen, mode="chat", status="in_session",
                                   created_at=now, called_at=now, last_seen_at=now, technician=technician)
    session = AttentionSession.objects.create(ticket=ticket, citizen=citizen, technician=technician,
                                              service=service, mode="chat", started_at=now)
    sessions.append({"id": session.pk, "token": session.token, "citizen": cookie(citizen),
                     "technician": cookie(technician, device)})
print(json.dumps(sessions))
"""

_COUNT_SCRIPT = """
import django
django.setup()
from django.db.models import Count
from oficina.attention.models import ChatMessage
print(ChatMessage.objects.count(), ChatMessage.objects.values("session", "client_id").annotate(n=Count("id"))
      .filter(n__gt=1).count())
"""

_ECHO_SCRIPT = """
import asyncio, sys, websockets
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1]), max_size=2**20):
        await asyncio.Future()
asyncio.run(main())
"""


async def _chat_session(port: int, session: dict, round_trips: list[float], deliveries: list[float],
                        count: int = MESSAGES) -> int:
    origin = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/ws/atencion/sesion/{session['token']}/"

    def connect(cookie: str):
        return websockets.connect(url, origin=origin, additional_headers={"Cookie": f"sessionid={cookie}"},
                                  open_timeout=30)

    async with connect(session["citizen"]) as citizen, connect(session["technician"]) as technician:
        received: dict[str, float] = {}

        async def technician_reader() -> None:
            async for raw in technician:
                message = json.loads(raw)
                if message.get("type") == "chat.message":
                    received[message["client_id"]] = time.perf_counter()

        reader = asyncio.create_task(technician_reader())
        sent = 0
        for number in range(count):
            client_id = uuid.uuid4().hex
            start = time.perf_counter()
            await citizen.send(json.dumps({"type": "chat.send", "client_id": client_id,
                                           "body": f"Mensaje de prueba número {number}"}))
            while True:
                message = json.loads(await asyncio.wait_for(citizen.recv(), 30))
                if message.get("type") == "error":
                    raise RuntimeError(f"chat refused: {message}")
                if message.get("type") == "chat.message" and message.get("client_id") == client_id:
                    break
            round_trips.append(time.perf_counter() - start)
            sent += 1
            deadline = time.perf_counter() + 30
            while client_id not in received and time.perf_counter() < deadline:
                await asyncio.sleep(0.0005)  # the technician's reader records it; bounded wait
            if client_id in received:
                deliveries.append(received[client_id] - start)
        reader.cancel()
        return sent


async def _echo_client(port: int, round_trips: list[float]) -> None:
    async with websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        for number in range(MESSAGES):
            payload = json.dumps({"type": "chat.send", "client_id": uuid.uuid4().hex,
                                  "body": f"Mensaje de prueba número {number}"})
            start = time.perf_counter()
            await ws.send(payload)
            await ws.recv()
            round_trips.append(time.perf_counter() - start)


def _echo_reference() -> list[float]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", _ECHO_SCRIPT, str(port)])
    try:
        wait_for_port(port, what="the raw websockets echo server")
        round_trips: list[float] = []
        asyncio.run(_echo_client(port, []))  # warm-up

        async def main() -> None:
            await asyncio.gather(*(_echo_client(port, round_trips) for _ in range(SESSIONS)))
        asyncio.run(main())
        return round_trips
    finally:
        process.terminate()
        process.wait(timeout=10)


def chat_benchmark() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        env = server_env(Path(tmp) / "bench.sqlite3")
        tag = ("postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite") + (
            "+redis" if env.get("REDIS_URL") else "+memory")
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
        sessions = json.loads(subprocess.run([sys.executable, "-c", _SETUP_SCRIPT, str(SESSIONS)], env=env, cwd=ROOT,
                                             check=True, stdout=subprocess.PIPE, text=True).stdout)
        round_trips: list[float] = []
        deliveries: list[float] = []
        with serve_process("oficina.conf.asgi:application", env) as (port, _process):
            # The first connection pays imports and the first queries.
            asyncio.run(_chat_session(port, sessions[0], [], [], count=2))

            async def main() -> list[int]:
                return await asyncio.gather(*(_chat_session(port, session, round_trips, deliveries)
                                              for session in sessions))
            sent = sum(asyncio.run(main())) + 2
        stored, duplicated = map(int, subprocess.run([sys.executable, "-c", _COUNT_SCRIPT], env=env, cwd=ROOT,
                                                     check=True, stdout=subprocess.PIPE, text=True).stdout.split())
    echo = _echo_reference()
    ours, reference = p(round_trips, 99), p(echo, 99)  # milliseconds
    return [
        {"benchmark": "live_session", "metric": "chat_round_trip_p99_ms", "value": round(ours, 1),
         "unit": "ms", "reference": round(reference, 2), "ratio": round(ours / reference, 1),
         "setup": f"{tag}, {SESSIONS} sessions x {MESSAGES} messages"},
        {"benchmark": "live_session", "metric": "chat_round_trip_median_ms",
         "value": round(statistics.median(round_trips) * 1000, 1), "unit": "ms",
         "reference": round(statistics.median(echo) * 1000, 2),
         "ratio": round(statistics.median(round_trips) / statistics.median(echo), 1), "setup": tag},
        {"benchmark": "live_session", "metric": "chat_delivery_p99_ms", "value": round(p(deliveries, 99), 1),
         "unit": "ms", "setup": tag},
        {"benchmark": "live_session", "metric": "messages_stored", "value": stored if duplicated == 0 else -duplicated,
         "unit": f"of {sent} sent (negative: duplicates)", "setup": tag},
    ]


def video_benchmark() -> list[dict]:
    """Runs the two-browser test VIDEO_RUNS times; each run appends its connect time to the file."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, VAR_DIR=tmp, PYTHONPATH=f"{ROOT / 'src'}")
        for _ in range(VIDEO_RUNS):
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-k", "talk_by_video",
                            "src/oficina/attention/tests/test_live_browser.py"],
                           env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        runs = [json.loads(line) for line in (Path(tmp) / "bench" / "video_connect_ms.jsonl").read_text().splitlines()]
    times = [run["call_next_to_connected_ms"] for run in runs]
    answered = [run["steps"]["answer_to_connected_ms"] for run in runs]
    return [
        {"benchmark": "live_session", "metric": "video_connect_median_ms", "value": round(statistics.median(times)),
         "unit": "ms", "setup": f"{len(times)} runs of test_live_browser.py (click on 'Llamar al siguiente' → "
                                f"connected on both sides), loopback, fake camera; each: {sorted(round(t) for t in times)}"},
        {"benchmark": "live_session", "metric": "video_answer_to_connected_median_ms",
         "value": round(statistics.median(answered)), "unit": "ms",
         "setup": "click on 'Atender la llamada' → connected on both sides (the citizen's session page loads and "
                  "joins; the technician's page, open since the call, sends its prepared offer; answer, ICE, DTLS)"},
    ]


def run() -> list[dict]:
    return chat_benchmark() + video_benchmark()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
