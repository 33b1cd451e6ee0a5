"""Helpers for the appointments tests: services, technicians with weekly schedules, times."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest

from oficina.accounts.models import Role, User
from oficina.accounts.tests.conftest import (  # noqa: F401  (fixtures)
    CommittingClient,
    client,
    make_citizen,
    make_office,
    make_staff,
    make_totp_device,
    other_client,
    sign_in_citizen,
    sign_in_staff,
)
from oficina.appointments.models import Service, WeeklySchedule
from oficina.core.calendar import MADRID
from oficina.offices.models import Office

_numbers = itertools.count(1)


def make_service(*, slug: str = "orientacion", name: str = "Orientación laboral", minutes: int = 30,
                 office: bool = True, video: bool = True) -> Service:
    service, _ = Service.objects.update_or_create(slug=slug, defaults={
        "name": name, "duration_minutes": minutes, "allows_office": office, "allows_video": video, "is_active": True,
    })
    return service


def make_technician(*, office: Office | None = None, username: str | None = None) -> User:
    return make_staff(role=Role.TECHNICIAN, office=office or make_office(),
                      username=username or f"tecnico{next(_numbers)}")


def give_schedule(technician: User, service: Service, *, weekdays=range(5), start: time = time(9),
                  end: time = time(14), office: Office | None = None) -> list[WeeklySchedule]:
    schedules = []
    for weekday in weekdays:
        schedule = WeeklySchedule.objects.create(technician=technician, office=office or technician.office,
                                                 weekday=weekday, start_time=start, end_time=end)
        schedule.services.add(service)
        schedules.append(schedule)
    return schedules


def madrid(*args: int) -> datetime:
    return datetime(*args, tzinfo=MADRID)


def next_weekday(after: date, weekday: int = 0) -> date:
    """The first `weekday` (0 Monday) strictly after `after`, and not a public holiday nearby in tests."""
    day = after + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@pytest.fixture
def service(db) -> Service:
    return make_service()


@pytest.fixture
def office(db) -> Office:
    return make_office()


@pytest.fixture
def technician(db, office) -> User:
    return make_technician(office=office)
