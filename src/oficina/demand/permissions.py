"""Who may act on a demand: pure predicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from oficina.accounts.models import Role
from oficina.demand.constants import DemandState

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


# --- Technicians' demand pages (situation / staff views) -------------------------------------------


def can_attend_citizen_demand(user: User, citizen: User, demand: Demand | None) -> bool:
    """Staff who may see a citizen's demand page and act on it in person (register, renew, correct): with a
    demand, those who attend it (its office); without one, staff of the citizen's office (or province, for a
    supervisor) and administrators. Only citizens have demands."""
    if getattr(citizen, "role", None) != Role.CITIZEN or not citizen.is_active:
        return False
    if demand is not None:
        return demand.citizen_id == citizen.pk and can_attend_demand(user, demand)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.ADMINISTRATOR:
        return True
    office = citizen.office
    if office is None:
        return False
    if user.role == Role.TECHNICIAN:
        return user.office_id is not None and user.office_id == office.pk
    if user.role == Role.SUPERVISOR:
        return (user.office_id is not None and user.office_id == office.pk) or (
            user.supervised_province_id is not None and user.supervised_province_id == office.province_id)
    return False


def can_register_demand_for(user: User, citizen: User, demand: Demand | None) -> bool:
    """Register in person: staff who attend the citizen, when there is no demand or it is in baja."""
    if demand is not None and demand.state != DemandState.BAJA:
        return False
    return can_attend_citizen_demand(user, citizen, demand)
