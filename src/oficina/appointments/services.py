"""Writes of the appointments app: book, reschedule, cancel, record the outcome, remind.

No double booking is enforced by the database (models.Appointment: partial unique index on
(technician, starts_at) over the statuses that hold a slot; on PostgreSQL also an exclusion constraint
on overlapping ranges). Booking is an INSERT inside a savepoint: when a concurrent booking won the slot
the INSERT fails with IntegrityError and the loser is told, with the next free slots.

One active appointment per citizen and service (no hoarding) cannot be a plain partial unique index:
"active" means booked *and in the future*, and a booked appointment whose time passed without anyone
marking it would block the citizen for ever; an index cannot mention now(). So the services check it
inside the transaction after locking the citizen's row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
IMMEDIATE transactions serialise writers): two concurrent bookings by the same citizen queue on that lock
and the second sees the first.

Every change writes an audit record in its transaction; mail (with the .ics) is queued after commit.
Reminders also go by SMS when a gateway is configured (`accounts.sms`) and the citizen has a mobile
number. A booking of a service with `requires_registry_entry` is also a registry entry with its sealed
receipt, in the booking's transaction. A technician's note on the outcome goes to the citizen's file
(`casefile.services.casefile_note_add`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.accounts import sms
from oficina.accounts.models import User
from oficina.appointments import selectors
from oficina.appointments.exceptions import (
    AlreadyHasAppointment,
    NotChangeable,
    SlotNotOffered,
    SlotTaken,
    TooLateToChange,
)
from oficina.appointments.ics import (
    appointment_ics,
    appointment_location,
    appointment_url,
)
from oficina.appointments.models import Appointment, Service
from oficina.casefile.constants import NoteSource
from oficina.casefile.services import casefile_note_add
from oficina.core.audit import AuditEvent, audit_record
from oficina.core.calendar import MADRID
from oficina.core.models import AuditRecord
from oficina.offices.models import Office
from oficina.registry.constants import EntryKind
from oficina.registry.models import RegistryEntry
from oficina.registry.services import registry_entry_create

__all__ = [
    "appointment_book",
    "appointment_cancel",
    "appointment_record_outcome",
    "appointment_reschedule",
    "appointment_reminders_send",
    "appointment_sms_deliver",
]

logger = logging.getLogger(__name__)


def _lock_citizen(citizen: User) -> None:
    User.objects.select_for_update().filter(pk=citizen.pk).values_list("pk", flat=True).get()


def _check_no_hoarding(*, citizen: User, service: Service, now: datetime, excluding: int | None = None) -> None:
    active = Appointment.objects.filter(citizen=citizen, service=service, status=Appointment.Status.BOOKED,
                                        ends_at__gt=now)
    if excluding is not None:
        active = active.exclude(pk=excluding)
    if active.exists():
        raise AlreadyHasAppointment(
            _("Ya tiene una cita pendiente para este servicio. Puede cambiarla o anularla en «Mis citas»."))


def _insert_first_free(*, candidates: list[selectors.Slot], values: dict[str, Any]) -> Appointment | None:
    """Try each technician free at that time; the database refuses a slot already held."""
    for index, slot in enumerate(candidates):
        try:
            # A savepoint, so that a failed INSERT leaves the outer transaction usable for the next
            # candidate; the last candidate needs none (a failure ends the booking: SlotTaken, rollback).
            with transaction.atomic(savepoint=index < len(candidates) - 1):
                return Appointment.objects.create(
                    technician_id=slot.technician_id, starts_at=slot.starts_at, ends_at=slot.ends_at, **values
                )
        except IntegrityError:
            continue
    return None


def _slot_taken(*, service: Service, mode: str, office: Office | None, source: Any = None) -> SlotTaken:
    return SlotTaken(_("Ese hueco se acaba de ocupar. Elija otro, por ejemplo uno de estos."),
                     next_slots=selectors.next_free_times(service=service, mode=mode, office=office,
                                                          source=source))


def _validate_request(*, service: Service, mode: str, office: Office | None) -> Office | None:
    if mode not in Appointment.Mode.values or not service.is_active:
        raise SlotNotOffered(_("Ese servicio no está disponible."))
    if mode == Appointment.Mode.OFFICE:
        if not service.allows_office or office is None:
            raise SlotNotOffered(_("Este servicio no se atiende en la oficina."))
        return office
    if not service.allows_video:
        raise SlotNotOffered(_("Este servicio no se atiende por videollamada."))
    return None


def _already_taken(*, citizen: User, service: Service, candidates: list[selectors.Slot], now: datetime) -> bool:
    """The losers' fast path, one query and no transaction: True when every candidate slot is already held
    by a committed appointment (the INSERT could only fail) and the citizen has no pending appointment for
    the service (else the locked path below must answer AlreadyHasAppointment, as before). A False here
    proves nothing: the INSERT and the database's constraints decide, as always."""
    overlapping = connection.vendor == "postgresql"  # the exclusion constraint; elsewhere the unique index
    taken = Q()
    for slot in candidates:
        taken |= (Q(technician_id=slot.technician_id, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at)
                  if overlapping else Q(technician_id=slot.technician_id, starts_at=slot.starts_at))
    pending = Q(citizen_id=citizen.pk, service_id=service.pk, status=Appointment.Status.BOOKED, ends_at__gt=now)
    rows = list(Appointment.objects.filter(status__in=Appointment.HOLDING_STATUSES).filter(taken | pending)
                .order_by().values_list("technician_id", "starts_at", "ends_at", "citizen_id", "service_id", "status"))
    if any(c == citizen.pk and sv == service.pk and st == Appointment.Status.BOOKED and e > now
           for _t, _s, e, c, sv, st in rows):
        return False
    for slot in candidates:
        if not any(t == slot.technician_id and (st_ < slot.ends_at and slot.starts_at < e if overlapping
                                                else st_ == slot.starts_at)
                   for t, st_, e, _c, _sv, _st in rows):
            return False
    return True


def _book(*, citizen: User, service: Service, mode: str, office: Office | None, starts_at: datetime,
          actor: User, now: datetime, excluding: int | None = None) -> Appointment:
    candidates, source = selectors.offered_slots_at(service=service, mode=mode, office=office, starts_at=starts_at,
                                                    now=now)
    if not candidates:
        raise SlotNotOffered(_("Esa hora no está entre las ofrecidas. Elija una de la lista."))
    _check_no_hoarding(citizen=citizen, service=service, now=now, excluding=excluding)
    appointment = _insert_first_free(candidates=candidates, values={
        "citizen": citizen, "office": office, "service": service, "mode": mode, "created_at": now,
        "booked_by": actor if actor.pk != citizen.pk else None,
    })
    if appointment is None:
        taken = SlotTaken("")  # replaced by the caller, outside the rolled-back transaction
        taken.source = source  # the schedules just read, so the next free slots need not read them again
        raise taken
    return appointment


def _register(*, appointment: Appointment, actor: User, rescheduled: bool = False) -> RegistryEntry:
    """The registry entry (with sealed receipt) of a booking of a service that requires one."""
    local = appointment.starts_at.astimezone(MADRID)
    subject = (_("Cambio de cita previa: %(service)s, %(day)s a las %(time)s") if rescheduled
               else _("Solicitud de cita previa: %(service)s, %(day)s a las %(time)s")) % {
        "service": appointment.service.name, "day": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}
    entry = registry_entry_create(
        submitter=appointment.citizen, subject=subject, kind=EntryKind.APPOINTMENT,
        addressee_office=appointment.office or appointment.citizen.office,
        recorded_by=actor if actor.pk != appointment.citizen_id else None,
        details={
            _("Servicio"): appointment.service.name,
            _("Fecha y hora"): local.strftime("%d/%m/%Y %H:%M") + " " + _("(hora peninsular)"),
            _("Modalidad"): str(Appointment.Mode(appointment.mode).label),
            _("Lugar"): _("Videollamada") if appointment.is_video else appointment_location(appointment),
        },
    )
    appointment.registry_entry = entry
    appointment.save(update_fields=["registry_entry"])
    return entry


def appointment_book(*, citizen: User, service: Service, mode: str, office: Office | None, starts_at: datetime,
                     actor: User | None = None, now: datetime | None = None) -> Appointment:
    """Book `starts_at` for `citizen`. `actor` is who booked (the citizen, or staff on the phone).

    Raises SlotTaken (with next free slots) if someone else holds it, AlreadyHasAppointment if the
    citizen has another pending appointment for the service, SlotNotOffered for a time not offered."""
    actor = actor or citizen
    now = now or timezone.now()
    office = _validate_request(service=service, mode=mode, office=office)
    candidates, source = selectors.offered_slots_at(service=service, mode=mode, office=office, starts_at=starts_at,
                                                    now=now)
    if candidates and _already_taken(citizen=citizen, service=service, candidates=candidates, now=now):
        raise _slot_taken(service=service, mode=mode, office=office, source=source)
    try:
        with transaction.atomic():
            _lock_citizen(citizen)
            appointment = _book(citizen=citizen, service=service, mode=mode, office=office, starts_at=starts_at,
                                actor=actor, now=now)
            if service.requires_registry_entry:
                _register(appointment=appointment, actor=actor)
            audit_record(event=AuditEvent.APPOINTMENT_BOOKED, actor=actor, target=appointment, details={
                "citizen": citizen.pk, "service": service.slug, "mode": mode, "starts_at": appointment.starts_at,
                "technician": appointment.technician_id, "office": appointment.office_id,
            })
            transaction.on_commit(partial(_send_booking_mail, appointment_id=appointment.pk, kind="booked"))
    except SlotTaken as taken:
        raise _slot_taken(service=service, mode=mode, office=office, source=getattr(taken, "source", None)) from None
    return appointment


def _check_changeable(*, appointment: Appointment, now: datetime) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise NotChangeable(_("Esta cita ya no se puede cambiar ni anular."))
    limit = appointment.starts_at - timedelta(minutes=settings.APPOINTMENT_CHANGE_NOTICE_MINUTES)
    if now > limit:
        raise TooLateToChange(_(
            "Ya no se puede cambiar ni anular por internet: quedan menos de %(minutes)s minutos. "
            "Llame a su oficina."
        ) % {"minutes": settings.APPOINTMENT_CHANGE_NOTICE_MINUTES})


def _locked(appointment: Appointment) -> Appointment:
    return (Appointment.objects.select_for_update(of=("self",)).select_related("service", "office", "citizen")
            .get(pk=appointment.pk))


def appointment_cancel(*, appointment: Appointment, actor: User, now: datetime | None = None) -> Appointment:
    """Cancel a booked appointment up to the notice; its slot is free again at once. Staff may cancel
    later than the notice (the citizen phones the office)."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if actor.pk == appointment.citizen_id:
            _check_changeable(appointment=appointment, now=now)
        elif appointment.status != Appointment.Status.BOOKED:
            raise NotChangeable(_("Esta cita ya no se puede cambiar ni anular."))
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.save(update_fields=["status", "cancelled_at"])
        audit_record(event=AuditEvent.APPOINTMENT_CANCELLED, actor=actor, target=appointment,
                     details={"starts_at": appointment.starts_at, "technician": appointment.technician_id})
        transaction.on_commit(partial(_send_booking_mail, appointment_id=appointment.pk, kind="cancelled"))
    return appointment


def appointment_reschedule(*, appointment: Appointment, starts_at: datetime, actor: User,
                           now: datetime | None = None) -> Appointment:
    """Move an appointment to another free time (same service, mode and office): in one transaction the
    old one is cancelled and the new one inserted; if the new slot was just taken nothing changes."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            old = _locked(appointment)
            if actor.pk == old.citizen_id:
                _check_changeable(appointment=old, now=now)
            elif old.status != Appointment.Status.BOOKED:
                raise NotChangeable(_("Esta cita ya no se puede cambiar ni anular."))
            citizen = User.objects.get(pk=old.citizen_id)
            _lock_citizen(citizen)
            old.status = Appointment.Status.CANCELLED
            old.cancelled_at = now
            old.save(update_fields=["status", "cancelled_at"])
            new = _book(citizen=citizen, service=old.service, mode=old.mode, office=old.office, starts_at=starts_at,
                        actor=actor, now=now, excluding=old.pk)
            new.rescheduled_from = old
            new.save(update_fields=["rescheduled_from"])
            if old.service.requires_registry_entry:
                _register(appointment=new, actor=actor, rescheduled=True)
            audit_record(event=AuditEvent.APPOINTMENT_RESCHEDULED, actor=actor, target=new, details={
                "from": old.pk, "from_starts_at": old.starts_at, "starts_at": new.starts_at,
                "technician": new.technician_id,
            })
            transaction.on_commit(partial(_send_booking_mail, appointment_id=new.pk, kind="rescheduled"))
    except SlotTaken as taken:
        raise _slot_taken(service=appointment.service, mode=appointment.mode, office=appointment.office,
                          source=getattr(taken, "source", None)) from None
    return new


def appointment_record_outcome(*, appointment: Appointment, attended: bool, actor: User, note: str = "",
                               now: datetime | None = None) -> Appointment:
    """Mark a booked appointment attended or no-show (once it has started). An optional `note` goes to the
    citizen's file (a casefile FileNote pointing back to the appointment), in the same transaction: if the
    file refuses it (NoteRefused: too long, or `actor` may not write in that file) nothing is marked."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = _locked(appointment)
        if appointment.status not in {Appointment.Status.BOOKED, Appointment.Status.ATTENDED,
                                      Appointment.Status.NO_SHOW}:
            raise NotChangeable(_("Una cita anulada no se puede marcar."))
        if appointment.starts_at > now:
            raise NotChangeable(_("La cita todavía no ha empezado."))
        appointment.status = Appointment.Status.ATTENDED if attended else Appointment.Status.NO_SHOW
        appointment.save(update_fields=["status"])
        file_note = None
        if note.strip():
            file_note = casefile_note_add(citizen=appointment.citizen, author=actor, text=note,
                                          source=NoteSource.APPOINTMENT, source_id=appointment.pk, now=now)
        audit_record(
            event=AuditEvent.APPOINTMENT_ATTENDED if attended else AuditEvent.APPOINTMENT_NO_SHOW,
            actor=actor, target=appointment, details={"note": file_note.pk if file_note else None},
        )
    return appointment


# --- Mail -------------------------------------------------------------------------------------------

_SUBJECTS = {
    "booked": "Cita previa confirmada",
    "rescheduled": "Cita previa cambiada",
    "cancelled": "Cita previa anulada",
    "reminder": "Recordatorio de su cita previa",
}


def _mail_context(appointment: Appointment) -> dict[str, Any]:
    return {
        "appointment": appointment,
        "local_start": appointment.starts_at.astimezone(MADRID),
        "location": appointment_location(appointment),
        "url": appointment_url(appointment),
        "notice_minutes": settings.APPOINTMENT_CHANGE_NOTICE_MINUTES,
        "service_name": settings.SERVICE_NAME,
    }


def _send_booking_mail(*, appointment_id: int, kind: str) -> None:
    """Queue the mail; the task builds it (body and .ics), so the request only writes the task row."""
    from oficina.appointments.tasks import send_appointment_mail

    send_appointment_mail.enqueue(appointment_id=appointment_id, kind=kind)


def appointment_mail_deliver(*, appointment_id: int, kind: str) -> None:
    """Build and send the mail of a booking, change, cancellation or reminder, with its .ics (run by the
    `send_appointment_mail` task, outside the citizen's request)."""
    appointment = Appointment.objects.select_related("service", "office", "citizen", "rescheduled_from").get(
        pk=appointment_id)
    if not appointment.citizen.email:
        return
    context = {**_mail_context(appointment), "kind": kind}
    body = render_to_string("appointments/email/appointment.txt", context)
    attachments = [("cita.ics", appointment_ics(appointment, cancelled=kind == "cancelled"), "text/calendar")]
    if kind == "rescheduled" and appointment.rescheduled_from is not None:
        attachments.append(("cita-anterior-anulada.ics", appointment_ics(appointment.rescheduled_from,
                                                                         cancelled=True), "text/calendar"))
    message = EmailMessage(subject=_(_SUBJECTS[kind]), body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                           to=[appointment.citizen.email])
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


def appointment_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each booked appointment starting within APPOINTMENT_REMINDER_HOURS that has not had one: by
    email, and also by SMS when a gateway is configured and the citizen has a mobile number. Idempotent:
    `reminded_at` is set in the same transaction (rows locked, SKIP LOCKED on PostgreSQL, so two runs at
    once never remind twice). Returns how many appointments were reminded."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=settings.APPOINTMENT_REMINDER_HOURS)
    by_sms = sms.sms_available()
    sent = 0
    with transaction.atomic():
        due = list(
            Appointment.objects.select_for_update(skip_locked=True, of=("self",)).select_related("citizen")
            .filter(status=Appointment.Status.BOOKED, reminded_at__isnull=True, starts_at__gt=now,
                    starts_at__lte=horizon)
            .order_by("starts_at")
        )
        for appointment in due:
            appointment.reminded_at = now
            appointment.save(update_fields=["reminded_at"])
            channels = [c for c, ok in (("email", bool(appointment.citizen.email)),
                                        ("sms", by_sms and bool(appointment.citizen.phone))) if ok]
            audit_record(event=AuditEvent.APPOINTMENT_REMINDER_SENT, actor="sistema", target=appointment,
                         details={"channels": channels})
            transaction.on_commit(partial(_send_booking_mail, appointment_id=appointment.pk, kind="reminder"))
            if "sms" in channels:
                transaction.on_commit(partial(_send_reminder_sms, appointment_id=appointment.pk))
            sent += 1
    return sent


def _send_reminder_sms(*, appointment_id: int) -> None:
    from oficina.appointments.tasks import send_appointment_sms

    send_appointment_sms.enqueue(appointment_id=appointment_id)


def appointment_sms_text(appointment: Appointment) -> str:
    """The reminder SMS: service, day, time, place or "por videollamada", and where to cancel. Short (one
    or two SMS): the office's name and street only, the link to the appointment page for the rest."""
    office = appointment.office
    context = {
        "appointment": appointment,
        "local_start": appointment.starts_at.astimezone(MADRID),
        "place": "" if appointment.is_video or office is None else ", ".join(p for p in (office.name, office.address)
                                                                          if p),
        "url": appointment_url(appointment),
        "notice_minutes": settings.APPOINTMENT_CHANGE_NOTICE_MINUTES,
        "service_name": settings.SERVICE_NAME,
    }
    return " ".join(render_to_string("appointments/sms/reminder.txt", context).split())


def appointment_sms_deliver(*, appointment_id: int) -> bool:
    """Send the reminder SMS (run by the `send_appointment_sms` task). Nothing is sent for an appointment
    no longer booked, without a mobile number or without a gateway. A gateway failure is logged and
    audited, not raised: the email reminder went anyway. Returns whether the SMS was handed over."""
    appointment = Appointment.objects.select_related("service", "office", "citizen").get(pk=appointment_id)
    backend = sms.get_sms_backend()
    if backend is None or not appointment.citizen.phone or appointment.status != Appointment.Status.BOOKED:
        return False
    try:
        backend.send(to=appointment.citizen.phone, body=appointment_sms_text(appointment))
    except sms.SmsDeliveryError as error:
        logger.warning("Reminder SMS for appointment %s not delivered: %s", appointment.pk, error)
        audit_record(event=AuditEvent.APPOINTMENT_REMINDER_SENT, actor="sistema", target=appointment,
                     result=AuditRecord.Result.FAILURE, details={"channel": "sms", "error": type(error).__name__})
        return False
    return True
