"""Reminders: a scheduled task (and a cron-able command) mails each appointment once, through real SMTP."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from oficina.appointments import services
from oficina.appointments.models import Appointment
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .conftest import make_citizen, make_service, make_technician


def _appointment(citizen, tech, service, starts_at, **extra):
    return Appointment.objects.create(citizen=citizen, technician=tech, office=tech.office, service=service,
                                      mode="office", starts_at=starts_at, ends_at=starts_at + timedelta(minutes=30),
                                      created_at=timezone.now(), **extra)


@pytest.mark.django_db
def test_reminders_go_once_to_appointments_within_the_window(mailbox, settings, office,
                                                             django_capture_on_commit_callbacks):
    settings.APPOINTMENT_REMINDER_HOURS = 24
    service = make_service()
    tech = make_technician(office=office)
    now = timezone.now()
    soon = _appointment(make_citizen(), tech, service, now + timedelta(hours=3))
    _appointment(make_citizen(document_number="00000000T", email="lejos@example.org"), tech, service,
                 now + timedelta(hours=30))
    _appointment(make_citizen(document_number="99999999R", email="anulada@example.org"), tech, service,
                 now + timedelta(hours=4), status="cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_appointment_reminders", verbosity=0)
    message = mailbox.wait_for("maria@example.org")[0]
    assert message["Subject"] == "Recordatorio de su cita previa"
    assert any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())
    soon.refresh_from_db()
    assert soon.reminded_at is not None
    assert AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_REMINDER_SENT).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert services.appointment_reminders_send() == 0  # idempotent
    assert len(mailbox.messages) == 1
    assert mailbox.to("lejos@example.org") == [] and mailbox.to("anulada@example.org") == []
