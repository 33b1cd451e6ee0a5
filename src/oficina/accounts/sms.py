"""Sending SMS: one small interface, the backend chosen by `settings.SMS_BACKEND` (a dotted path).

An empty `SMS_BACKEND` means SMS is not offered at all: codes go by email only. A real gateway (the
Junta's corporate SMS service, or a commercial one) is a class with a `send()` method like the ones
below; nothing else in the code has to change.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsDeliveryError(Exception):
    """The gateway refused or could not take the message."""


class SmsBackend(ABC):
    """Deliver one text message to one Spanish mobile number (stored as `+34` and nine digits)."""

    @abstractmethod
    def send(self, *, to: str, body: str) -> None:
        """Hand the message to the gateway, or raise `SmsDeliveryError`."""


class LogSmsBackend(SmsBackend):
    """For development only: writes the message (one-time code included) to the log instead of sending it.

    Never configure it in production: the log would then hold valid codes.
    """

    def send(self, *, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


def get_sms_backend() -> SmsBackend | None:
    """The configured backend, or None when SMS is not offered."""
    path = getattr(settings, "SMS_BACKEND", "")
    if not path:
        return None
    backend_class = import_string(path)
    return backend_class()


def sms_available() -> bool:
    return bool(getattr(settings, "SMS_BACKEND", ""))
