"""Who may see and add to a citizen's personal file.

`can_view_citizen_file` is THE rule for staff access to a file; selectors, views and the upload service
all go through it. Its one query (through `appointments.selectors`) asks whether the technician attends
the citizen by appointment or is attending them live; extend it here, and only here.
"""

from __future__ import annotations

from typing import Any

from oficina.accounts.permissions import (
    is_administrator,
    is_citizen,
    is_staff_member,
    is_supervisor,
    is_technician,
)
from oficina.appointments.selectors import technician_attends_citizen


def _same_citizen(user: Any, citizen: Any) -> bool:
    return is_citizen(user) and citizen is not None and user.pk == citizen.pk


def _attending_live(*, technician: Any, citizen: Any) -> bool:
    from oficina.attention.selectors import technician_in_session_with  # attention builds on casefile

    return technician_in_session_with(technician=technician, citizen=citizen)


def can_view_citizen_file(user: Any, citizen: Any) -> bool:
    """The citizen themself; a technician of the citizen's office, a supervisor of that office or of its
    province, any administrator. (Roles only: that a staff session passed its TOTP check is the views'
    decorators' business, `staff_required` / `complete_session_required`, so services can use this too.)

    A technician also sees the file of a citizen they have an appointment with (any office, video
    included), from booking until APPOINTMENT_FILE_ACCESS_DAYS after it, and the file of a citizen they
    are attending live (a session of the waiting room, until it ends).
    """
    if citizen is None or not is_citizen(citizen):
        return False
    if _same_citizen(user, citizen):
        return True
    if not is_staff_member(user):
        return False
    if is_administrator(user):
        return True
    office = citizen.office
    if is_technician(user):
        if office is not None and user.office_id is not None and user.office_id == office.pk:
            return True
        return (technician_attends_citizen(technician=user, citizen=citizen)
                or _attending_live(technician=user, citizen=citizen))
    if office is None:
        return False
    if is_supervisor(user):
        if user.office_id is not None and user.office_id == office.pk:
            return True
        return user.supervised_province_id is not None and user.supervised_province_id == office.province_id
    return False


def can_upload_to_citizen_file(user: Any, citizen: Any) -> bool:
    """Whoever may see the file may add documents to it: the citizen (origin citizen) or staff (origin
    administration)."""
    return can_view_citizen_file(user, citizen)


def is_staff_access(user: Any, citizen: Any) -> bool:
    """An access to the file by someone other than its citizen: it must be recorded in the audit log."""
    return not _same_citizen(user, citizen)
