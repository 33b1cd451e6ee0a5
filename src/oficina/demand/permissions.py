"""Who may act on a demand: pure predicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oficina.accounts.models import Role

if TYPE_CHECKING:
    from oficina.accounts.models import User
    from oficina.demand.models import Demand


def can_attend_demand(user: User, demand: Demand) -> bool:
    """Staff who may see, correct, register or renew it: a technician of its office, a supervisor of its
    office or province, an administrator."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    if user.role == Role.TECHNICIAN:
        return user.office_id is not None and user.office_id == demand.office_id
    if user.role == Role.SUPERVISOR:
        return (user.office_id is not None and user.office_id == demand.office_id) or (
            user.supervised_province_id is not None and user.supervised_province_id == demand.office.province_id)
    return False


def can_act_on_demand(user: User, demand: Demand) -> bool:
    """The citizen themselves, or staff who attend the demand."""
    if getattr(user, "is_authenticated", False) and user.pk == demand.citizen_id:
        return True
    return can_attend_demand(user, demand)
