"""Cron-able: `manage.py expire_unanswered_calls` (every minute, or `--loop 15` as a small daemon).

Calls unanswered for ATTENTION_ANSWER_SECONDS count as missed (first time back to the queue, second time
out); waiting tickets whose page has been gone for ATTENTION_GRACE_SECONDS are removed. Idempotent."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from oficina.attention.tasks import expire_tickets


class Command(BaseCommand):
    help = "Expire unanswered calls and abandoned waiting-room tickets."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Put the task on the queue for the worker instead of running it now.")
        parser.add_argument("--loop", type=float, default=0,
                            help="Run again every N seconds until interrupted (0: once).")

    def handle(self, *args, enqueue: bool = False, loop: float = 0, **options):
        if enqueue:
            result = expire_tickets.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        while True:
            missed, abandoned = expire_tickets.call()
            self.stdout.write(f"{missed} call(s) missed, {abandoned} ticket(s) abandoned")
            if not loop:
                return
            time.sleep(loop)
