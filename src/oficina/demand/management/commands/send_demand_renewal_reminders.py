"""Cron-able (daily): `manage.py send_demand_renewal_reminders`. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from oficina.demand.tasks import send_demand_renewal_reminders


class Command(BaseCommand):
    help = (send_demand_renewal_reminders.func.__doc__ or "").strip()

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Put the task on the queue for the worker instead of running it now.")

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = send_demand_renewal_reminders.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        count = send_demand_renewal_reminders.call()
        self.stdout.write(f"{count} demand(s)")
