"""Cron-able: `manage.py send_appointment_reminders` (e.g. every 15 minutes). Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from oficina.appointments.tasks import send_appointment_reminders


class Command(BaseCommand):
    help = "Queue reminder emails for appointments starting within APPOINTMENT_REMINDER_HOURS."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Put the task on the queue for the worker instead of running it now.")

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = send_appointment_reminders.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        sent = send_appointment_reminders.call()
        self.stdout.write(f"{sent} reminder(s) queued")
