"""Upload benchmark: one 10 MB PDF through the real server (uvicorn + Django), measured from outside.

- `upload` / `server_memory_growth_mb`: how much the server process's resident memory grows while it
  receives, checks, stores and registers the upload (goal: < 20 MB). Sampled every 5 ms from
  /proc/<pid>/status (VmRSS), against the level after a warm-up upload (imports, first seal done).
- `upload` / `throughput_mb_s`: file megabytes per second for the whole request (send + checks + storage
  + registry entry + sealed receipt), on loopback.

The citizen and the session are written straight to the database; the body is streamed from a generator
(a valid PDF with one 10 MB stream of random bytes), never held whole in the client either.
`run()` returns the result rows; `python bench/upload.py` prints them as JSON.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server import ROOT, serve_process, server_env

FILE_BYTES = 10_000_000  # 10 MB; UPLOAD_MAX_BYTES is 10 MiB
CHUNK = 64 * 1024

_SESSION_SCRIPT = """
import time, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from oficina.accounts.constants import PASSWORD_BACKEND
from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from oficina.accounts.models import Role, User
user = User.objects.create_user(username="12345678Z", document_number="12345678Z", role=Role.CITIZEN,
                                first_name="Bench", last_name="Upload", email="bench@example.org")
session = SessionStore()
session.update({"_auth_user_id": str(user.pk), "_auth_user_backend": PASSWORD_BACKEND,
                "_auth_user_hash": user.get_session_auth_hash(), SESSION_STARTED_KEY: time.time(),
                LAST_ACTIVITY_KEY: time.time()})
session.create()
print(session.session_key)
"""


def _env(tmp: Path) -> dict[str, str]:
    env = server_env(tmp / "bench.sqlite3")
    env.update({
        "PYTHONPATH": str(ROOT / "src"), "MEDIA_ROOT": str(tmp / "media"), "STORAGE_BACKEND": "filesystem",
        "SEAL_PKCS12_PATH": str(tmp / "seal" / "seal.p12"), "SEAL_PKCS12_PASSWORD": "bench-seal",
        "SEAL_TRUST_ROOTS": str(tmp / "seal" / "ca.pem"), "TSA_URL": "", "CLAMD_SOCKET": "",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
    })
    return env


@contextmanager
def _server(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    with serve_process("oficina.conf.asgi:application", env) as (port, process):
        yield port, process.pid


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _pdf_parts(size: int) -> tuple[bytes, int, bytes]:
    """A valid PDF around one content stream of `size - overhead` random bytes: (head, stream length, tail)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    objects = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n",
    ]
    offsets, position = [], len(head)
    for item in objects:
        offsets.append(position)
        position += len(item)
    overhead_guess = 400
    length = size - overhead_guess
    stream_head = f"4 0 obj\n<< /Length {length} >>\nstream\n".encode()
    offsets.append(position)
    start = head + b"".join(objects) + stream_head
    xref_at = len(start) + length + len(b"\nendstream\nendobj\n")
    xref = b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    tail = (b"\nendstream\nendobj\n" + xref + b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n"
            + str(xref_at).encode() + b"\n%%EOF\n")
    return start, length, tail


def _multipart(size: int, csrf: str) -> tuple[str, int, Iterator[bytes]]:
    boundary = f"----bench{uuid.uuid4().hex}"
    fields = b"".join(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
        for name, value in {"csrfmiddlewaretoken": csrf, "doc_type": "otro", "title": "Bench"}.items()
    )
    file_head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.pdf\"\r\n"
                 "Content-Type: application/pdf\r\n\r\n").encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    pdf_head, stream_length, pdf_tail = _pdf_parts(size)
    total = len(fields) + len(file_head) + len(pdf_head) + stream_length + len(pdf_tail) + len(closing)

    def body() -> Iterator[bytes]:
        yield fields + file_head + pdf_head
        left = stream_length
        while left:
            piece = min(CHUNK, left)
            yield os.urandom(piece)
            left -= piece
        yield pdf_tail + closing

    return boundary, total, body()


def _upload(port: int, session: str, size: int) -> tuple[int, float, int]:
    """Send one upload; return (HTTP status, seconds, file bytes)."""
    csrf = uuid.uuid4().hex
    boundary, length, body = _multipart(size, csrf)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.putrequest("POST", "/expediente/subir/")
    connection.putheader("Cookie", f"sessionid={session}; csrftoken={csrf}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(length))
    connection.endheaders()
    for chunk in body:
        connection.send(chunk)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 302:
        raise RuntimeError(f"upload answered {response.status}, not 302 (refused?)")
    return response.status, elapsed, size


def run() -> list[dict]:
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        env = _env(tmp)
        (tmp / "static").mkdir()  # whitenoise warns without it; nothing static is fetched here
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
        subprocess.run([sys.executable, "manage.py", "create_demo_seal", "--directory", str(tmp / "seal")],
                       env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        session = subprocess.run([sys.executable, "-c", _SESSION_SCRIPT], env=env, cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with _server(env) as (port, pid):
            _upload(port, session, 1_000_000)  # warm-up: imports, first receipt sealed
            time.sleep(0.5)  # let the warm-up's buffers be freed before reading the baseline RSS
            baseline_kb = _status_kb(pid, "VmRSS")
            peak_kb = baseline_kb
            sampling = True

            def sample() -> None:
                nonlocal peak_kb
                while sampling:
                    peak_kb = max(peak_kb, _status_kb(pid, "VmRSS"))
                    time.sleep(0.005)  # RSS sampling period

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            try:
                _, seconds, size = _upload(port, session, FILE_BYTES)
            finally:
                sampling = False
                sampler.join()
            hwm_kb = _status_kb(pid, "VmHWM")
        stored = sum(path.stat().st_size for path in (tmp / "media" / "casefile").rglob("*") if path.is_file())
        if stored < FILE_BYTES + 1_000_000:
            raise RuntimeError("the uploads were not stored")
    growth_mb = (peak_kb - baseline_kb) / 1024
    return [
        {"benchmark": "upload", "metric": "server_memory_growth_mb", "value": round(growth_mb, 1), "unit": "MB",
         "goal": "< 20", "baseline_rss_mb": round(baseline_kb / 1024, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
         "vm_hwm_mb": round(hwm_kb / 1024, 1)},
        {"benchmark": "upload", "metric": "throughput_mb_s", "value": round(size / 1_000_000 / seconds, 1),
         "unit": "MB/s", "file_mb": size / 1_000_000, "seconds": round(seconds, 2)},
    ]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
