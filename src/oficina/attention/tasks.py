"""Scheduled work of live attention (django-tasks). Run by cron through `manage.py expire_unanswered_calls`
(e.g. every 15 seconds from a loop, or every minute), or enqueue `expire_tickets` from a scheduler. The
same checks also run lazily whenever a waiting room or a console is read."""

from __future__ import annotations

from django_tasks import task

from oficina.attention import services


@task(queue_name="default", priority=20)
def expire_tickets() -> list[int]:
    """Unanswered calls past ATTENTION_ANSWER_SECONDS → missed (then removed); waiting tickets whose page
    has been gone longer than ATTENTION_GRACE_SECONDS → left. Idempotent. Returns [missed, abandoned]."""
    missed, abandoned = services.tickets_expire()
    return [missed, abandoned]
