"""Scheduled work of the demand app (django-tasks). Run daily by cron through `manage.py
expire_unrenewed_demands` and `manage.py send_demand_renewal_reminders`, or enqueue the tasks."""

from __future__ import annotations

from django_tasks import task

from oficina.demand import services


@task(queue_name="default", priority=5)
def expire_unrenewed_demands() -> int:
    """Demands in alta whose renewal window has ended pass to baja por no renovación (idempotent)."""
    return services.demand_expire_unrenewed()


@task(queue_name="default", priority=5)
def send_demand_renewal_reminders() -> int:
    """One reminder per renewal date, DEMAND_RENEWAL_REMINDER_DAYS days before (idempotent)."""
    return services.demand_renewal_reminders_send()
