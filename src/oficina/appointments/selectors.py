"""Reads of the appointments app: free slots, a citizen's appointments, agendas.

Slots are generated in Europe/Madrid from the weekly schedules' local wall-clock times, one business
day at a time, and compared and stored in UTC. A schedule 09:00–14:00 gives 09:00 local time on both
sides of a DST change (07:00 UTC in summer, 08:00 UTC in winter): times are combined with the local
date first and converted to UTC second, never shifted by a fixed offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from oficina.appointments.models import (
    Appointment,
    ScheduleException,
    Service,
    WeeklySchedule,
)
from oficina.appointments.permissions import can_view_appointment
from oficina.core.calendar import MADRID, BusinessCalendar
from oficina.offices.models import Office
from oficina.offices.selectors import business_calendar_for

__all__ = [
    "Slot",
    "ScheduleBlock",
    "appointment_get_for_user",
    "appointments_for_citizen",
    "agenda_for_technician",
    "agenda_for_offices",
    "candidate_slots",
    "free_days",
    "free_slots",
    "free_times",
    "next_free_times",
    "offices_for_service",
    "services_available",
]


@dataclass(frozen=True, order=True)
class Slot:
    """One bookable interval of one technician. `starts_at`/`ends_at` are aware datetimes in UTC."""

    starts_at: datetime
    ends_at: datetime
    technician_id: int
    office_id: int

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(MADRID)


@dataclass(frozen=True)
class ScheduleBlock:
    """What slot generation needs from a WeeklySchedule (plain data, so it can be tested without a DB)."""

    technician_id: int
    office_id: int
    weekday: int
    start_time: time
    end_time: time


def _local_instant(day: date, wall: time) -> datetime | None:
    """`day` at wall-clock `wall` in Madrid, in UTC; None if that wall time does not exist (the hour
    skipped when DST starts). An ambiguous time (the repeated hour in October) takes its first
    occurrence (fold=0)."""
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=MADRID)
    back = aware.astimezone(UTC).astimezone(MADRID).replace(tzinfo=None)
    if back != naive:
        return None
    return aware.astimezone(UTC)


def candidate_slots(
    *,
    blocks: Iterable[ScheduleBlock],
    duration: timedelta,
    start_date: date,
    end_date: date,
    calendar_for: Callable[[int], BusinessCalendar],
) -> Iterator[Slot]:
    """Every slot the schedules offer from `start_date` to `end_date` (both included), on business
    days of each block's office, ignoring bookings, exceptions and the present. Pure: no database."""
    by_weekday: dict[int, list[ScheduleBlock]] = {}
    for block in blocks:
        by_weekday.setdefault(block.weekday, []).append(block)
    day = start_date
    while day <= end_date:
        for block in by_weekday.get(day.weekday(), ()):
            if not calendar_for(block.office_id).is_business_day(day):
                continue
            wall = datetime.combine(day, block.start_time)
            limit = datetime.combine(day, block.end_time)
            while wall + duration <= limit:
                starts = _local_instant(day, wall.time())
                ends = _local_instant(day, (wall + duration).time())
                if starts is not None and ends is not None:
                    yield Slot(starts, ends, block.technician_id, block.office_id)
                wall += duration
        day += timedelta(days=1)


def _overlaps(slot: Slot, intervals: list[tuple[datetime, datetime]]) -> bool:
    return any(start < slot.ends_at and slot.starts_at < end for start, end in intervals)


def _schedules(*, service: Service, mode: str, office: Office | None) -> QuerySet[WeeklySchedule]:
    schedules = WeeklySchedule.objects.filter(services=service, technician__is_active=True,
                                              technician__role="technician", office__is_active=True)
    if mode == Appointment.Mode.OFFICE:
        schedules = schedules.filter(office=office)
    elif office is not None:  # video: that office's technicians first if asked; else any technician
        schedules = schedules.filter(office=office)
    return schedules


def free_slots(
    *,
    service: Service,
    mode: str,
    office: Office | None,
    start_date: date,
    end_date: date,
    now: datetime | None = None,
    include_booked: bool = False,
) -> list[Slot]:
    """Free slots for `service` in `mode`: at `office` (office mode), or with any technician of the
    service (video; `office` None). Skips non-business days of each technician's office, exceptions,
    past times and (unless `include_booked`) slots overlapping a booked, attended or no-show appointment.
    Sorted by start, then technician."""
    if not service.is_active or (mode == Appointment.Mode.OFFICE and (office is None or not service.allows_office)):
        return []
    if mode == Appointment.Mode.VIDEO and not service.allows_video:
        return []
    now = now or timezone.now()
    blocks = [
        ScheduleBlock(s.technician_id, s.office_id, s.weekday, s.start_time, s.end_time)
        for s in _schedules(service=service, mode=mode, office=office)
    ]
    if not blocks:
        return []
    calendars: dict[int, BusinessCalendar] = {}
    offices = {o.pk: o for o in Office.objects.filter(pk__in={b.office_id for b in blocks})}

    def calendar_for(office_id: int) -> BusinessCalendar:
        if office_id not in calendars:
            calendars[office_id] = business_calendar_for(offices[office_id])
        return calendars[office_id]

    technicians = {b.technician_id for b in blocks}
    range_start = datetime.combine(start_date, time.min, tzinfo=MADRID)
    range_end = datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=MADRID)
    busy: dict[int, list[tuple[datetime, datetime]]] = {t: [] for t in technicians}
    for tech, starts, ends in ScheduleException.objects.filter(
        technician_id__in=technicians, starts_at__lt=range_end, ends_at__gt=range_start
    ).values_list("technician_id", "starts_at", "ends_at"):
        busy[tech].append((starts, ends))
    if not include_booked:
        for tech, starts, ends in Appointment.objects.filter(
            technician_id__in=technicians, status__in=Appointment.HOLDING_STATUSES,
            starts_at__lt=range_end, ends_at__gt=range_start,
        ).values_list("technician_id", "starts_at", "ends_at"):
            busy[tech].append((starts, ends))
    duration = timedelta(minutes=service.duration_minutes)
    slots = {
        slot
        for slot in candidate_slots(blocks=blocks, duration=duration, start_date=start_date, end_date=end_date,
                                    calendar_for=calendar_for)
        if slot.starts_at > now and not _overlaps(slot, busy[slot.technician_id])
    }
    return sorted(slots)


def free_times(slots: Iterable[Slot]) -> list[datetime]:
    """The distinct start instants of `slots` (several technicians may be free at the same time)."""
    return sorted({slot.starts_at for slot in slots})


def booking_window(now: datetime | None = None) -> tuple[date, date]:
    today = (now or timezone.now()).astimezone(MADRID).date()
    return today, today + timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS)


def free_days(*, service: Service, mode: str, office: Office | None, now: datetime | None = None) -> list[date]:
    """The local dates, within the booking horizon, that have at least one free slot."""
    start, end = booking_window(now)
    slots = free_slots(service=service, mode=mode, office=office, start_date=start, end_date=end, now=now)
    return sorted({slot.local_start.date() for slot in slots})


def next_free_times(*, service: Service, mode: str, office: Office | None, limit: int = 5,
                    now: datetime | None = None) -> list[datetime]:
    """The first `limit` free start times from now: offered to the loser of a race."""
    start, end = booking_window(now)
    return free_times(free_slots(service=service, mode=mode, office=office, start_date=start, end_date=end,
                                 now=now))[:limit]


def appointment_change_limit(appointment: Appointment) -> datetime:
    """The last instant the citizen may cancel or move the appointment themselves."""
    return appointment.starts_at - timedelta(minutes=settings.APPOINTMENT_CHANGE_NOTICE_MINUTES)


def services_available() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).filter(Q(allows_office=True) | Q(allows_video=True))


def offices_for_service(*, service: Service) -> QuerySet[Office]:
    """Active offices where some technician attends `service` in person."""
    return (Office.objects.filter(is_active=True, weekly_schedules__services=service)
            .select_related("province").distinct())


def appointments_for_citizen(*, citizen: Any) -> QuerySet[Appointment]:
    return (Appointment.objects.filter(citizen=citizen)
            .select_related("service", "office", "office__province", "technician")
            .order_by("-starts_at"))


def appointment_get_for_user(*, user: Any, pk: int) -> Appointment:
    """The appointment if `user` may see it; 404 for missing and forbidden alike."""
    appointment = (Appointment.objects.select_related("service", "office", "office__province", "technician",
                                                      "citizen")
                   .filter(pk=pk).first())
    if appointment is None or not can_view_appointment(user, appointment):
        raise Http404
    return appointment


def _local_day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time.min, tzinfo=MADRID),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=MADRID))


def agenda_for_technician(*, technician: Any, first: date, last: date) -> QuerySet[Appointment]:
    """A technician's appointments (all statuses but cancelled) on local dates first..last."""
    start, end = _local_day_bounds(first, last)
    return (Appointment.objects.filter(technician=technician, starts_at__gte=start, starts_at__lt=end)
            .exclude(status=Appointment.Status.CANCELLED)
            .select_related("service", "citizen", "office").order_by("starts_at"))


def agenda_for_offices(*, offices: Iterable[Office], first: date, last: date) -> QuerySet[Appointment]:
    """Appointments of the technicians of `offices` (office and video) on local dates first..last."""
    start, end = _local_day_bounds(first, last)
    return (Appointment.objects.filter(technician__office__in=list(offices), starts_at__gte=start, starts_at__lt=end)
            .exclude(status=Appointment.Status.CANCELLED)
            .select_related("service", "citizen", "office", "technician").order_by("starts_at", "technician_id"))


def technician_attends_citizen(*, technician: Any, citizen: Any, now: datetime | None = None) -> bool:
    """Whether `technician` has a live appointment with `citizen`: booked or held, ending in the future or
    within the last APPOINTMENT_FILE_ACCESS_DAYS days. Grants access to the citizen's file (casefile)."""
    since = (now or timezone.now()) - timedelta(days=settings.APPOINTMENT_FILE_ACCESS_DAYS)
    return (Appointment.objects.filter(technician=technician, citizen=citizen, ends_at__gte=since)
            .exclude(status=Appointment.Status.CANCELLED).exists())
