"""Scheduled work of the appointments app (django-tasks). Run by cron through
`manage.py send_appointment_reminders`, or enqueue `send_appointment_reminders` from a scheduler."""

from __future__ import annotations

from django_tasks import task

from oficina.appointments import services


@task(queue_name="default", priority=5)
def send_appointment_reminders() -> int:
    """Remind every appointment starting within APPOINTMENT_REMINDER_HOURS not yet reminded (idempotent)."""
    return services.appointment_reminders_send()


@task(queue_name="default", priority=10)
def send_appointment_mail(*, appointment_id: int, kind: str) -> None:
    """The mail of a booking, change, cancellation or reminder, with its .ics, built here (not in the
    request that caused it)."""
    services.appointment_mail_deliver(appointment_id=appointment_id, kind=kind)


@task(queue_name="default", priority=10)
def send_appointment_sms(*, appointment_id: int) -> bool:
    """The reminder SMS of an appointment, through the configured gateway (accounts.sms)."""
    return services.appointment_sms_deliver(appointment_id=appointment_id)
