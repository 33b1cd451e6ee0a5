"""Who may see and add to a citizen's personal file: pure predicates, no queries beyond the objects given.

`can_view_citizen_file` is THE rule for staff access to a file; selectors, views and the upload service
all go through it. Extend it here (and only here) when appointments and live sessions exist, e.g. to let
the technician who attends a citizen in a video session see that citizen's file for the session.
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


def _same_citizen(user: Any, citizen: Any) -> bool:
    return is_citizen(user) and citizen is not None and user.pk == citizen.pk


def can_view_citizen_file(user: Any, citizen: Any) -> bool:
    """The citizen themself; a technician of the citizen's office, a supervisor of that office or of its
    province, any administrator. (Roles only: that a staff session passed its TOTP check is the views'
    decorators' business, `staff_required` / `complete_session_required`, so services can use this too.)

    Today the link between staff and citizen is only the citizen's reference office (`citizen.office`);
    a citizen without one is visible to administrators only. Appointments and live sessions do not
    exist yet: when they do, this is the single place to grant access through them.
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
    if office is None:
        return False
    if is_technician(user):
        return user.office_id is not None and user.office_id == office.pk
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
