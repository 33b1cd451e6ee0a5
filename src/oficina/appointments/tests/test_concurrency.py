"""Many threads book the same few slots at once: each slot is booked at most once, the rest are told.

Needs PostgreSQL (row locks, concurrent writers): SQLite serialises every writer, so a race there proves
nothing. CI runs it with DATABASE_URL=postgres://...
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import time

import pytest
from django.db import connection, connections

from oficina.appointments import services
from oficina.appointments.exceptions import SlotTaken
from oficina.appointments.models import Appointment

from .conftest import give_schedule, madrid, make_citizen, make_service, make_technician

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = madrid(2026, 3, 20, 12)
THREADS = 40


def _document(n: int) -> str:
    number = 10_000_000 + n
    return f"{number}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"


def test_threads_racing_for_three_slots_book_each_at_most_once(office):
    if connection.vendor != "postgresql":
        pytest.skip("the booking race needs PostgreSQL (set DATABASE_URL); SQLite serialises all writers")
    service = make_service(minutes=30)
    give_schedule(make_technician(office=office), service, weekdays=[0], start=time(9), end=time(10, 30))
    slots = [madrid(2026, 3, 23, 9), madrid(2026, 3, 23, 9, 30), madrid(2026, 3, 23, 10)]
    citizens = [make_citizen(document_number=_document(n), email=f"c{n}@example.org") for n in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            try:
                services.appointment_book(citizen=citizens[index], service=service, mode="office", office=office,
                                          starts_at=slots[index % len(slots)], now=NOW)
                result = "booked"
            except SlotTaken as error:
                assert "acaba de ocupar" in error.message
                result = "taken"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    counts = Counter(outcomes)
    assert len(outcomes) == THREADS, outcomes
    held = Counter(Appointment.objects.filter(status="booked").values_list("starts_at", flat=True))
    assert set(held.values()) == {1} and len(held) == len(slots)
    assert counts == {"booked": len(slots), "taken": THREADS - len(slots)}
