"""Errors of the appointments app: each a refusal the citizen or the technician is told about."""

from __future__ import annotations

from typing import Any

from oficina.core.exceptions import ApplicationError


class AppointmentError(ApplicationError):
    code = "appointment_error"


class SlotTaken(AppointmentError):
    """Someone else booked the slot between the page and the click. Carries the next free slots."""

    code = "slot_taken"

    def __init__(self, message: str, *, next_slots: list[Any] | None = None) -> None:
        super().__init__(message)
        self.next_slots = next_slots or []


class SlotNotOffered(AppointmentError):
    code = "slot_not_offered"


class AlreadyHasAppointment(AppointmentError):
    code = "already_has_appointment"


class TooLateToChange(AppointmentError):
    code = "too_late_to_change"


class NotChangeable(AppointmentError):
    code = "not_changeable"
