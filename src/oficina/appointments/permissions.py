"""Who may see and change appointments: pure predicates."""

from __future__ import annotations

from typing import Any

from oficina.accounts.models import Role
from oficina.accounts.permissions import can_view_staff_area, is_citizen


def can_view_appointment(user: Any, appointment: Any) -> bool:
    """The citizen it belongs to; its technician; staff of the technician's office; supervisors of its
    province; administrators."""
    if is_citizen(user):
        return appointment.citizen_id == user.pk
    if not can_view_staff_area(user):
        return False
    if user.role == Role.ADMINISTRATOR or appointment.technician_id == user.pk:
        return True
    office = appointment.technician.office
    if office is None:
        return False
    if user.office_id is not None and user.office_id == office.pk:
        return True
    return user.role == Role.SUPERVISOR and user.supervised_province_id == office.province_id


def can_change_appointment_as_citizen(user: Any, appointment: Any) -> bool:
    return is_citizen(user) and appointment.citizen_id == user.pk


def can_record_outcome(user: Any, appointment: Any) -> bool:
    """Mark attended / no-show: its technician, or a supervisor or administrator who can see it."""
    if not can_view_staff_area(user):
        return False
    if appointment.technician_id == user.pk:
        return True
    return user.role in {Role.SUPERVISOR, Role.ADMINISTRATOR} and can_view_appointment(user, appointment)


def can_book_for_citizens(user: Any) -> bool:
    return can_view_staff_area(user, roles=[Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR])


def can_view_office_agenda(user: Any) -> bool:
    return can_view_staff_area(user, roles=[Role.SUPERVISOR, Role.ADMINISTRATOR])
