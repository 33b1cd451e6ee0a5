"""Outgoing mail goes through the task queue, so a slow mail server never holds a citizen's request.

With the database task backend the task row is written in the caller's transaction: the mail leaves
only if the change that caused it commits, and a worker restart does not lose it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task


@task(queue_name="default", priority=10)
def deliver_email(*, to: list[str], subject: str, body: str, reply_to: list[str] | None = None) -> None:
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to,
                           reply_to=reply_to or None)
    message.send(fail_silently=False)


def queue_email(*, to: str | list[str], subject: str, body: str) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    deliver_email.enqueue(to=recipients, subject=subject, body=body)


# --- Mail with attachments (appointments: .ics calendar files) -----------------------------------------


@task(queue_name="default", priority=10)
def deliver_email_with_attachments(
    *, to: list[str], subject: str, body: str, attachments: list[list[str]]
) -> None:
    """`attachments`: [filename, text content, MIME type] each (task arguments must be JSON)."""
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


def queue_email_with_attachments(
    *, to: str | list[str], subject: str, body: str, attachments: list[tuple[str, str, str]]
) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    deliver_email_with_attachments.enqueue(
        to=recipients, subject=subject, body=body, attachments=[list(item) for item in attachments]
    )
