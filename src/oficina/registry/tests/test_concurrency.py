"""Numbers stay unique and gap-free when many people submit at the same moment (PostgreSQL).

SQLite serialises every write transaction (IMMEDIATE mode, conf/base.py), so only PostgreSQL, where
transactions really overlap, tests the row lock on RegistryCounter. CI runs this with DATABASE_URL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from oficina.registry.constants import EntryKind
from oficina.registry.models import RegistryCounter, RegistryEntry
from oficina.registry.services import registry_entry_create

from .conftest import entry_file, make_citizen, make_office

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12
PER_THREAD = 3


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...): SQLite serialises all writers anyway")


def _run_in_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_submissions_get_unique_gap_free_numbers():
    """The counter row for the year does not exist yet: the first submissions also race to create it."""
    office = make_office()
    citizens = [make_citizen(office=office) for _ in range(THREADS)]
    assert not RegistryCounter.objects.exists()

    def submit(index: int) -> None:
        for _ in range(PER_THREAD):
            registry_entry_create(submitter=citizens[index], subject="Aportación", kind=EntryKind.DOCUMENT_UPLOAD,
                                  files=[entry_file()])

    assert _run_in_threads(submit, THREADS) == []
    entries = list(RegistryEntry.objects.order_by("sequence"))
    total = THREADS * PER_THREAD
    assert [e.sequence for e in entries] == list(range(1, total + 1))
    assert len({e.number for e in entries}) == total
    assert RegistryCounter.objects.get().last_number == total
    # Numbers follow submission times (the time is read after the lock).
    times = [e.submitted_at for e in entries]
    assert times == sorted(times)
    assert all(e.receipt_id for e in entries)


def test_concurrent_rollbacks_leave_no_gaps():
    office = make_office()
    citizens = [make_citizen(office=office) for _ in range(THREADS)]

    class Abort(Exception):
        pass

    def submit(index: int) -> None:
        try:
            with transaction.atomic():
                registry_entry_create(submitter=citizens[index], subject="Aportación", kind=EntryKind.GENERIC)
                if index % 3 == 0:
                    raise Abort  # e.g. storing the upload failed after registering: number given back
        except Abort:
            pass

    assert _run_in_threads(submit, THREADS) == []
    kept = THREADS - len(range(0, THREADS, 3))
    assert list(RegistryEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, kept + 1))
