"""The guided registration pages (alta como demandante de empleo), one step per page, without JavaScript.

Every view works on the signed-in citizen's own draft (`registration_draft_for(request.user)`): there is
no draft id in any URL. Each step's POST saves the step in the draft before moving on, so closing the
browser and signing in days later resumes at `draft.current_step`. Writes go through demand.registration.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts.permissions import citizen_required
from oficina.core.exceptions import ApplicationError
from oficina.demand.constants import (
    MAX_OCCUPATIONS,
    DemandCategory,
    DrivingLicence,
    EducationLevel,
    LanguageLevel,
    Shift,
    WorkingTime,
)
from oficina.demand.exceptions import DemandError
from oficina.demand.models import Occupation, RegistrationDraft
from oficina.demand.registration import (
    ALL_STEPS,
    REVIEW,
    STEPS,
    Step,
    can_start_registration,
    countries,
    first_incomplete,
    registration_draft_discard,
    registration_draft_for,
    registration_draft_save_step,
    registration_occupations_set,
    registration_profile,
    registration_submit,
    step_by_key,
    step_by_slug,
    step_for_field,
)
from oficina.demand.registration_forms import FORMS, StepForm
from oficina.demand.selectors import demand_for_citizen, occupations_search
from oficina.offices.selectors import office_for_postal_code

FROM_REVIEW = "revision"


def step_url(step: Step) -> str:
    if step is REVIEW:
        return reverse("demand:registration_review")
    return reverse("demand:registration_step", args=[step.slug])


def _refused(request: HttpRequest) -> HttpResponse | None:
    """The page explaining that a citizen already registered cannot start again, or None."""
    demand = demand_for_citizen(request.user)
    if can_start_registration(request.user, demand):
        return None
    return render(request, "demand/registration/already.html", {"demand": demand}, status=409)


def _context(step: Step, draft: RegistrationDraft | None, **extra: Any) -> dict[str, Any]:
    index = ALL_STEPS.index(step)
    previous = ALL_STEPS[index - 1] if index > 0 else None
    return {"step": step, "number": index + 1, "total": len(ALL_STEPS), "draft": draft, "action_url": step_url(step),
            "previous_url": step_url(previous) if previous else reverse("demand:registration_start"), **extra}


def _values(draft: RegistrationDraft | None, step: Step) -> dict[str, Any]:
    return dict((draft.data if draft else {}).get(step.key, {}))


def _form(step: Step, draft: RegistrationDraft | None, request: HttpRequest, data: Any = None) -> StepForm:
    """The step's form: bound to `data` if given, else showing what the draft holds (or the account's)."""
    form_class = FORMS[step.key]
    values = _values(draft, step)
    kwargs: dict[str, Any] = {}
    if step.key == "occupations":
        kwargs["occupation_codes"] = values.get("occupation_codes", [])
    if data is not None:
        return form_class(data, **kwargs)
    initial = form_class.from_draft(values)
    if step.key == "address" and not values:
        initial["postal_code"] = request.user.postal_code or ""
    return form_class(initial=initial, **kwargs)


def _render_step(request: HttpRequest, step: Step, draft: RegistrationDraft | None, form: StepForm, *,
                 status: int = 200, **extra: Any) -> HttpResponse:
    context = _context(step, draft, form=form, from_review=_from_review(request), **extra)
    if step.key == "address":
        postal_code = form["postal_code"].value() or ""
        context["postal_code_office"] = office_for_postal_code(str(postal_code))
    if step.key == "occupations":
        codes = _values(draft, step).get("occupation_codes", [])
        order = {code: i for i, code in enumerate(codes)}
        context["chosen"] = sorted(Occupation.objects.filter(code__in=codes), key=lambda o: order[o.code])
        context["max_occupations"] = MAX_OCCUPATIONS
        query = (request.GET.get("q") or request.POST.get("q") or "").strip()[:100]
        context["query"] = query
        context["results"] = occupations_search(query, limit=25) if query else []
    return render(request, f"demand/registration/{step.key}.html", context, status=status)


def _from_review(request: HttpRequest) -> bool:
    return (request.GET.get("desde") or request.POST.get("desde")) == FROM_REVIEW


# --- Start --------------------------------------------------------------------------------------


@citizen_required
@never_cache
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """No draft: what the registration asks for, and the way in. A draft: straight to where it stopped."""
    if refused := _refused(request):
        return refused
    draft = registration_draft_for(request.user)
    if draft is not None:
        return redirect(step_url(step_by_key(draft.current_step)))
    return render(request, "demand/registration/start.html", {"first_url": step_url(STEPS[0]),
                                                               "demand": demand_for_citizen(request.user)})


@citizen_required
@csrf_protect
@never_cache
@require_POST
def discard(request: HttpRequest) -> HttpResponse:
    registration_draft_discard(citizen=request.user)
    messages.success(request, _("Hemos borrado su inscripción sin terminar."))
    return redirect("demand:registration_start")


# --- Steps --------------------------------------------------------------------------------------


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, slug: str) -> HttpResponse:
    current = step_by_slug(slug)
    if current is None or current is REVIEW:
        raise Http404
    if refused := _refused(request):
        return refused
    draft = registration_draft_for(request.user)
    reachable = first_incomplete(draft.completed_steps if draft else [])
    if ALL_STEPS.index(current) > ALL_STEPS.index(reachable):
        return redirect(step_url(reachable))  # steps are filled in order
    if request.method == "GET":
        return _render_step(request, current, draft, _form(current, draft, request))
    if current.key == "occupations" and ("add" in request.POST or "remove" in request.POST):
        return _change_occupations(request, draft)
    form = _form(current, draft, request, data=request.POST)
    if not form.is_valid():
        return _render_step(request, current, draft, form, status=400)
    try:
        draft = registration_draft_save_step(citizen=request.user, step=current, values=form.to_draft())
    except DemandError as error:
        form.show_error(error.field, error.message)
        return _render_step(request, current, draft, form, status=400)
    if request.POST.get("action") == "exit":
        messages.success(request, _("Hemos guardado su inscripción. Puede continuarla cuando quiera desde "
                                    "«Mi área»: seguirá en el paso donde la dejó."))
        return redirect("accounts:home")
    if _from_review(request):
        return redirect(step_url(first_incomplete(draft.completed_steps)))
    return redirect(step_url(ALL_STEPS[ALL_STEPS.index(current) + 1]))


def _change_occupations(request: HttpRequest, draft: RegistrationDraft | None) -> HttpResponse:
    """Add (from the search results) or remove one occupation sought; saved at once."""
    current = step_by_key("occupations")
    codes = list(_values(draft, current).get("occupation_codes", []))
    query = (request.POST.get("q") or "").strip()[:100]
    error = ""
    if code := request.POST.get("add", "").strip():
        if not Occupation.objects.filter(code=code).exists():
            error = _("Esa ocupación no está en la CNO-11. Búsquela de nuevo.")
        elif code in codes:
            error = _("Ya había elegido esa ocupación.")
        elif len(codes) >= MAX_OCCUPATIONS:
            error = _("Puede elegir como mucho %(max)d ocupaciones. Quite una para añadir otra.") % {
                "max": MAX_OCCUPATIONS}
        else:
            codes.append(code)
            action = "add_occupation"
    else:
        codes = [c for c in codes if c != request.POST.get("remove", "").strip()]
        action = "remove_occupation"
    if error:
        form = _form(current, draft, request)
        form.show_error("occupations", error)
        return _render_step(request, current, draft, form, status=400)
    registration_occupations_set(citizen=request.user, codes=codes, action=action)
    params = {key: value for key, value in (("q", query), ("desde", request.POST.get("desde", ""))) if value}
    return redirect(step_url(current) + (f"?{urlencode(params)}" if params else "") + "#ocupaciones-elegidas")


# --- Review and submission --------------------------------------------------------------------------


def _label(choices: Any, value: Any) -> str:
    return str(dict(choices).get(value, value or ""))


def _summary(request: HttpRequest, draft: RegistrationDraft) -> list[dict[str, Any]]:
    """Per step: its title, its 'cambiar' link and what the citizen said, as (label, value) rows."""
    user = request.user
    profile, category, office = registration_profile(draft)
    office = office or office_for_postal_code(profile.postal_code)
    codes = {*profile.occupation_codes, *(item["occupation"] for item in profile.experience)}
    names = dict(Occupation.objects.filter(code__in=codes).values_list("code", "name"))
    none = _("Ninguno")
    rows: dict[str, list[tuple[str, str]]] = {
        "personal": [(_("Nombre y apellidos"), user.get_full_name()), (_("DNI/NIE"), user.document_number),
                     (_("Correo electrónico"), user.email), (_("Teléfono"), user.phone)],
        "address": [(_("Domicilio"), profile.address), (_("Municipio"), profile.municipality),
                    (_("Código postal"), profile.postal_code),
                    (_("Oficina de empleo"), str(office) if office else _("Sin asignar"))],
        "nationality": [(_("Nacionalidad"), _label(countries(), profile.nationality))],
        "education": [(_("Nivel de estudios"), _label(EducationLevel.choices, profile.education_level))],
        "occupations": [
            (_("Ocupaciones que busca"), "; ".join(f"{c} {names.get(c, '')}" for c in profile.occupation_codes)),
            (_("Experiencia"), "; ".join(
                _("%(occupation)s, %(months)d meses%(employer)s") % {
                    "occupation": names.get(e["occupation"], e["occupation"]), "months": e["months"],
                    "employer": f" ({e['employer']})" if e.get("employer") else ""}
                for e in profile.experience) or none),
            (_("Idiomas"), "; ".join(f"{i['language']} ({_label(LanguageLevel.choices, i['level'])})"
                                     for i in profile.languages) or none),
            (_("Permisos de conducir"), ", ".join(_label(DrivingLicence.choices, d)
                                                  for d in profile.driving_licences) or none),
        ],
        "availability": [
            (_("Situación laboral"), _label(DemandCategory.choices, category)),
            (_("Jornada"), _label(WorkingTime.choices, profile.working_time)),
            (_("Turnos"), ", ".join(_label(Shift.choices, s) for s in profile.shifts) or _("Cualquiera")),
            (_("Distancia máxima"), _("%(km)d km") % {"km": profile.travel_distance_km}),
            (_("Discapacidad"), (_("Grado %(degree)d %%, con su consentimiento") % {"degree": profile.disability_degree}
                                 if profile.disability_degree else
                                 _("Ha dado su consentimiento, sin grado indicado") if profile.disability_consent
                                 else _("No indicada"))),
        ],
    }
    if profile.nationality and profile.work_authorisation:
        expires = profile.work_authorisation_expires
        rows["nationality"].append((_("Autorización de trabajo"), profile.work_authorisation + (
            _(" (válida hasta el %(date)s)") % {"date": expires.strftime("%d/%m/%Y")} if expires else "")))
    return [{"step": s, "url": f"{step_url(s)}?desde={FROM_REVIEW}", "rows": rows[s.key]} for s in STEPS]


@citizen_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    if refused := _refused(request):
        return refused
    draft = registration_draft_for(request.user)
    missing = first_incomplete(draft.completed_steps if draft else [])
    if draft is None or missing is not REVIEW:
        return redirect(step_url(missing))
    if request.method == "GET":
        return render(request, "demand/registration/review.html",
                      _context(REVIEW, draft, sections=_summary(request, draft)))
    try:
        registration_submit(citizen=request.user)
    except ApplicationError as error:  # DemandError, or TransitionRefused if a demand appeared meanwhile
        return _submission_refused(request, draft, error)
    return redirect("demand:registration_done")


def _submission_refused(request: HttpRequest, draft: RegistrationDraft, error: ApplicationError) -> HttpResponse:
    """The service refused a value: show its message next to the field, on the step that asks for it."""
    if error.code == "no_draft":  # sent twice (a double click): the first one registered the demand
        return redirect("demand:registration_done")
    if error.code == "incomplete":
        messages.error(request, error.message)
        return redirect(step_url(first_incomplete(draft.completed_steps)))
    target = step_for_field(error.field)
    if target is None:
        return render(request, "demand/registration/review.html",
                      _context(REVIEW, draft, sections=_summary(request, draft), error=error.message), status=400)
    form = _form(target, draft, request, data=FORMS[target.key].from_draft(_values(draft, target)))
    form.is_valid()
    form.show_error(error.field, error.message)
    return _render_step(request, target, draft, form, status=400)


@citizen_required
@never_cache
@require_GET
def done(request: HttpRequest) -> HttpResponse:
    demand = demand_for_citizen(request.user)
    if demand is None:
        return redirect("demand:registration_start")
    return render(request, "demand/registration/done.html", {"demand": demand})
