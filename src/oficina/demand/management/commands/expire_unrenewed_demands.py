"""Cron-able (daily): `manage.py expire_unrenewed_demands`. Idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from oficina.demand.tasks import expire_unrenewed_demands


class Command(BaseCommand):
    help = (expire_unrenewed_demands.func.__doc__ or "").strip()

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Put the task on the queue for the worker instead of running it now.")

    def handle(self, *args, enqueue: bool = False, **options):
        if enqueue:
            result = expire_unrenewed_demands.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        count = expire_unrenewed_demands.call()
        self.stdout.write(f"{count} demand(s)")
