"""The citizen's work-situation pages: report a job's start or end, suspend for another cause, reactivate,
voluntary baja, change category, update the profile; the demand's timeline and each change's result.

Every URL works on the signed-in citizen's own demand (`selectors.demand_for_citizen`); events are looked
up inside it, so nobody can name someone else's. Each page is offered only when the state machine allows
its action (offers.py); a refused action (a stale page, a crafted POST) gets the service's Spanish reason.
Each success redirects to the change's page: new state, registry number with its receipt, DARDE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from oficina.accounts.permissions import citizen_required
from oficina.core.calendar import to_madrid
from oficina.core.downloads import attachment_response
from oficina.core.exceptions import ApplicationError
from oficina.demand import services
from oficina.demand.constants import ContractType, DemandAction, DemandState, SuspensionCause
from oficina.demand.models import Demand, DemandEvent
from oficina.demand.selectors import demand_for_citizen, demand_history
from oficina.demand.situation_forms import (
    CategoryForm,
    ProfileForm,
    SuspendForm,
    VoluntaryBajaForm,
    WorkEndForm,
    WorkStartForm,
    add_service_error,
)
from oficina.demand.state_machine import SHORT_CONTRACT_MAX_DAYS, TransitionRefused, transition, work_start_outcome
from oficina.demand.timeline import timeline_rows


def _posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to (even empty: an empty POST is a submission), None on GET."""
    return request.POST if request.method == "POST" else None


def _today() -> date:
    return to_madrid(timezone.now()).date()


def _refusal(demand: Demand | None, actions: Iterable[DemandAction]) -> str:
    """'' if one of `actions` is allowed in the demand's state, else the state machine's reason."""
    message = ""
    for action in actions:
        try:
            transition(demand.state if demand is not None else None, action)
        except TransitionRefused as refused:
            message = message or refused.message
        else:
            return ""
    return message


def _refused(request: HttpRequest, demand: Demand | None, title: str, message: str) -> HttpResponse:
    return render(request, "demand/situation/refused.html", {"demand": demand, "title": title, "message": message},
                  status=400 if request.method == "POST" else 200)


def _done(demand: Demand) -> HttpResponse:
    latest = demand_history(demand).order_by("-at", "-id").first()
    assert latest is not None  # the service just wrote it
    return redirect("demand:change_done", event_id=latest.pk)


def _act(request: HttpRequest, form: forms.Form, call: Callable[[], Demand], *, template: str,
         context: dict[str, Any], default_field: str | None = None) -> HttpResponse:
    """Call the service; on success go to the change's page, on a refusal show the form again with the
    reason next to its field (or above the form), everything typed kept."""
    try:
        demand = call()
    except ApplicationError as error:
        add_service_error(form, error, default_field=default_field)
        return render(request, template, {**context, "form": form}, status=400)
    return _done(demand)


def _own_demand(request: HttpRequest) -> Demand | None:
    return demand_for_citizen(request.user)


# --- Work start ----------------------------------------------------------------------------------


def _work_start_effect(cleaned: dict[str, Any]) -> DemandAction:
    return work_start_outcome(contract_type=cleaned["contract_type"], start_date=cleaned["start_date"],
                              end_date=cleaned.get("end_date"))


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def work_start(request: HttpRequest) -> HttpResponse:
    """Two steps: the data, then what will happen (suspension or baja) with a confirm button."""
    demand = _own_demand(request)
    title = _("He empezado a trabajar")
    refusal = _refusal(demand, [DemandAction.WORK_START_SUSPENSION, DemandAction.WORK_START_BAJA])
    if refusal:
        return _refused(request, demand, title, refusal)
    assert demand is not None
    template = "demand/situation/work_start.html"
    form = WorkStartForm(_posted(request), demand=demand, today=_today())
    context = {"demand": demand, "form": form, "short_days": SHORT_CONTRACT_MAX_DAYS}
    if request.method == "GET":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        effect = _work_start_effect(form.cleaned_data)
    except TransitionRefused as error:
        add_service_error(form, error)
        return render(request, template, context, status=400)
    if request.POST.get("confirm") != "1" or "edit" in request.POST:
        return render(request, template, {
            **context, "step": "form" if "edit" in request.POST else "confirm",
            "suspends": effect == DemandAction.WORK_START_SUSPENSION,
            "contract_label": ContractType(form.cleaned_data["contract_type"]).label,
            "new_state": transition(demand.state, effect).label,
        })
    data = form.cleaned_data
    return _act(request, form, lambda: services.demand_report_work_start(
        demand=demand, start_date=data["start_date"], contract_type=data["contract_type"],
        end_date=data.get("end_date"), actor=request.user), template=template, context=context)


# --- Work end, suspension, reactivation ---------------------------------------------------------------


def _work_start_date(demand: Demand) -> date | None:
    """The start date of the job that suspended the demand (from its history)."""
    event = demand_history(demand).filter(kind=DemandAction.WORK_START_SUSPENSION).order_by("-at", "-id").first()
    try:
        return date.fromisoformat(event.details.get("start_date", "")) if event else None
    except ValueError:
        return None


def _suspension_refusal(demand: Demand | None, action: DemandAction) -> str:
    refusal = _refusal(demand, [action])
    if refusal or demand is None:
        return refusal
    by_work = demand.suspension_cause == SuspensionCause.WORK
    if action == DemandAction.WORK_END and not by_work:
        return str(_("Su demanda está suspendida por otra causa: comunique el fin de esa causa."))
    if action == DemandAction.RESUME and by_work:
        return str(_("Su demanda está suspendida por trabajo: comunique el fin del trabajo."))
    return ""


def _simple_change(request: HttpRequest, *, action: DemandAction, template: str,
                   make_form: Callable[[Demand], forms.Form], call: Callable[[Demand, dict[str, Any]], Demand],
                   refusal: Callable[[Demand | None], str] | None = None,
                   extra: Callable[[Demand], dict[str, Any]] | None = None,
                   default_field: str | None = None) -> HttpResponse:
    """A one-form change: offered only when allowed, the form on GET, the service on a valid POST."""
    demand = _own_demand(request)
    reason = refusal(demand) if refusal else _refusal(demand, [action])
    if reason:
        return _refused(request, demand, action.label, reason)
    assert demand is not None
    form = make_form(demand)
    context = {"demand": demand, "form": form, **(extra(demand) if extra else {})}
    if request.method == "GET":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    return _act(request, form, lambda: call(demand, form.cleaned_data), template=template, context=context,
                default_field=default_field)


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def work_end(request: HttpRequest) -> HttpResponse:
    return _simple_change(
        request, action=DemandAction.WORK_END, template="demand/situation/work_end.html",
        refusal=lambda demand: _suspension_refusal(demand, DemandAction.WORK_END),
        make_form=lambda demand: WorkEndForm(_posted(request), earliest=_work_start_date(demand), today=_today()),
        extra=lambda demand: {"earliest": _work_start_date(demand)},
        call=lambda demand, data: services.demand_report_work_end(demand=demand, end_date=data["end_date"],
                                                                  actor=request.user))


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def suspend(request: HttpRequest) -> HttpResponse:
    return _simple_change(
        request, action=DemandAction.SUSPEND, template="demand/situation/suspend.html",
        make_form=lambda demand: SuspendForm(_posted(request)),
        call=lambda demand, data: services.demand_suspend(demand=demand, cause=data["cause"], actor=request.user))


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def resume(request: HttpRequest) -> HttpResponse:
    return _simple_change(
        request, action=DemandAction.RESUME, template="demand/situation/resume.html",
        refusal=lambda demand: _suspension_refusal(demand, DemandAction.RESUME),
        make_form=lambda demand: forms.Form(_posted(request)),
        extra=lambda demand: {"cause": SuspensionCause(demand.suspension_cause).label
                              if demand.suspension_cause else ""},
        call=lambda demand, data: services.demand_resume(demand=demand, actor=request.user))


# --- Voluntary baja, category ------------------------------------------------------------------------


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def voluntary_baja(request: HttpRequest) -> HttpResponse:
    return _simple_change(
        request, action=DemandAction.VOLUNTARY_BAJA, template="demand/situation/voluntary_baja.html",
        make_form=lambda demand: VoluntaryBajaForm(_posted(request)),
        call=lambda demand, data: services.demand_voluntary_baja(demand=demand, reason=data["reason"],
                                                                 actor=request.user))


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def change_category(request: HttpRequest) -> HttpResponse:
    return _simple_change(
        request, action=DemandAction.CHANGE_CATEGORY, template="demand/situation/category.html",
        make_form=lambda demand: CategoryForm(_posted(request), current=demand.category),
        call=lambda demand, data: services.demand_change_category(demand=demand, category=data["category"],
                                                                  actor=request.user),
        default_field="category")


# --- Profile -------------------------------------------------------------------------------------


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """Occupations, education and availability. «Buscar» (no JavaScript needed) shows the form again with
    the CNO-11 matches as more checkboxes; «Guardar cambios» saves."""
    demand = _own_demand(request)
    refusal = _refusal(demand, [DemandAction.UPDATE_PROFILE])
    if refusal:
        return _refused(request, demand, DemandAction.UPDATE_PROFILE.label, refusal)
    assert demand is not None
    template = "demand/situation/profile.html"
    current = services.DemandProfile.of(demand)
    initial = {"education_level": current.education_level, "working_time": current.working_time,
               "shifts": list(current.shifts), "travel_distance_km": current.travel_distance_km}
    form = ProfileForm(_posted(request), initial=initial, current_codes=list(current.occupation_codes))
    context = {"demand": demand, "form": form}
    if request.method == "GET" or request.POST.get("action") == "search":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    new_profile = replace(current, occupation_codes=data["occupations"], education_level=data["education_level"],
                          working_time=data["working_time"], shifts=data["shifts"],
                          travel_distance_km=data["travel_distance_km"])
    return _act(request, form, lambda: services.demand_update_profile(
        demand=demand, profile=new_profile, actor=request.user), template=template, context=context,
        default_field=None)


# --- Timeline, a change's page, its DARDE -------------------------------------------------------------


def _own_event(request: HttpRequest, event_id: int) -> tuple[Demand, DemandEvent]:
    demand = _own_demand(request)
    if demand is None:
        raise Http404
    event = demand_history(demand).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return demand, event


@citizen_required
@never_cache
@require_GET
def timeline(request: HttpRequest) -> HttpResponse:
    demand = _own_demand(request)
    rows = (timeline_rows(demand_history(demand), citizen_id=demand.citizen_id, viewer_is_citizen=True)
            if demand is not None else [])
    return render(request, "demand/situation/timeline.html", {"demand": demand, "rows": rows})


@citizen_required
@never_cache
@require_GET
def change_done(request: HttpRequest, event_id: int) -> HttpResponse:
    demand, event = _own_event(request, event_id)
    row = timeline_rows([event], citizen_id=demand.citizen_id, viewer_is_citizen=True)[0]
    return render(request, "demand/situation/done.html", {
        "demand": demand, "event": event, "row": row,
        "is_latest": demand_history(demand).order_by("-at", "-id").values_list("pk", flat=True).first() == event.pk,
        "in_alta": demand.state == DemandState.ALTA,
    })


@citizen_required
@require_GET
def event_darde(request: HttpRequest, event_id: int) -> HttpResponse:
    demand, event = _own_event(request, event_id)
    if event.darde is None:
        raise Http404
    return sealed_pdf(request, event.darde, filename=f"DARDE-{demand.number}-{event.at:%Y%m%d}.pdf")


def sealed_pdf(request: HttpRequest, document: Any, *, filename: str) -> FileResponse:
    return attachment_response(request, document.file, filename=filename)
