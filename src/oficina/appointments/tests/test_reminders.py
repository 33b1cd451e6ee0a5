"""Reminders: a scheduled task (and a cron-able command) mails each appointment once, through real SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from oficina.accounts.sms import SmsBackend, SmsDeliveryError
from oficina.appointments import services
from oficina.appointments.models import Appointment
from oficina.core.audit import AuditEvent
from oficina.core.calendar import MADRID
from oficina.core.models import AuditRecord

from .conftest import make_citizen, make_service, make_technician


def _appointment(citizen, tech, service, starts_at, **extra):
    values = {"office": tech.office, "mode": "office", **extra}
    return Appointment.objects.create(citizen=citizen, technician=tech, service=service, starts_at=starts_at,
                                      ends_at=starts_at + timedelta(minutes=30), created_at=timezone.now(),
                                      **values)


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


class RefusingSmsBackend(SmsBackend):
    """A gateway that refuses every message (as a real one does when its quota is spent)."""

    def send(self, *, to: str, body: str) -> None:
        raise SmsDeliveryError("quota exceeded")


@pytest.mark.django_db
def test_with_an_sms_gateway_the_reminder_also_goes_by_sms(mailbox, settings, office, caplog,
                                                           django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "oficina.accounts.sms.LogSmsBackend"
    office.address = "Calle Santo Tomás 2"
    office.save()
    tech = make_technician(office=office)
    now = timezone.now()
    in_office = _appointment(make_citizen(), tech, make_service(), now + timedelta(hours=3))
    by_video = _appointment(make_citizen(document_number="00000000T", email="video@example.org"), tech,
                            make_service(slug="autoempleo", name="Autoempleo"), now + timedelta(hours=5),
                            mode="video", office=None)
    _appointment(make_citizen(document_number="99999999R", email="sinmovil@example.org", phone=""), tech,
                 make_service(slug="demanda", name="Demanda"), now + timedelta(hours=6))

    with caplog.at_level("INFO", logger="oficina.accounts.sms"), django_capture_on_commit_callbacks(execute=True):
        assert services.appointment_reminders_send() == 3
    texts = [record.args for record in caplog.records if record.name == "oficina.accounts.sms"]
    assert len(texts) == 2 and {to for to, _ in texts} == {"+34612345678"}
    office_text = next(body for _, body in texts if "Orientación laboral" in body)
    local = in_office.starts_at.astimezone(MADRID)
    assert local.strftime("%H:%M") in office_text and f"{local.day}/{local.month}" in office_text
    assert "Calle Santo Tomás 2" in office_text and f"/citas/{in_office.pk}/" in office_text
    assert "anularla" in office_text and len(office_text) <= 306  # two SMS at most
    video_text = next(body for _, body in texts if "Autoempleo" in body)
    assert "por videollamada" in video_text and f"/citas/{by_video.pk}/" in video_text
    channels = sorted(r.details["channels"] for r in AuditRecord.objects.filter(
        event=AuditEvent.APPOINTMENT_REMINDER_SENT))
    assert channels == [["email"], ["email", "sms"], ["email", "sms"]]
    assert len(mailbox.wait_for("sinmovil@example.org")) == 1


@pytest.mark.django_db
def test_without_a_gateway_no_sms_and_a_refusing_gateway_is_audited(mailbox, settings, office, caplog,
                                                                    django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = ""
    tech = make_technician(office=office)
    appointment = _appointment(make_citizen(), tech, make_service(), timezone.now() + timedelta(hours=3))
    with caplog.at_level("INFO", logger="oficina.accounts.sms"), django_capture_on_commit_callbacks(execute=True):
        services.appointment_reminders_send()
    assert not [r for r in caplog.records if r.name == "oficina.accounts.sms"]
    assert AuditRecord.objects.get(event=AuditEvent.APPOINTMENT_REMINDER_SENT).details["channels"] == ["email"]
    assert services.appointment_sms_deliver(appointment_id=appointment.pk) is False

    settings.SMS_BACKEND = "oficina.appointments.tests.test_reminders.RefusingSmsBackend"
    assert services.appointment_sms_deliver(appointment_id=appointment.pk) is False
    failure = AuditRecord.objects.get(event=AuditEvent.APPOINTMENT_REMINDER_SENT, result="failure")
    assert failure.details == {"channel": "sms", "error": "SmsDeliveryError"}
