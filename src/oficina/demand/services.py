"""Writes of the job-seeker demand. Every change: the state machine decides, then (in one transaction)
the demand is written, a registry entry with its sealed receipt records what the citizen communicated
(not for system actions or technicians' corrections), a DemandEvent joins the history, and an audit record
is appended. Moving to *alta* (registration, renewal, reactivation) issues a new DARDE.

Public API: DemandProfile and the `demand_*` functions in __all__.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oficina.core.audit import AuditEvent, audit_record
from oficina.core.calendar import to_madrid
from oficina.core.mail import queue_email
from oficina.demand.constants import (
    DEMAND_NUMBER_PREFIX,
    FREE_MOVEMENT_COUNTRIES,
    MAX_OCCUPATIONS,
    MIN_OCCUPATIONS,
    BajaReason,
    ContractType,
    DemandAction,
    DemandCategory,
    DemandState,
    DrivingLicence,
    EducationLevel,
    LanguageLevel,
    Shift,
    SuspensionCause,
    WorkingTime,
)
from oficina.demand.darde import render_darde
from oficina.demand.exceptions import DemandError, RenewalRefused
from oficina.demand.models import Demand, DemandEvent, Occupation
from oficina.demand.permissions import can_act_on_demand, can_attend_demand
from oficina.demand.renewal import (
    can_renew,
    format_date,
    next_renewal_date,
    renewal_window,
)
from oficina.demand.state_machine import transition, work_start_outcome
from oficina.offices.selectors import business_calendar_for, office_for_postal_code
from oficina.registry.constants import EntryKind, SealedDocumentKind
from oficina.registry.models import RegistryEntry, SealedDocument
from oficina.registry.services import registry_entry_create, sealed_document_issue

if TYPE_CHECKING:
    from oficina.accounts.models import User
    from oficina.offices.models import Office

__all__ = [
    "DemandProfile",
    "demand_change_category",
    "demand_correct",
    "demand_expire_unrenewed",
    "demand_register",
    "demand_renew",
    "demand_renewal_reminders_send",
    "demand_report_work_end",
    "demand_report_work_start",
    "demand_resume",
    "demand_suspend",
    "demand_update_profile",
    "demand_voluntary_baja",
]

SYSTEM_ACTOR = "sistema"


@dataclass(frozen=True)
class DemandProfile:
    """What the citizen states about themselves. `languages`: [{"language": "inglés", "level": "B1"}];
    `experience`: [{"occupation": "5120", "months": 24, "employer": "..."}] (employer optional)."""

    education_level: str
    occupation_codes: Sequence[str]
    nationality: str = "ES"
    work_authorisation: str = ""
    work_authorisation_expires: date | None = None
    address: str = ""
    municipality: str = ""
    postal_code: str = ""
    experience: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    languages: Sequence[Mapping[str, str]] = field(default_factory=tuple)
    driving_licences: Sequence[str] = field(default_factory=tuple)
    working_time: str = WorkingTime.ANY
    shifts: Sequence[str] = field(default_factory=tuple)
    travel_distance_km: int = 30
    disability_consent: bool = False
    disability_degree: int | None = None

    @classmethod
    def of(cls, demand: Demand) -> DemandProfile:
        values = {f.name: getattr(demand, f.name) for f in fields(cls) if f.name != "occupation_codes"}
        return cls(occupation_codes=sorted(demand.occupations.values_list("code", flat=True)), **values)


PROFILE_FIELDS = tuple(f.name for f in fields(DemandProfile))


# --- Validation ----------------------------------------------------------------------------------


def _error(message: str, field_name: str) -> DemandError:
    return DemandError(message, "invalid", field=field_name)


def _clean_profile(profile: DemandProfile) -> tuple[dict[str, Any], list[Occupation]]:
    """Checked, normalised field values and the occupations, or DemandError naming the field."""
    if profile.education_level not in EducationLevel.values:
        raise _error(_("Indique su nivel de estudios."), "education_level")
    codes = list(dict.fromkeys(str(c).strip() for c in profile.occupation_codes))
    if not MIN_OCCUPATIONS <= len(codes) <= MAX_OCCUPATIONS:
        raise _error(_("Elija entre %(min)d y %(max)d ocupaciones.") % {"min": MIN_OCCUPATIONS,
                                                                       "max": MAX_OCCUPATIONS}, "occupations")
    occupations = list(Occupation.objects.filter(code__in=codes))
    if len(occupations) != len(codes):
        raise _error(_("Alguna de las ocupaciones elegidas no existe en la CNO-11."), "occupations")
    nationality = (profile.nationality or "").strip().upper()
    if len(nationality) != 2 or not nationality.isalpha():
        raise _error(_("Indique su nacionalidad."), "nationality")
    authorisation = (profile.work_authorisation or "").strip()
    if nationality not in FREE_MOVEMENT_COUNTRIES and not authorisation:
        raise _error(_("Si no tiene nacionalidad de un país de la Unión Europea, del Espacio Económico Europeo "
                       "o Suiza, indique su autorización de trabajo."), "work_authorisation")
    postal_code = (profile.postal_code or "").strip()
    if postal_code and (len(postal_code) != 5 or not postal_code.isdigit()):
        raise _error(_("El código postal tiene cinco cifras."), "postal_code")
    licences = list(dict.fromkeys(profile.driving_licences))
    if any(item not in DrivingLicence.values for item in licences):
        raise _error(_("Algún permiso de conducir no es válido."), "driving_licences")
    if profile.working_time not in WorkingTime.values:
        raise _error(_("Indique la jornada que busca."), "working_time")
    shifts = list(dict.fromkeys(profile.shifts))
    if any(item not in Shift.values for item in shifts):
        raise _error(_("Algún turno no es válido."), "shifts")
    if not isinstance(profile.travel_distance_km, int) or not 0 <= profile.travel_distance_km <= 1000:
        raise _error(_("Indique la distancia en kilómetros, de 0 a 1000."), "travel_distance_km")
    languages = []
    for item in profile.languages:
        language, level = str(item.get("language", "")).strip(), str(item.get("level", ""))
        if not language or level not in LanguageLevel.values:
            raise _error(_("Indique cada idioma con su nivel."), "languages")
        languages.append({"language": language[:50], "level": level})
    experience = []
    for item in profile.experience:
        code, months = str(item.get("occupation", "")).strip(), item.get("months")
        if not Occupation.objects.filter(code=code).exists() or not isinstance(months, int) or months < 1:
            raise _error(_("Indique cada experiencia con su ocupación y los meses trabajados."), "experience")
        experience.append({"occupation": code, "months": months, "employer": str(item.get("employer", ""))[:200]})
    degree = profile.disability_degree
    if degree is not None:
        if not profile.disability_consent:
            raise _error(_("Para registrar datos de discapacidad necesitamos su consentimiento expreso."),
                         "disability_consent")
        if not isinstance(degree, int) or not 0 < degree <= 100:
            raise _error(_("Indique el grado de discapacidad, de 1 a 100."), "disability_degree")
    values = {
        "education_level": profile.education_level, "nationality": nationality,
        "work_authorisation": authorisation[:100],
        "work_authorisation_expires": profile.work_authorisation_expires if authorisation else None,
        "address": (profile.address or "").strip()[:200], "municipality": (profile.municipality or "").strip()[:100],
        "postal_code": postal_code, "experience": experience, "languages": languages,
        "driving_licences": licences, "working_time": profile.working_time, "shifts": shifts,
        "travel_distance_km": profile.travel_distance_km, "disability_consent": bool(profile.disability_consent),
        "disability_degree": degree if profile.disability_consent else None,
    }
    return values, occupations


def _check_actor(actor: User, demand: Demand) -> None:
    if not can_act_on_demand(actor, demand):
        raise DemandError(_("No puede hacer cambios en esta demanda."), "forbidden")


def _locked(demand: Demand) -> Demand:
    """The demand re-read and locked until the transaction ends: changes happen one at a time."""
    locked = Demand.objects.select_for_update().select_related("office", "citizen").get(pk=demand.pk)
    return locked


def _today() -> date:
    return to_madrid(timezone.now()).date()


# --- Shared steps ------------------------------------------------------------------------------


def _register_entry(*, demand: Demand, actor: User | None, kind: str, subject: str,
                    details: Mapping[str, str]) -> RegistryEntry:
    recorded_by = actor if actor is not None and actor.pk != demand.citizen_id else None
    return registry_entry_create(
        submitter=demand.citizen, subject=subject, kind=kind, addressee_office=demand.office,
        recorded_by=recorded_by, details={_("Número de demanda"): demand.number, **details},
    )


def _issue_darde(demand: Demand) -> SealedDocument:
    darde = sealed_document_issue(
        kind=SealedDocumentKind.DARDE, title=f"DARDE {demand.number}", owner=demand.citizen,
        office=demand.office, build_pdf=lambda csv: render_darde(demand, csv),
    )
    demand.latest_darde = darde
    demand.save(update_fields=["latest_darde"])
    return darde


def _record(*, demand: Demand, action: str, from_state: str, actor: User | None, event: str,
            entry: RegistryEntry | None = None, darde: SealedDocument | None = None,
            details: Mapping[str, Any] | None = None) -> DemandEvent:
    at = timezone.now()
    details = json.loads(json.dumps(dict(details or {}), default=str))  # dates as ISO text
    history = DemandEvent.objects.create(
        demand=demand, kind=action, from_state=from_state or "", to_state=demand.state, at=at,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None, registry_entry=entry,
        darde=darde, details=dict(details or {}),
    )
    audit_record(
        event=event, actor=actor if actor is not None else SYSTEM_ACTOR, target=demand,
        details={"number": demand.number, "action": str(action), "from": from_state or "", "to": demand.state,
                 "registry_entry": entry.number if entry else "", "darde_csv": darde.csv if darde else "",
                 **dict(details or {})},
    )
    return history


def _set_state(demand: Demand, new_state: str, **values: Any) -> None:
    demand.state = new_state
    demand.state_changed_at = timezone.now()
    for name, value in values.items():
        setattr(demand, name, value)


def _start_period(demand: Demand, today: date) -> None:
    demand.next_renewal_date = next_renewal_date(today, business_calendar_for(demand.office))
    demand.renewal_reminder_sent_for = None


# --- Registration and renewal ----------------------------------------------------------------------


@transaction.atomic
def demand_register(
    *,
    citizen: User,
    profile: DemandProfile,
    category: str = DemandCategory.UNEMPLOYED,
    office: Office | None = None,
    recorded_by: User | None = None,
) -> Demand:
    """Register `citizen` as a job seeker (or again, after a baja): demand in *alta*, registry entry with
    receipt, DARDE. `office` defaults to the one serving the postal code (profile, then account), then the
    citizen's office. `recorded_by`: the technician registering a citizen attended in person."""
    if not citizen.is_citizen:
        raise DemandError(_("Solo una persona con cuenta de ciudadano/a puede inscribirse como demandante."),
                          "not_citizen")
    if category not in DemandCategory.values:
        raise _error(_("Indique su situación laboral."), "category")
    values, occupations = _clean_profile(profile)
    if office is None:
        office = (office_for_postal_code(values["postal_code"] or citizen.postal_code or "") or citizen.office)
    if office is None:
        raise _error(_("Indique un código postal de Castilla y León o elija una oficina."), "office")
    existing = Demand.objects.select_for_update().filter(citizen=citizen).first()
    from_state = existing.state if existing else ""
    new_state = transition(existing.state if existing else None, DemandAction.REGISTER)
    now = timezone.now()
    demand = existing or Demand(citizen=citizen, number=f"tmp-{uuid.uuid4().hex[:16]}")
    if recorded_by is not None and existing is not None and not can_attend_demand(recorded_by, existing):
        raise DemandError(_("No puede hacer cambios en esta demanda."), "forbidden")
    demand.office, demand.category, demand.registered_at, demand.last_renewed_at = office, category, now, None
    demand.suspension_cause, demand.baja_reason = "", ""
    _set_state(demand, new_state, **values)
    _start_period(demand, _today())
    demand.full_clean(exclude=["number", "occupations"])
    demand.save()
    if existing is None:
        demand.number = f"{DEMAND_NUMBER_PREFIX}-{to_madrid(now).year}-{demand.pk:07d}"
        demand.save(update_fields=["number"])
    if recorded_by is not None and not can_attend_demand(recorded_by, demand):
        raise DemandError(_("No puede inscribir demandantes de otra oficina."), "forbidden")
    demand.occupations.set(occupations)
    entry = _register_entry(
        demand=demand, actor=recorded_by or citizen, kind=EntryKind.DEMAND_REGISTRATION,
        subject=_("Inscripción como demandante de empleo"),
        details={_("Categoría"): demand.get_category_display(),
                 _("Próxima renovación"): format_date(demand.next_renewal_date)},
    )
    darde = _issue_darde(demand)
    _record(demand=demand, action=DemandAction.REGISTER, from_state=from_state, actor=recorded_by or citizen,
            event=AuditEvent.DEMAND_REGISTERED, entry=entry, darde=darde,
            details={"office": office.code, "category": category,
                     "next_renewal_date": demand.next_renewal_date.isoformat()})
    return demand


@transaction.atomic
def demand_renew(*, demand: Demand, actor: User, today: date | None = None) -> Demand:
    """Renew inside the window (renewal.can_renew): new period from today, registry entry, new DARDE."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    today = today or _today()
    check = can_renew(demand, today)
    if not check.allowed:
        raise RenewalRefused(check.message, "outside_window" if check.window else "not_renewable")
    previous = demand.next_renewal_date
    _set_state(demand, transition(demand.state, DemandAction.RENEW), last_renewed_at=timezone.now())
    _start_period(demand, today)
    demand.save()
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_RENEWAL,
                            subject=_("Renovación de la demanda de empleo"),
                            details={_("Próxima renovación"): format_date(demand.next_renewal_date)})
    darde = _issue_darde(demand)
    _record(demand=demand, action=DemandAction.RENEW, from_state=DemandState.ALTA, actor=actor,
            event=AuditEvent.DEMAND_RENEWED, entry=entry, darde=darde,
            details={"previous_renewal_date": previous.isoformat() if previous else "",
                     "next_renewal_date": demand.next_renewal_date.isoformat()})
    return demand


# --- Work situation ----------------------------------------------------------------------------------


@transaction.atomic
def demand_report_work_start(
    *, demand: Demand, start_date: date, contract_type: str, actor: User, end_date: date | None = None
) -> Demand:
    """A job started: suspension for a short temporary contract, baja otherwise (state_machine)."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    if contract_type not in ContractType.values:
        raise _error(_("Indique el tipo de contrato."), "contract_type")
    action = work_start_outcome(contract_type=contract_type, start_date=start_date, end_date=end_date)
    from_state = demand.state
    new_state = transition(demand.state, action)
    if action == DemandAction.WORK_START_SUSPENSION:
        _set_state(demand, new_state, suspension_cause=SuspensionCause.WORK, next_renewal_date=None)
    else:
        _set_state(demand, new_state, baja_reason=BajaReason.WORK, next_renewal_date=None)
    demand.save()
    details = {_("Fecha de inicio"): format_date(start_date),
               _("Tipo de contrato"): ContractType(contract_type).label}
    if end_date:
        details[_("Fecha prevista de fin")] = format_date(end_date)
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE,
                            subject=_("Comunicación de inicio de trabajo"), details=details)
    _record(demand=demand, action=action, from_state=from_state, actor=actor,
            event=AuditEvent.DEMAND_WORK_START_REPORTED, entry=entry,
            details={"start_date": start_date.isoformat(), "contract_type": contract_type,
                     "end_date": end_date.isoformat() if end_date else ""})
    return demand


def _reactivate(*, demand: Demand, action: str, actor: User, event: str, subject: str,
                details: Mapping[str, str], audit_details: Mapping[str, Any]) -> Demand:
    from_state = demand.state
    _set_state(demand, transition(demand.state, action), suspension_cause="")
    _start_period(demand, _today())
    demand.save()
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE, subject=subject,
                            details={**details, _("Próxima renovación"): format_date(demand.next_renewal_date)})
    darde = _issue_darde(demand)
    _record(demand=demand, action=action, from_state=from_state, actor=actor, event=event, entry=entry,
            darde=darde, details={**audit_details, "next_renewal_date": demand.next_renewal_date.isoformat()})
    return demand


@transaction.atomic
def demand_report_work_end(*, demand: Demand, end_date: date, actor: User) -> Demand:
    """The job that suspended the demand ended: back to *alta*, new period, new DARDE."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    transition(demand.state, DemandAction.WORK_END)
    if demand.suspension_cause != SuspensionCause.WORK:
        raise DemandError(_("Su demanda está suspendida por otra causa: comunique el fin de esa causa."),
                          "not_suspended_for_work")
    return _reactivate(demand=demand, action=DemandAction.WORK_END, actor=actor,
                       event=AuditEvent.DEMAND_WORK_END_REPORTED, subject=_("Comunicación de fin de trabajo"),
                       details={_("Fecha de fin"): format_date(end_date)},
                       audit_details={"end_date": end_date.isoformat()})


@transaction.atomic
def demand_suspend(*, demand: Demand, cause: str, actor: User) -> Demand:
    """Suspension for a cause other than work (illness, training, care...): no renewal while it lasts."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    if cause not in SuspensionCause.values or cause == SuspensionCause.WORK:
        raise _error(_("Indique la causa de la suspensión."), "cause")
    from_state = demand.state
    _set_state(demand, transition(demand.state, DemandAction.SUSPEND), suspension_cause=cause,
               next_renewal_date=None)
    demand.save()
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE,
                            subject=_("Solicitud de suspensión de la demanda"),
                            details={_("Causa"): SuspensionCause(cause).label})
    _record(demand=demand, action=DemandAction.SUSPEND, from_state=from_state, actor=actor,
            event=AuditEvent.DEMAND_SUSPENDED, entry=entry, details={"cause": cause})
    return demand


@transaction.atomic
def demand_resume(*, demand: Demand, actor: User) -> Demand:
    """The cause of a (non-work) suspension ended: back to *alta*, new period, new DARDE."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    transition(demand.state, DemandAction.RESUME)
    if demand.suspension_cause == SuspensionCause.WORK:
        raise DemandError(_("Su demanda está suspendida por trabajo: comunique el fin del trabajo."),
                          "suspended_for_work")
    cause = demand.suspension_cause
    return _reactivate(demand=demand, action=DemandAction.RESUME, actor=actor, event=AuditEvent.DEMAND_RESUMED,
                       subject=_("Solicitud de reactivación de la demanda"),
                       details={_("Causa que termina"): SuspensionCause(cause).label if cause else "—"},
                       audit_details={"cause": cause})


@transaction.atomic
def demand_voluntary_baja(*, demand: Demand, actor: User, reason: str = "") -> Demand:
    demand = _locked(demand)
    _check_actor(actor, demand)
    from_state = demand.state
    _set_state(demand, transition(demand.state, DemandAction.VOLUNTARY_BAJA), baja_reason=BajaReason.VOLUNTARY,
               suspension_cause="", next_renewal_date=None)
    demand.save()
    details = {_("Motivo"): reason.strip()[:300]} if reason.strip() else {}
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE,
                            subject=_("Solicitud de baja voluntaria en la demanda de empleo"), details=details)
    _record(demand=demand, action=DemandAction.VOLUNTARY_BAJA, from_state=from_state, actor=actor,
            event=AuditEvent.DEMAND_VOLUNTARY_BAJA, entry=entry, details={"reason": reason.strip()[:300]})
    return demand


@transaction.atomic
def demand_change_category(*, demand: Demand, category: str, actor: User) -> Demand:
    """E.g. unemployed -> employed looking for a better job (keeps *alta*)."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    if category not in DemandCategory.values:
        raise _error(_("Indique su situación laboral."), "category")
    if category == demand.category:
        raise _error(_("Su demanda ya tiene esa categoría."), "category")
    transition(demand.state, DemandAction.CHANGE_CATEGORY)
    before = demand.category
    demand.category = category
    demand.save(update_fields=["category"])
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE,
                            subject=_("Cambio de categoría de la demanda de empleo"),
                            details={_("Nueva categoría"): demand.get_category_display()})
    _record(demand=demand, action=DemandAction.CHANGE_CATEGORY, from_state=demand.state, actor=actor,
            event=AuditEvent.DEMAND_CATEGORY_CHANGED, entry=entry, details={"before": before, "after": category})
    return demand


# --- Profile -------------------------------------------------------------------------------------


def _profile_snapshot(demand: Demand) -> dict[str, Any]:
    snapshot = asdict(DemandProfile.of(demand))
    snapshot["occupation_codes"] = list(snapshot["occupation_codes"])
    return snapshot


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"before": before[k], "after": after[k]} for k in after if before.get(k) != after[k]}


def _apply_profile(demand: Demand, profile: DemandProfile) -> dict[str, dict[str, Any]]:
    before = _profile_snapshot(demand)
    values, occupations = _clean_profile(profile)
    for name, value in values.items():
        setattr(demand, name, value)
    demand.full_clean(exclude=["occupations"])
    demand.save()
    demand.occupations.set(occupations)
    return _diff(before, _profile_snapshot(demand))


@transaction.atomic
def demand_update_profile(*, demand: Demand, profile: DemandProfile, actor: User) -> Demand:
    """The citizen updates occupations, education, availability...: registry entry, history, audit."""
    demand = _locked(demand)
    _check_actor(actor, demand)
    transition(demand.state, DemandAction.UPDATE_PROFILE)
    changes = _apply_profile(demand, profile)
    if not changes:
        raise DemandError(_("No ha cambiado ningún dato."), "no_changes")
    entry = _register_entry(demand=demand, actor=actor, kind=EntryKind.DEMAND_CHANGE,
                            subject=_("Actualización de los datos de la demanda de empleo"),
                            details={_("Datos modificados"): ", ".join(sorted(changes))})
    _record(demand=demand, action=DemandAction.UPDATE_PROFILE, from_state=demand.state, actor=actor,
            event=AuditEvent.DEMAND_PROFILE_UPDATED, entry=entry, details={"changes": changes})
    return demand


CORRECTABLE_FIELDS = frozenset(PROFILE_FIELDS) | {"category", "next_renewal_date", "office"}


@transaction.atomic
def demand_correct(*, demand: Demand, changes: Mapping[str, Any], reason: str, technician: User) -> Demand:
    """A technician of the demand's office corrects data, with a reason: before/after in history and audit.
    `changes`: profile fields (DemandProfile names), `category`, `next_renewal_date`, `office` (an Office)."""
    demand = _locked(demand)
    if not can_attend_demand(technician, demand):
        raise DemandError(_("No puede corregir demandas de otra oficina."), "forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise _error(_("Indique el motivo de la corrección."), "reason")
    unknown = set(changes) - CORRECTABLE_FIELDS
    if unknown or not changes:
        raise _error(_("Indique qué datos corrige."), "changes")
    transition(demand.state, DemandAction.CORRECT)
    diff: dict[str, dict[str, Any]] = {}
    profile_changes = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
    if profile_changes:
        diff.update(_apply_profile(demand, replace(DemandProfile.of(demand), **profile_changes)))
    if "category" in changes:
        if changes["category"] not in DemandCategory.values:
            raise _error(_("Categoría no válida."), "category")
        if changes["category"] != demand.category:
            diff["category"] = {"before": demand.category, "after": changes["category"]}
            demand.category = changes["category"]
    if "next_renewal_date" in changes:
        new_date = changes["next_renewal_date"]
        if demand.state != DemandState.ALTA or not isinstance(new_date, date):
            raise _error(_("Solo una demanda en alta tiene fecha de renovación."), "next_renewal_date")
        if new_date != demand.next_renewal_date:
            diff["next_renewal_date"] = {"before": demand.next_renewal_date, "after": new_date}
            demand.next_renewal_date, demand.renewal_reminder_sent_for = new_date, None
    if "office" in changes and changes["office"].pk != demand.office_id:
        diff["office"] = {"before": demand.office.code, "after": changes["office"].code}
        demand.office = changes["office"]
    if not diff:
        raise DemandError(_("No ha cambiado ningún dato."), "no_changes")
    demand.save()
    _record(demand=demand, action=DemandAction.CORRECT, from_state=demand.state, actor=technician,
            event=AuditEvent.DEMAND_CORRECTED, details={"reason": reason[:500], "changes": diff})
    return demand


# --- Scheduled work ------------------------------------------------------------------------------------


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "") or settings.VERIFY_BASE_URL


def _send_expiry_mail(*, email: str, name: str, number: str, last_day: str) -> None:
    queue_email(to=email, subject=_("Su demanda de empleo ha pasado a baja por no renovarla"), body=_(
        "Hola, %(name)s:\n\nSu demanda de empleo %(number)s no se renovó en el plazo, que terminó el "
        "%(last)s, y ha pasado a baja por no renovación.\n\nPuede volver a inscribirse en la Oficina Virtual, "
        "a cualquier hora: %(url)s\n\n%(org)s") % {"name": name, "number": number, "last": last_day,
                                                 "url": _site_url(), "org": settings.ORGANISATION_NAME})


def _send_reminder_mail(*, email: str, name: str, number: str, renewal: str, first: str, last: str) -> None:
    queue_email(to=email, subject=_("Recuerde renovar su demanda de empleo el %(date)s") % {"date": renewal},
                body=_(
        "Hola, %(name)s:\n\nLe recordamos que debe renovar su demanda de empleo %(number)s. Su fecha de "
        "renovación es el %(date)s; puede renovarla desde el %(first)s hasta el %(last)s en la Oficina "
        "Virtual, a cualquier hora: %(url)s\n\nSi no la renueva, su demanda pasará a baja.\n\n%(org)s")
        % {"name": name, "number": number, "date": renewal, "first": first, "last": last, "url": _site_url(),
           "org": settings.ORGANISATION_NAME})


def demand_expire_unrenewed(*, today: date | None = None) -> int:
    """Every demand in *alta* whose renewal window ended before `today` passes to baja por no renovación:
    history, audit, email to the citizen after the commit. Idempotent (only *alta* demands are touched;
    rows locked, SKIP LOCKED on PostgreSQL). Returns how many."""
    today = today or _today()
    calendars: dict[int, Any] = {}
    expired = 0
    with transaction.atomic():
        candidates = (Demand.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("office", "citizen")
                      .filter(state=DemandState.ALTA, next_renewal_date__lt=today).order_by("next_renewal_date"))
        for demand in candidates:
            calendar = calendars.setdefault(demand.office_id, business_calendar_for(demand.office))
            _first, last = renewal_window(demand, calendar)
            if last >= today:
                continue
            due = demand.next_renewal_date
            _set_state(demand, transition(demand.state, DemandAction.BAJA_NO_RENEWAL),
                       baja_reason=BajaReason.NO_RENEWAL, next_renewal_date=None)
            demand.save()
            _record(demand=demand, action=DemandAction.BAJA_NO_RENEWAL, from_state=DemandState.ALTA, actor=None,
                    event=AuditEvent.DEMAND_EXPIRED,
                    details={"renewal_date": due.isoformat(), "window_last_day": last.isoformat()})
            citizen = demand.citizen
            if citizen.email:
                transaction.on_commit(partial(
                    _send_expiry_mail, email=citizen.email, name=citizen.first_name or citizen.get_full_name(),
                    number=demand.number, last_day=format_date(last)))
            expired += 1
    return expired


def demand_renewal_reminders_send(*, today: date | None = None) -> int:
    """Email once per renewal date to each demand in *alta* whose renewal date is within
    DEMAND_RENEWAL_REMINDER_DAYS days from `today` (and not past). Idempotent. Returns how many."""
    today = today or _today()
    from datetime import timedelta

    horizon = today + timedelta(days=settings.DEMAND_RENEWAL_REMINDER_DAYS)
    sent = 0
    with transaction.atomic():
        due = (Demand.objects.select_for_update(skip_locked=True, of=("self",))
               .select_related("office", "citizen")
               .filter(state=DemandState.ALTA, next_renewal_date__gte=today, next_renewal_date__lte=horizon)
               .order_by("next_renewal_date"))
        for demand in due:
            if demand.renewal_reminder_sent_for == demand.next_renewal_date:
                continue
            demand.renewal_reminder_sent_for = demand.next_renewal_date
            demand.save(update_fields=["renewal_reminder_sent_for"])
            audit_record(event=AuditEvent.DEMAND_RENEWAL_REMINDER_SENT, actor=SYSTEM_ACTOR, target=demand,
                         details={"renewal_date": demand.next_renewal_date.isoformat()})
            citizen = demand.citizen
            if citizen.email:
                first, last = renewal_window(demand)
                transaction.on_commit(partial(
                    _send_reminder_mail, email=citizen.email, name=citizen.first_name or citizen.get_full_name(),
                    number=demand.number, renewal=format_date(demand.next_renewal_date),
                    first=format_date(first), last=format_date(last)))
            sent += 1
    return sent
