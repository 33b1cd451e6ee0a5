"""Errors of live attention: each a refusal the citizen or the technician is told about (in Spanish)."""

from __future__ import annotations

from oficina.core.exceptions import ApplicationError


class AttentionError(ApplicationError):
    code = "attention_error"


class WaitingRoomUnavailable(AttentionError):
    """Closed, nobody online or full: the page offers to book an appointment or leave a message."""

    code = "unavailable"


class AlreadyWaiting(AttentionError):
    code = "already_waiting"


class QueueEmpty(AttentionError):
    code = "queue_empty"


class NotAllowed(AttentionError):
    code = "forbidden"


class WrongState(AttentionError):
    code = "wrong_state"
