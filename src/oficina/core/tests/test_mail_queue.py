"""Mail is queued as a task and delivered by the real database worker through a real SMTP server."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from oficina.core.mail import queue_email


@pytest.mark.django_db(transaction=True)  # the worker closes database connections between tasks
def test_queued_mail_waits_for_the_worker_then_arrives(mailbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    queue_email(to="vecina@example.org", subject="Prueba", body="Su código es 123456")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert mailbox.to("vecina@example.org") == []

    call_command("db_worker", batch=True, no_startup_delay=True, reload=False, verbosity=0)

    message = mailbox.wait_for("vecina@example.org")[0]
    assert message["Subject"] == "Prueba"
    assert "123456" in mailbox.body(message)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
def test_in_tests_mail_is_delivered_at_once(mailbox):
    queue_email(to=["a@example.org"], subject="Hola", body="texto")
    assert mailbox.wait_for("a@example.org")[0]["Subject"] == "Hola"
