"""Scheduled work: baja por no renovación after the window, and one reminder before the renewal date,
both by task/command, with real SMTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.demand import services
from oficina.demand.models import Demand
from oficina.demand.renewal import renewal_window
from oficina.demand.tasks import expire_unrenewed_demands

from .conftest import make_citizen, profile

pytestmark = pytest.mark.django_db


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_unrenewed_demand_passes_to_baja_once_with_email(citizen, mailbox, django_capture_on_commit_callbacks):
    demand = services.demand_register(citizen=citizen, profile=profile())
    _first, last = renewal_window(demand)
    other = services.demand_register(citizen=make_citizen(document_number="00000000T", email="b@example.org"),
                                     profile=profile())
    assert services.demand_expire_unrenewed(today=last) == 0  # the last day of the window still counts

    with django_capture_on_commit_callbacks(execute=True):
        assert services.demand_expire_unrenewed(today=last + timedelta(days=1)) == 2
    demand.refresh_from_db()
    assert (demand.state, demand.baja_reason, demand.next_renewal_date) == ("baja", "no_renewal", None)
    event = demand.events.last()
    assert (event.kind, event.from_state, event.to_state, event.actor) == ("baja_no_renewal", "alta", "baja", None)
    assert AuditRecord.objects.filter(event=AuditEvent.DEMAND_EXPIRED, target_id=str(demand.pk)).count() == 1
    message = mailbox.wait_for("maria@example.org")[0]
    assert "baja" in message["Subject"] and demand.number in body(message)
    assert last.strftime("%d/%m/%Y") in body(message)
    assert Demand.objects.get(pk=other.pk).state == "baja"

    assert services.demand_expire_unrenewed(today=last + timedelta(days=2)) == 0  # idempotent


def test_command_and_task_run_it(citizen, capsys):
    services.demand_register(citizen=citizen, profile=profile())
    call_command("expire_unrenewed_demands")
    assert "0 demand(s)" in capsys.readouterr().out
    assert expire_unrenewed_demands.call() == 0


def test_reminder_goes_once_before_the_renewal_date(citizen, mailbox, settings, django_capture_on_commit_callbacks):
    settings.DEMAND_RENEWAL_REMINDER_DAYS = 3
    demand = services.demand_register(citizen=citizen, profile=profile())
    due = demand.next_renewal_date
    assert services.demand_renewal_reminders_send(today=due - timedelta(days=4)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.demand_renewal_reminders_send(today=due - timedelta(days=3)) == 1
    message = mailbox.wait_for("maria@example.org")[0]
    assert due.strftime("%d/%m/%Y") in message["Subject"]
    assert renewal_window(demand)[0].strftime("%d/%m/%Y") in body(message)
    assert services.demand_renewal_reminders_send(today=due - timedelta(days=2)) == 0  # once
    assert AuditRecord.objects.filter(event=AuditEvent.DEMAND_RENEWAL_REMINDER_SENT).count() == 1
    call_command("send_demand_renewal_reminders")


def test_after_renewal_the_next_date_gets_its_own_reminder(citizen, settings):
    demand = services.demand_register(citizen=citizen, profile=profile())
    due = demand.next_renewal_date
    assert services.demand_renewal_reminders_send(today=due - timedelta(days=1)) == 1
    renewed = services.demand_renew(demand=demand, actor=citizen, today=due)
    assert services.demand_renewal_reminders_send(
        today=renewed.next_renewal_date - timedelta(days=1)) == 1
