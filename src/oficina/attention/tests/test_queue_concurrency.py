"""Races on PostgreSQL: many technicians press "Llamar al siguiente" at once and never get the same
citizen; many citizens enter at once and never get the same number.

Needs PostgreSQL (row locks, SKIP LOCKED, concurrent writers): SQLite serialises every writer, so a race
there proves nothing. CI runs it with DATABASE_URL=postgres://...
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from oficina.attention import services
from oficina.attention.exceptions import QueueEmpty
from oficina.attention.models import Ticket

from .queue_fixtures import OPEN_NOW, new_citizen, new_service, new_technician

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TECHNICIANS = 12
CITIZENS = 30


def _race(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            result = work(index)
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_concurrent_call_next_never_gives_one_citizen_to_two_technicians(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the call-next race needs PostgreSQL (set DATABASE_URL); SQLite serialises all writers")
    settings.ATTENTION_MAX_CONCURRENT = 100
    service = new_service()
    technicians = [new_technician(online=True, now=OPEN_NOW) for _ in range(TECHNICIANS)]
    waiting = [services.ticket_take(citizen=new_citizen(), service=service, now=OPEN_NOW) for _ in range(8)]

    def call(index: int) -> str:
        try:
            ticket = services.ticket_call_next(technician=technicians[index], now=OPEN_NOW)
            return f"called:{ticket.pk}"
        except QueueEmpty:
            return "empty"

    outcomes = _race(TECHNICIANS, call)
    assert len(outcomes) == TECHNICIANS, outcomes
    called = [o for o in outcomes if o.startswith("called:")]
    assert len(called) == len(waiting) and len(set(called)) == len(called)  # each citizen once
    assert Counter(outcomes)["empty"] == TECHNICIANS - len(waiting)
    rows = Ticket.objects.filter(status=Ticket.Status.CALLED)
    assert rows.count() == len(waiting)
    assert len(set(rows.values_list("technician_id", flat=True))) == len(waiting)


def test_concurrent_entries_get_distinct_consecutive_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("the numbering race needs PostgreSQL (set DATABASE_URL); SQLite serialises all writers")
    service = new_service()
    new_technician(online=True, now=OPEN_NOW)
    citizens = [new_citizen() for _ in range(CITIZENS)]

    def enter(index: int) -> str:
        return services.ticket_take(citizen=citizens[index], service=service, now=OPEN_NOW).number

    numbers = _race(CITIZENS, enter)
    assert sorted(numbers) == [f"O-{n:03d}" for n in range(1, CITIZENS + 1)]
