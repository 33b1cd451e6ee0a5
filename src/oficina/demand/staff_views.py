"""Technicians' demand pages (under /demanda/personal/): find a citizen by DNI/NIE, see their demand, its
timeline and file documents, correct data with a reason, renew for a citizen attended in person, register
a demand in person.

Every URL names the citizen and goes through `_citizen_and_demand` (404 for missing and forbidden alike:
`permissions.can_attend_citizen_demand`, the demand's office). Every page that shows a citizen's data or a
download of it writes an audit record (`casefile.services.citizen_file_access_record`, the same event as
the personal file: one place to ask who looked at a citizen's data); every change is the demand services'
(registry entry recorded by the technician, history, audit).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts.models import Role, User
from oficina.accounts.permissions import staff_required
from oficina.casefile.permissions import can_view_citizen_file
from oficina.casefile.selectors import casefile_documents
from oficina.casefile.services import citizen_file_access_record
from oficina.core.calendar import to_madrid
from oficina.core.exceptions import ApplicationError
from oficina.demand import services
from oficina.demand.models import Demand
from oficina.demand.permissions import can_attend_citizen_demand, can_register_demand_for
from oficina.demand.renewal import can_renew, format_date
from oficina.demand.selectors import demand_history
from oficina.demand.situation_forms import (
    CitizenSearchForm,
    StaffCorrectionForm,
    StaffRegisterForm,
    add_service_error,
)
from oficina.demand.situation_views import sealed_pdf
from oficina.demand.timeline import timeline_rows
from oficina.offices.models import Office


def _citizen_and_demand(request: HttpRequest, citizen_id: int) -> tuple[User, Demand | None]:
    citizen = User.objects.select_related("office").filter(pk=citizen_id, role=Role.CITIZEN).first()
    if citizen is None:
        raise Http404
    demand = (Demand.objects.select_related("office", "citizen", "latest_darde").prefetch_related("occupations")
              .filter(citizen=citizen).first())
    if not can_attend_citizen_demand(request.user, citizen, demand):
        raise Http404
    return citizen, demand


def _offices_for(user: User) -> QuerySet[Office]:
    """The offices a staff member may put a demand in (those whose demands they attend)."""
    offices = Office.objects.select_related("province").order_by("name")
    if user.role == Role.ADMINISTRATOR:
        return offices
    if user.role == Role.SUPERVISOR and user.supervised_province_id is not None:
        return offices.filter(province_id=user.supervised_province_id)
    return offices.filter(pk=user.office_id)


def _posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to (even empty: an empty POST is a submission), None on GET."""
    return request.POST if request.method == "POST" else None


def _today() -> date:
    return to_madrid(timezone.now()).date()


@staff_required
@never_cache
@require_GET
def find_citizen(request: HttpRequest) -> HttpResponse:
    """Find a citizen by DNI/NIE; a citizen this technician does not attend is "not found" like a missing one."""
    form = CitizenSearchForm(request.GET if "document_number" in request.GET else None)
    not_found = False
    if form.is_bound and form.is_valid():
        citizen = User.objects.select_related("office").filter(
            document_number=form.cleaned_data["document_number"], role=Role.CITIZEN).first()
        demand = Demand.objects.select_related("office").filter(citizen=citizen).first() if citizen else None
        if citizen is not None and can_attend_citizen_demand(request.user, citizen, demand):
            return redirect("demand:staff_citizen", citizen_id=citizen.pk)
        not_found = True
    return render(request, "demand/staff/find_citizen.html", {"form": form, "not_found": not_found})


def _render_citizen(request: HttpRequest, citizen: User, demand: Demand | None, *, status: int = 200,
                    **extra: Any) -> HttpResponse:
    rows = (timeline_rows(demand_history(demand), citizen_id=citizen.pk, viewer_is_citizen=False)
            if demand is not None else [])
    sees_file = can_view_citizen_file(request.user, citizen)
    context = {
        "citizen": citizen, "demand": demand, "rows": rows, "staff_citizen": citizen,
        "documents": list(casefile_documents(citizen=citizen)[:20]) if sees_file else [],
        "sees_file": sees_file,
        "renewal": can_renew(demand, _today()) if demand is not None else None,
        "can_register": can_register_demand_for(request.user, citizen, demand),
        **extra,
    }
    return render(request, "demand/staff/citizen.html", context, status=status)


@staff_required
@never_cache
@require_GET
def citizen_demand(request: HttpRequest, citizen_id: int) -> HttpResponse:
    citizen, demand = _citizen_and_demand(request, citizen_id)
    citizen_file_access_record(actor=request.user, citizen=citizen, what="demand", target=demand or citizen)
    return _render_citizen(request, citizen, demand)


@staff_required
@csrf_protect
@never_cache
@require_POST
def renew(request: HttpRequest, citizen_id: int) -> HttpResponse:
    """Renew for a citizen attended in person: the same window as online; the registry entry is recorded
    by the technician."""
    citizen, demand = _citizen_and_demand(request, citizen_id)
    if demand is None:
        raise Http404
    try:
        renewed = services.demand_renew(demand=demand, actor=request.user)
    except ApplicationError as error:
        return _render_citizen(request, citizen, demand, renew_error=error.message, status=400)
    messages.success(request, _("Demanda renovada. Próxima fecha de renovación: %(date)s.")
                     % {"date": format_date(renewed.next_renewal_date)})
    return redirect("demand:staff_citizen", citizen_id=citizen.pk)


@staff_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, citizen_id: int) -> HttpResponse:
    """Correct data with a mandatory reason: the fields come filled with the current values; those changed
    are the correction (`demand_correct`: history with before/after, audit)."""
    citizen, demand = _citizen_and_demand(request, citizen_id)
    if demand is None:
        raise Http404
    offices = _offices_for(request.user) | Office.objects.filter(pk=demand.office_id)
    form = StaffCorrectionForm(_posted(request), demand=demand, offices=offices.distinct())
    context = {"citizen": citizen, "demand": demand, "form": form}
    if request.method == "GET":
        citizen_file_access_record(actor=request.user, citizen=citizen, what="demand_correction_form", target=demand)
        return render(request, "demand/staff/correct.html", context)
    if not form.is_valid():
        return render(request, "demand/staff/correct.html", context, status=400)
    if not form.changes():
        form.add_error(None, _("No ha cambiado ningún dato: cambie el que quiere corregir."))
        return render(request, "demand/staff/correct.html", context, status=400)
    try:
        services.demand_correct(demand=demand, changes=form.changes(), reason=form.cleaned_data["reason"],
                                technician=request.user)
    except ApplicationError as error:
        if error.field == "occupations":
            error.field = "occupation_codes"
        add_service_error(form, error)
        return render(request, "demand/staff/correct.html", context, status=400)
    messages.success(request, _("Corrección guardada en el historial de la demanda."))
    return redirect("demand:staff_citizen", citizen_id=citizen.pk)


@staff_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, citizen_id: int) -> HttpResponse:
    """Register a demand for a citizen attended in person (no demand yet, or in baja): one page with the data
    the registration needs; the citizen's account gives name, DNI/NIE and contact."""
    citizen, demand = _citizen_and_demand(request, citizen_id)
    if not can_register_demand_for(request.user, citizen, demand):
        return render(request, "demand/staff/refused.html", {
            "citizen": citizen, "message": _("Este ciudadano/a ya tiene una demanda en situación de %(state)s.")
            % {"state": demand.get_state_display().lower() if demand else ""}}, status=400 if request.method == "POST"
            else 200)
    offices = _offices_for(request.user)
    initial: dict[str, Any] = {"office": request.user.office or citizen.office, "nationality": "ES",
                               "postal_code": citizen.postal_code, "travel_distance_km": 30}
    if demand is not None:
        current = services.DemandProfile.of(demand)
        initial.update(category=demand.category, education_level=current.education_level,
                       occupation_codes=", ".join(current.occupation_codes), address=current.address,
                       municipality=current.municipality, postal_code=current.postal_code,
                       nationality=current.nationality, work_authorisation=current.work_authorisation,
                       working_time=current.working_time, travel_distance_km=current.travel_distance_km)
    form = StaffRegisterForm(_posted(request), initial=initial, offices=offices)
    context = {"citizen": citizen, "demand": demand, "form": form}
    if request.method == "GET":
        citizen_file_access_record(actor=request.user, citizen=citizen, what="demand_registration_form",
                                   target=demand or citizen)
        return render(request, "demand/staff/register.html", context)
    if not form.is_valid():
        return render(request, "demand/staff/register.html", context, status=400)
    data = form.cleaned_data
    profile = services.DemandProfile(
        education_level=data["education_level"], occupation_codes=data["occupation_codes"],
        nationality=data["nationality"], work_authorisation=data["work_authorisation"], address=data["address"],
        municipality=data["municipality"], postal_code=data["postal_code"], working_time=data["working_time"],
        travel_distance_km=data["travel_distance_km"])
    try:
        registered = services.demand_register(citizen=citizen, profile=profile, category=data["category"],
                                              office=data["office"], recorded_by=request.user)
    except ApplicationError as error:
        if error.field == "occupations":
            error.field = "occupation_codes"
        add_service_error(form, error)
        return render(request, "demand/staff/register.html", context, status=400)
    messages.success(request, _("Demanda %(number)s inscrita. Entregue al ciudadano/a su DARDE.")
                     % {"number": registered.number})
    return redirect("demand:staff_citizen", citizen_id=citizen.pk)


# --- Downloads from the timeline ----------------------------------------------------------------------


def _event(request: HttpRequest, citizen_id: int, event_id: int):
    citizen, demand = _citizen_and_demand(request, citizen_id)
    if demand is None:
        raise Http404
    event = demand_history(demand).select_related("registry_entry__receipt").filter(pk=event_id).first()
    if event is None:
        raise Http404
    return citizen, demand, event


@staff_required
@require_GET
def event_receipt(request: HttpRequest, citizen_id: int, event_id: int) -> HttpResponse:
    citizen, _demand, event = _event(request, citizen_id, event_id)
    if event.registry_entry is None or event.registry_entry.receipt is None:
        raise Http404
    citizen_file_access_record(actor=request.user, citizen=citizen, what="receipt", target=event.registry_entry)
    return sealed_pdf(request, event.registry_entry.receipt, filename=f"justificante-{event.registry_entry.number}.pdf")


@staff_required
@require_GET
def event_darde(request: HttpRequest, citizen_id: int, event_id: int) -> HttpResponse:
    citizen, demand, event = _event(request, citizen_id, event_id)
    if event.darde is None:
        raise Http404
    citizen_file_access_record(actor=request.user, citizen=citizen, what="darde", target=event.darde)
    return sealed_pdf(request, event.darde, filename=f"DARDE-{demand.number}-{event.at:%Y%m%d}.pdf")
