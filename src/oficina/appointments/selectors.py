"""Reads of the appointments app: free slots, a citizen's appointments, agendas.

Slots are generated in Europe/Madrid from the weekly schedules' local wall-clock times, one business
day at a time, and compared and stored in UTC. In the office, a schedule is cut to the office's opening
hours (opening_hours.py), so office slots never fall outside them; video slots follow the schedule. A schedule 09:00–14:00 gives 09:00 local time on both
sides of a DST change (07:00 UTC in summer, 08:00 UTC in winter): times are combined with the local
date first and converted to UTC second, never shifted by a fixed offset.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from time import monotonic
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from oficina.appointments.models import (
    Appointment,
    ScheduleException,
    Service,
    WeeklySchedule,
)
from oficina.appointments.opening_hours import OpeningHours, office_opening_hours
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
    "availability_changed",
    "free_days",
    "free_days_cached",
    "schedules_changed",
    "free_slots",
    "free_times",
    "within_opening_hours",
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


@functools.lru_cache(maxsize=65536)
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


def within_opening_hours(blocks: Iterable[ScheduleBlock], hours_for: Callable[[int], OpeningHours]
                         ) -> list[ScheduleBlock]:
    """Each block cut to its office's opening hours on its weekday (possibly into several blocks, or
    none). Pure: no database."""
    cut: list[ScheduleBlock] = []
    for block in blocks:
        for opens, closes in hours_for(block.office_id).get(block.weekday, ()):
            start, end = max(block.start_time, opens), min(block.end_time, closes)
            if start < end:
                cut.append(ScheduleBlock(block.technician_id, block.office_id, block.weekday, start, end))
    return cut


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


@dataclass
class _SlotSource:
    """What slot generation reads from the database for one service/mode/office: the schedule blocks, the
    business calendars of their offices and the technicians' exceptions (loaded once, reused)."""

    blocks: list[ScheduleBlock]
    calendar_for: Callable[[int], BusinessCalendar]
    technicians: set[int] = field(default_factory=set)
    _exceptions: dict[tuple[date, date], dict[int, list[tuple[datetime, datetime]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.technicians = {b.technician_id for b in self.blocks}

    def exceptions(self, start_date: date, end_date: date) -> dict[int, list[tuple[datetime, datetime]]]:
        """Each technician's exceptions overlapping the local dates start_date..end_date."""
        key = (start_date, end_date)
        found = self._exceptions.get(key)
        if found is None:
            range_start, range_end = _range_bounds(start_date, end_date)
            found = {t: [] for t in self.technicians}
            for tech, starts, ends in ScheduleException.objects.filter(
                technician_id__in=self.technicians, starts_at__lt=range_end, ends_at__gt=range_start
            ).values_list("technician_id", "starts_at", "ends_at"):
                found[tech].append((starts, ends))
            if len(self._exceptions) > 64:
                self._exceptions.clear()
            self._exceptions[key] = found
        return found


def _offers(*, service: Service, mode: str, office: Office | None) -> bool:
    if not service.is_active or (mode == Appointment.Mode.OFFICE and (office is None or not service.allows_office)):
        return False
    return not (mode == Appointment.Mode.VIDEO and not service.allows_video)


SOURCE_CACHE_SECONDS = 5
_SCHEDULES_VERSION_KEY = "appointments:schedules:version"
_sources: dict[tuple[Any, ...], tuple[float, Any]] = {}


def schedules_changed(**_: Any) -> None:
    """Forget the schedules and calendars kept by `_slot_source` (and the cached day lists): called on any
    change to schedules, services, staff, offices or holidays (apps.py)."""
    _bump(_SCHEDULES_VERSION_KEY)
    transaction.on_commit(partial(_bump, _SCHEDULES_VERSION_KEY))
    availability_changed()


def _bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def _slot_source(*, service: Service, mode: str, office: Office | None) -> _SlotSource | None:
    """The schedule blocks and calendars for a service, mode and office; None if they offer nothing.

    Kept per process for SOURCE_CACHE_SECONDS, keyed by a version in Django's cache that every change to
    schedules, services, staff, offices and holidays bumps (see apps.py): a booking reads no schedule."""
    if not _offers(service=service, mode=mode, office=office):
        return None
    key = (cache.get(_SCHEDULES_VERSION_KEY, 0), service.pk, service.is_active, service.allows_office,
           service.allows_video, mode, office.pk if office is not None else None)
    now = monotonic()
    cached = _sources.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    source = _load_slot_source(service=service, mode=mode, office=office)
    if len(_sources) > 256:
        _sources.clear()
    _sources[key] = (now + SOURCE_CACHE_SECONDS, source)
    return source


def _load_slot_source(*, service: Service, mode: str, office: Office | None) -> _SlotSource | None:
    blocks = [
        ScheduleBlock(*row)
        for row in _schedules(service=service, mode=mode, office=office).values_list(
            "technician_id", "office_id", "weekday", "start_time", "end_time")
    ]
    if not blocks:
        return None
    offices = {o.pk: o for o in Office.objects.filter(pk__in={b.office_id for b in blocks})}
    calendars = {office_id: business_calendar_for(o) for office_id, o in offices.items()}
    if mode == Appointment.Mode.OFFICE:
        hours = {office_id: office_opening_hours(o.opening_hours, office_label=o.code)
                 for office_id, o in offices.items()}
        blocks = within_opening_hours(blocks, hours.__getitem__)
        if not blocks:
            return None
    return _SlotSource(blocks, calendars.__getitem__)


def _range_bounds(start_date: date, end_date: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start_date, time.min, tzinfo=MADRID),
            datetime.combine(end_date + timedelta(days=1), time.min, tzinfo=MADRID))


def _busy(*, source: _SlotSource, start_date: date, end_date: date, include_booked: bool
          ) -> dict[int, list[tuple[datetime, datetime]]]:
    """Per technician, the intervals they cannot be booked in: exceptions (kept with the schedules, see
    `_SlotSource.exceptions`) and, unless `include_booked`, appointments that hold a slot (one query)."""
    range_start, range_end = _range_bounds(start_date, end_date)
    busy: dict[int, list[tuple[datetime, datetime]]] = {
        tech: list(intervals) for tech, intervals in source.exceptions(start_date, end_date).items()}
    if not include_booked:
        for tech, starts, ends in Appointment.objects.filter(
            technician_id__in=source.technicians, status__in=Appointment.HOLDING_STATUSES,
            starts_at__lt=range_end, ends_at__gt=range_start,
        ).order_by().values_list("technician_id", "starts_at", "ends_at"):
            busy[tech].append((starts, ends))
    return busy


def _free_in(source: _SlotSource, *, duration: timedelta, start_date: date, end_date: date, now: datetime,
             busy: dict[int, list[tuple[datetime, datetime]]]) -> list[Slot]:
    slots = {
        slot
        for slot in candidate_slots(blocks=source.blocks, duration=duration, start_date=start_date,
                                    end_date=end_date, calendar_for=source.calendar_for)
        if slot.starts_at > now and not _overlaps(slot, busy[slot.technician_id])
    }
    return sorted(slots)


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
    source = _slot_source(service=service, mode=mode, office=office)
    if source is None:
        return []
    now = now or timezone.now()
    busy = _busy(source=source, start_date=start_date, end_date=end_date,
                 include_booked=include_booked)
    return _free_in(source, duration=timedelta(minutes=service.duration_minutes), start_date=start_date,
                    end_date=end_date, now=now, busy=busy)


def offered_slots_at(*, service: Service, mode: str, office: Office | None, starts_at: datetime,
                     now: datetime | None = None) -> tuple[list[Slot], _SlotSource | None]:
    """The slots the schedules offer at exactly `starts_at`, booked or not (a citizen cannot invent one),
    and the schedules read to find them (for `next_free_times` if the slot turns out taken)."""
    source = _slot_source(service=service, mode=mode, office=office)
    if source is None:
        return [], None
    day = starts_at.astimezone(MADRID).date()
    busy = _busy(source=source, start_date=day, end_date=day, include_booked=True)
    slots = _free_in(source, duration=timedelta(minutes=service.duration_minutes), start_date=day, end_date=day,
                     now=now or timezone.now(), busy=busy)
    return [slot for slot in slots if slot.starts_at == starts_at], source


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


AVAILABILITY_CACHE_SECONDS = 5
_AVAILABILITY_VERSION_KEY = "appointments:availability:version"


def availability_changed(**_: Any) -> None:
    """Forget every cached day list (called on any change to appointments, schedules, exceptions,
    services or holidays: see apps.py). Entries also expire after AVAILABILITY_CACHE_SECONDS, which
    bounds what changes made without signals (queryset updates, the clock) can leave behind."""
    _bump(_AVAILABILITY_VERSION_KEY)
    # Again once the change is visible to others: a reader between the change and its commit cached
    # what it saw then.
    transaction.on_commit(partial(_bump, _AVAILABILITY_VERSION_KEY))


def free_days_cached(*, service: Service, mode: str, office: Office | None) -> list[date]:
    """`free_days`, kept a few seconds in Django's cache per service, mode, office and local date."""
    today = timezone.now().astimezone(MADRID).date()
    key = (f"appointments:days:{today.isoformat()}:{service.pk}:{service.duration_minutes}:{mode}:"
           f"{office.pk if office is not None else 0}")
    return _versioned(key, lambda: free_days(service=service, mode=mode, office=office))


def _versioned(key: str, compute: Callable[[], Any], *, still_good: Callable[[Any], bool] | None = None) -> Any:
    """What `compute` gives, kept AVAILABILITY_CACHE_SECONDS under `key` with the availability version it
    was computed at, and computed again once that version moves (or `still_good` says no). The version
    and the entry come in one round trip to the cache (with Redis, each round trip costs about as much
    as the rest of the lookup)."""
    found = cache.get_many([_AVAILABILITY_VERSION_KEY, key])
    version = found.get(_AVAILABILITY_VERSION_KEY, 0)
    entry = found.get(key)
    if entry is not None and entry[0] == version and (still_good is None or still_good(entry[1])):
        return entry[1]
    value = compute()
    cache.set(key, (version, value), AVAILABILITY_CACHE_SECONDS)  # a change meanwhile moved the version on
    return value


def next_free_times(*, service: Service, mode: str, office: Office | None, limit: int = 5,
                    now: datetime | None = None, source: _SlotSource | None = None) -> list[datetime]:
    """The first `limit` free start times from now: offered to the loser of a race.

    Slots are generated one local day at a time and the search stops at the first day that completes
    `limit` times (every slot of a later day starts later), instead of generating the whole horizon.
    `source`: the schedules already read for the same service, mode and office (see `offered_slots_at`)."""
    if now is None:  # the present: the answer is kept a few seconds, like the day lists
        key = (f"appointments:next:{service.pk}:{service.duration_minutes}:{mode}:"
               f"{office.pk if office is not None else 0}:{limit}")

        def compute() -> list[datetime]:
            return _next_free_times(service=service, mode=mode, office=office, limit=limit, now=timezone.now(),
                                    source=source)

        def none_started(times: list[datetime]) -> bool:
            return not times or times[0] > timezone.now()

        return _versioned(key, compute, still_good=none_started)
    return _next_free_times(service=service, mode=mode, office=office, limit=limit, now=now, source=source)


def _next_free_times(*, service: Service, mode: str, office: Office | None, limit: int, now: datetime,
                     source: _SlotSource | None) -> list[datetime]:
    source = source or _slot_source(service=service, mode=mode, office=office)
    if source is None:
        return []
    start, end = booking_window(now)
    busy = _busy(source=source, start_date=start, end_date=end, include_booked=False)
    duration = timedelta(minutes=service.duration_minutes)
    times: set[datetime] = set()
    day = start
    while day <= end and len(times) < limit:
        times.update(slot.starts_at for slot in _free_in(source, duration=duration, start_date=day, end_date=day,
                                                         now=now, busy=busy))
        day += timedelta(days=1)
    return sorted(times)[:limit]


def appointment_change_limit(appointment: Appointment) -> datetime:
    """The last instant the citizen may cancel or move the appointment themselves."""
    return appointment.starts_at - timedelta(minutes=settings.APPOINTMENT_CHANGE_NOTICE_MINUTES)


def service_offered(slug: str) -> Service | None:
    """The available service with `slug`, kept per process like the schedules (see `_slot_source`)."""
    key = ("service", cache.get(_SCHEDULES_VERSION_KEY, 0), slug)
    now = monotonic()
    cached = _sources.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    service = services_available().filter(slug=slug).first()
    if len(_sources) > 256:
        _sources.clear()
    _sources[key] = (now + SOURCE_CACHE_SECONDS, service)
    return service


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
                                                      "citizen", "registry_entry")
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
