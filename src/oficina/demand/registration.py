"""The guided registration (alta como demandante de empleo): its steps, the server-side draft that keeps
each step as soon as it is saved, and the submission that turns the draft into a demand.

A draft (`RegistrationDraft`, one per citizen) holds, per step key, the values that passed the step's
form as JSON (dates as ISO text, the office as its id), and the list of steps completed. The citizen
resumes at `current_step`: the first step not completed yet. Submitting builds a `DemandProfile` from the
draft and calls `services.demand_register`, which checks everything again, writes the demand, its
registry entry and the sealed DARDE; the draft is deleted in the same transaction.

Every function works on the citizen it is given (the signed-in user): nobody can name another's draft.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oficina.core.audit import AuditEvent, audit_record
from oficina.demand.constants import MAX_OCCUPATIONS, MIN_OCCUPATIONS, DemandCategory, DemandState
from oficina.demand.exceptions import DemandError
from oficina.demand.models import Demand, RegistrationDraft
from oficina.demand.services import DemandProfile, demand_register
from oficina.offices.models import Office

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from oficina.accounts.models import User

__all__ = [
    "REVIEW",
    "STEPS",
    "Step",
    "can_start_registration",
    "countries",
    "registration_draft_discard",
    "registration_draft_for",
    "registration_draft_save_step",
    "registration_occupations_set",
    "registration_profile",
    "registration_submit",
    "step_by_slug",
    "step_for_field",
]


@dataclass(frozen=True)
class Step:
    key: str  # in the draft's data and in code
    slug: str  # in the URL
    title: Promise


STEPS: tuple[Step, ...] = (
    Step("personal", "datos-personales", gettext_lazy("Sus datos personales")),
    Step("address", "domicilio", gettext_lazy("Su domicilio y su oficina")),
    Step("nationality", "nacionalidad", gettext_lazy("Nacionalidad y permiso de trabajo")),
    Step("education", "estudios", gettext_lazy("Sus estudios")),
    Step("occupations", "ocupaciones", gettext_lazy("Qué trabajo busca y su experiencia")),
    Step("availability", "disponibilidad", gettext_lazy("Su disponibilidad")),
)
REVIEW = Step("review", "revision", gettext_lazy("Revise sus datos y envíe la inscripción"))
ALL_STEPS = (*STEPS, REVIEW)

# Which step asks for each field DemandProfile / demand_register may name in a DemandError.
_FIELD_STEPS = {
    "address": "address", "municipality": "address", "postal_code": "address", "office": "address",
    "nationality": "nationality", "work_authorisation": "nationality", "work_authorisation_expires": "nationality",
    "education_level": "education",
    "occupations": "occupations", "experience": "occupations", "languages": "occupations",
    "driving_licences": "occupations",
    "category": "availability", "working_time": "availability", "shifts": "availability",
    "travel_distance_km": "availability", "disability_consent": "availability", "disability_degree": "availability",
}


def step_by_slug(slug: str) -> Step | None:
    return next((step for step in ALL_STEPS if step.slug == slug), None)


def step_by_key(key: str) -> Step:
    return next(step for step in ALL_STEPS if step.key == key)


def step_for_field(field_name: str | None) -> Step | None:
    key = _FIELD_STEPS.get(field_name or "")
    return step_by_key(key) if key else None


@functools.cache
def countries() -> tuple[tuple[str, str], ...]:
    """(ISO 3166-1 alpha-2, Spanish name), Spanish alphabetical order: data/countries_es.csv, made from
    Debian's iso-codes (iso_3166-1.json and its Spanish translation) with short common names."""
    path = Path(__file__).resolve().parent / "data" / "countries_es.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple((row["code"], row["name"]) for row in csv.DictReader(handle))


# --- Reads ---------------------------------------------------------------------------------------


def can_start_registration(user: User, demand: Demand | None) -> bool:
    """A citizen without a demand, or whose demand is in baja (a new registration of the same demand)."""
    return bool(getattr(user, "is_citizen", False)) and (demand is None or demand.state == DemandState.BAJA)


def registration_draft_for(citizen: User) -> RegistrationDraft | None:
    if not getattr(citizen, "is_authenticated", False):
        return None
    return RegistrationDraft.objects.filter(citizen=citizen).first()


def first_incomplete(completed: list[str]) -> Step:
    return next((step for step in STEPS if step.key not in completed), REVIEW)


# --- Writes --------------------------------------------------------------------------------------


def _check_may_register(citizen: User) -> None:
    demand = Demand.objects.filter(citizen=citizen).first()
    if not can_start_registration(citizen, demand):
        raise DemandError(_("Ya está inscrito/a como demandante de empleo: no puede empezar otra inscripción."),
                          "already_registered")


def _locked_draft(citizen: User) -> RegistrationDraft:
    draft, _created = RegistrationDraft.objects.select_for_update().get_or_create(
        citizen=citizen, defaults={"current_step": STEPS[0].key})
    return draft


def _store(draft: RegistrationDraft, *, citizen: User, step: Step, action: str) -> RegistrationDraft:
    draft.current_step = first_incomplete(draft.completed_steps).key
    draft.save()
    # What was done, never the values: the draft may hold disability data (a special category).
    audit_record(event=AuditEvent.DEMAND_REGISTRATION_DRAFT_SAVED, actor=citizen, target=draft,
                 details={"step": step.key, "action": action, "completed": list(draft.completed_steps)})
    return draft


@transaction.atomic
def registration_draft_save_step(*, citizen: User, step: Step, values: Mapping[str, Any]) -> RegistrationDraft:
    """Keep the checked `values` of `step` (JSON-ready) and mark the step completed."""
    _check_may_register(citizen)
    if step not in STEPS:
        raise DemandError(_("Ese paso no existe."), "unknown_step")
    draft = _locked_draft(citizen)
    data = dict(draft.data)
    data[step.key] = {**data.get(step.key, {}), **dict(values)}
    draft.data = data
    if step.key not in draft.completed_steps:
        draft.completed_steps = [s.key for s in STEPS if s.key in {*draft.completed_steps, step.key}]
    return _store(draft, citizen=citizen, step=step, action="save")


@transaction.atomic
def registration_occupations_set(*, citizen: User, codes: list[str], action: str) -> RegistrationDraft:
    """The occupations sought, changed one at a time from the search (add / remove). The step stays
    completed only while the list still has an acceptable length; the other values of the step are kept."""
    _check_may_register(citizen)
    step = step_by_key("occupations")
    draft = _locked_draft(citizen)
    data = dict(draft.data)
    data["occupations"] = {**data.get("occupations", {}), "occupation_codes": list(dict.fromkeys(codes))}
    draft.data = data
    if not MIN_OCCUPATIONS <= len(data["occupations"]["occupation_codes"]) <= MAX_OCCUPATIONS:
        draft.completed_steps = [key for key in draft.completed_steps if key != step.key]
    return _store(draft, citizen=citizen, step=step, action=action)


@transaction.atomic
def registration_draft_discard(*, citizen: User) -> None:
    draft = RegistrationDraft.objects.select_for_update().filter(citizen=citizen).first()
    if draft is None:
        return
    audit_record(event=AuditEvent.DEMAND_REGISTRATION_DRAFT_DISCARDED, actor=citizen, target=draft,
                 details={"completed": list(draft.completed_steps)})
    draft.delete()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def registration_profile(draft: RegistrationDraft) -> tuple[DemandProfile, str, Office | None]:
    """The profile, category and chosen office the draft describes (checked again by demand_register)."""
    data: dict[str, dict[str, Any]] = {key: dict(draft.data.get(key, {})) for key in (s.key for s in STEPS)}
    address, nationality, occupations, availability = (data["address"], data["nationality"], data["occupations"],
                                                       data["availability"])
    profile = DemandProfile(
        education_level=data["education"].get("education_level", ""),
        occupation_codes=tuple(occupations.get("occupation_codes", [])),
        nationality=nationality.get("nationality", ""),
        work_authorisation=nationality.get("work_authorisation", ""),
        work_authorisation_expires=_date(nationality.get("work_authorisation_expires")),
        address=address.get("address", ""),
        municipality=address.get("municipality", ""),
        postal_code=address.get("postal_code", ""),
        experience=tuple(occupations.get("experience", [])),
        languages=tuple(occupations.get("languages", [])),
        driving_licences=tuple(occupations.get("driving_licences", [])),
        working_time=availability.get("working_time", ""),
        shifts=tuple(availability.get("shifts", [])),
        travel_distance_km=availability.get("travel_distance_km", 30),
        disability_consent=bool(availability.get("disability_consent", False)),
        disability_degree=availability.get("disability_degree"),
    )
    office_id = address.get("office")
    office = Office.objects.filter(pk=office_id, is_active=True).first() if office_id else None
    return profile, availability.get("category", DemandCategory.UNEMPLOYED), office


@transaction.atomic
def registration_submit(*, citizen: User) -> Demand:
    """Register the demand the draft describes (demand_register: demand, registry entry, DARDE, audit) and
    delete the draft. A step not completed, or a value the service refuses, raises DemandError; its
    `field` names the input, so the page can show the message next to it on the right step."""
    _check_may_register(citizen)
    draft = RegistrationDraft.objects.select_for_update().filter(citizen=citizen).first()
    if draft is None:
        raise DemandError(_("No tiene ninguna inscripción en curso."), "no_draft")
    missing = first_incomplete(draft.completed_steps)
    if missing is not REVIEW:
        raise DemandError(_("Falta completar el paso «%(step)s».") % {"step": missing.title}, "incomplete")
    profile, category, office = registration_profile(draft)
    if draft.data.get("address", {}).get("office") and office is None:
        raise DemandError(_("La oficina elegida ya no atiende. Elija otra."), "invalid", field="office")
    demand = demand_register(citizen=citizen, profile=profile, category=category, office=office)
    draft.delete()
    return demand
