"""Registry benchmark: entries per second (1 MB PDF attachment, sealed receipt), seal time, peak memory.

    python bench/registry.py            # prints JSON
    from bench.registry import run      # -> list[dict] for bench/run.py

It runs in a child process with its own database, so it never touches the development data:
- SQLite (default): a temporary file database.
- PostgreSQL, when DATABASE_URL points at one: a database `bench_registry` on that server, created and
  dropped around the run.
Each entry: hash a 1 MB PDF (SHA-256, as an upload would be), `registry_entry_create` with its metadata,
which numbers it, renders the receipt and seals it (PAdES B-B with a demo seal; B-T if TSA_URL is set).
Sequential, one client: numbering is serialised by design (one row lock per year), so this is the
registry's throughput ceiling per year, whatever the number of web workers.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":  # run as a script: bench/ must not shadow the standard library (bench/http.py)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ENTRIES = int(os.environ.get("BENCH_REGISTRY_ENTRIES", "150"))
WARMUP = 5
PG_DATABASE = "bench_registry"


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _child() -> None:
    import resource

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from oficina.accounts.models import Role, User
    from oficina.offices.models import Office, Province
    from oficina.registry import services
    from oficina.registry.constants import EntryKind
    from oficina.registry.services import EntryFile, registry_entry_create

    province, _ = Province.objects.get_or_create(code="24", defaults={"name": "León"})
    office = Office.objects.create(code="BENCH-1", name="Oficina de León (bench)", province=province,
                                   municipality="León")
    citizen = User.objects.create_user(username="12345678Z", document_number="12345678Z", role=Role.CITIZEN,
                                       office=office, first_name="María", last_name="Bench")
    attachment = b"%PDF-1.4\n" + os.urandom(1024 * 1024 - 9)

    seal_times: list[float] = []
    original_seal = services.seal_pdf

    def timed_seal(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original_seal(*args, **kwargs)
        finally:
            seal_times.append((time.perf_counter() - started) * 1000)

    services.seal_pdf = timed_seal

    def one() -> None:
        digest = hashlib.sha256(attachment).hexdigest()
        registry_entry_create(
            submitter=citizen, subject="Aportación de documentación", kind=EntryKind.DOCUMENT_UPLOAD,
            files=[EntryFile(name="vida-laboral.pdf", size=len(attachment), sha256=digest,
                             content_type="application/pdf")],
        )

    for _ in range(WARMUP):
        one()
    seal_times.clear()
    started = time.perf_counter()
    for _ in range(ENTRIES):
        one()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({
        "entries_per_s": ENTRIES / elapsed,
        "seal_ms_p50": statistics.median(seal_times),
        "seal_ms_p95": _percentile(seal_times, 0.95),
        "peak_memory_mb": peak_mb,
    }))


def _pg_admin(url: str, statement: str) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(statement)


def run() -> list[dict]:
    database_url = os.environ.get("DATABASE_URL", "")
    postgres = database_url.startswith(("postgres://", "postgresql://"))
    setup = "postgresql" if postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        var = Path(tmp)
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "oficina.conf.base",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "0", "LOG_LEVEL": "WARNING", "VAR_DIR": str(var), "MEDIA_ROOT": str(var / "media"),
            "STORAGE_BACKEND": "filesystem",
            "SEAL_PKCS12_PATH": str(var / "seal" / "seal.p12"), "SEAL_PKCS12_PASSWORD": "bench-seal",
            "SEAL_TRUST_ROOTS": str(var / "seal" / "ca.pem"),
        })
        env.pop("REDIS_URL", None)
        if postgres:
            from urllib.parse import urlsplit, urlunsplit

            _pg_admin(database_url, f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            _pg_admin(database_url, f"CREATE DATABASE {PG_DATABASE}")
            env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path=f"/{PG_DATABASE}"))
        else:
            env["DATABASE_URL"] = f"sqlite:///{var / 'bench.sqlite3'}"
        try:
            subprocess.run([sys.executable, str(ROOT / "manage.py"), "create_demo_seal",
                            "--directory", str(var / "seal")], env=env, cwd=ROOT, check=True, capture_output=True)
            child = subprocess.run([sys.executable, "-m", "bench.registry", "--child"], env=env, cwd=ROOT,
                                   capture_output=True, text=True)
            if child.returncode != 0:
                raise RuntimeError(f"bench/registry.py child failed:\n{child.stderr[-3000:]}")
            output = child.stdout
        finally:
            if postgres:
                _pg_admin(database_url, f"DROP DATABASE IF EXISTS {PG_DATABASE}")
    measured = json.loads(output.strip().splitlines()[-1])
    units = {"entries_per_s": "entries/s", "seal_ms_p50": "ms", "seal_ms_p95": "ms", "peak_memory_mb": "MB"}
    return [
        {"benchmark": "registry", "metric": metric, "value": round(measured[metric], 2), "unit": unit, "setup": setup}
        for metric, unit in units.items()
    ]


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        print(json.dumps(run(), indent=2))
