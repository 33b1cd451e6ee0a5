"""The .ics calendar file sent with every booking (and a CANCEL one when it is cancelled or moved).

DTSTART/DTEND carry TZID=Europe/Madrid with the local wall-clock time, and the VTIMEZONE is included,
so calendar apps show the time the citizen booked whatever their own zone or DST rules.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from oficina.appointments.models import Appointment
from oficina.core.calendar import MADRID


def video_room_url(appointment: Appointment) -> str:
    return settings.APPOINTMENT_SITE_URL.rstrip("/") + reverse("appointments:video_room",
                                                               args=[appointment.video_room])


def appointment_url(appointment: Appointment) -> str:
    return settings.APPOINTMENT_SITE_URL.rstrip("/") + reverse("appointments:detail", args=[appointment.pk])


def appointment_location(appointment: Appointment) -> str:
    if appointment.is_video:
        return video_room_url(appointment)
    office = appointment.office
    parts = [office.name, office.address, " ".join(p for p in (office.postal_code, office.municipality) if p)]
    return ", ".join(p for p in parts if p)


def appointment_uid(appointment: Appointment) -> str:
    return f"cita-{appointment.pk}-{appointment.video_room}@oficina-virtual"


def appointment_ics(appointment: Appointment, *, cancelled: bool = False) -> str:
    cal = Calendar()
    cal.add("prodid", "-//Oficina Virtual de Empleo//Cita previa//ES")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", appointment.created_at)
    event.add("dtstart", appointment.starts_at.astimezone(MADRID))
    event.add("dtend", appointment.ends_at.astimezone(MADRID))
    event.add("summary", _("Cita previa: %(service)s") % {"service": appointment.service.name})
    event.add("location", appointment_location(appointment))
    event.add("sequence", 1 if cancelled else 0)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", _(
        "Cita previa con el Ecyl: %(service)s (%(mode)s).\n"
        "Para cambiarla o anularla, entre en Mis citas: %(url)s\n"
        "Puede hacerlo hasta %(minutes)s minutos antes de la hora."
    ) % {"service": appointment.service.name, "mode": appointment.get_mode_display().lower(),
         "url": appointment_url(appointment), "minutes": settings.APPOINTMENT_CHANGE_NOTICE_MINUTES})
    if appointment.is_video:
        event.add("url", video_room_url(appointment))
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()
