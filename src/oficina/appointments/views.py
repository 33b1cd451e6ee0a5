"""Pages of cita previa: the citizen's booking flow and "Mis citas", the staff agendas.

The booking flow needs no JavaScript: each step is a page of links that carry the choices so far in
the query string (service → mode → office → day → time), and the last step is a POST. The same steps
serve rescheduling (service, mode and office fixed) and staff booking for a citizen on the phone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts.models import Role, User
from oficina.accounts.permissions import citizen_required, staff_required
from oficina.appointments import selectors, services
from oficina.appointments.exceptions import AppointmentError, SlotTaken
from oficina.appointments.forms import CitizenSearchForm, ConfirmForm, OutcomeForm
from oficina.appointments.models import Appointment, Service
from oficina.appointments.permissions import (
    can_change_appointment_as_citizen,
    can_record_outcome,
    can_view_appointment,
)
from oficina.casefile.exceptions import NoteRefused
from oficina.casefile.permissions import can_view_citizen_file
from oficina.core.calendar import MADRID
from oficina.offices.models import Office

STAFF_ROLES = [Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR]


# --- The steps --------------------------------------------------------------------------------------


@dataclass
class Choices:
    """What the person chose so far, parsed from the query string; unknown values are dropped."""

    service: Service | None = None
    mode: str | None = None
    office: Office | None = None
    day: date | None = None
    extra: dict[str, str] = field(default_factory=dict)  # carried along (e.g. the citizen staff book for)

    def params(self, **override: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            **self.extra,
            "service": self.service.slug if self.service else None,
            "mode": self.mode,
            "office": self.office.pk if self.office else None,
            "day": self.day.isoformat() if self.day else None,
            **override,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}

    def url(self, base: str, **override: Any) -> str:
        return f"{base}?{urlencode(self.params(**override))}"


def _parse_choices(request: HttpRequest, *, fixed: Appointment | None = None, extra: dict[str, str] | None = None
                   ) -> Choices:
    choices = Choices(extra=extra or {})
    if fixed is not None:
        choices.service, choices.mode, choices.office = fixed.service, fixed.mode, fixed.office
    else:
        choices.service = selectors.service_offered(request.GET.get("service", ""))
        if choices.service is not None:
            modes = _modes(choices.service)
            mode = request.GET.get("mode")
            choices.mode = mode if mode in modes else (modes[0] if len(modes) == 1 else None)
        if choices.mode == Appointment.Mode.OFFICE:
            office_id = request.GET.get("office", "")
            if office_id.isdigit():
                choices.office = selectors.offices_for_service(service=choices.service).filter(pk=office_id).first()
    try:
        choices.day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        choices.day = None
    return choices


def _modes(service: Service) -> list[str]:
    modes = []
    if service.allows_office:
        modes.append(Appointment.Mode.OFFICE)
    if service.allows_video:
        modes.append(Appointment.Mode.VIDEO)
    return modes


def _ready_for_days(choices: Choices) -> bool:
    return choices.service is not None and (
        choices.mode == Appointment.Mode.VIDEO or (choices.mode == Appointment.Mode.OFFICE and choices.office)
    )


def _steps(request: HttpRequest, *, base: str, confirm: str, choices: Choices,
           default_office: Callable[[], Office | None], title: str, context: dict[str, Any] | None = None
           ) -> HttpResponse:
    """Render the first step that still lacks a choice. `default_office` is asked for at the office step
    only: loading it is a query the other steps do not need."""
    ctx: dict[str, Any] = {"choices": choices, "title": title, **(context or {})}
    if choices.service is None:
        services_ = list(selectors.services_available())
        ctx.update(step="service", options=[(s.name, s.description, choices.url(base, service=s.slug)) for s in services_])
        return render(request, "appointments/book.html", ctx)
    if choices.mode is None:
        ctx.update(step="mode", options=[
            (Appointment.Mode(m).label, "", choices.url(base, mode=m)) for m in _modes(choices.service)
        ])
        return render(request, "appointments/book.html", ctx)
    if choices.mode == Appointment.Mode.OFFICE and choices.office is None:
        offices = list(selectors.offices_for_service(service=choices.service))
        preferred = default_office()
        offices.sort(key=lambda o: (o.pk != getattr(preferred, "pk", None), o.province.name, o.name))
        ctx.update(step="office", default_office=preferred, options=[
            (str(o), o.address, choices.url(base, office=o.pk)) for o in offices
        ])
        return render(request, "appointments/book.html", ctx)
    office = choices.office if choices.mode == Appointment.Mode.OFFICE else None
    if choices.day is None:
        # One link prefix, the day appended in the template: the list is a cached fragment, and building
        # a query string per day on every request cost more than rendering it.
        ctx.update(step="day", days=selectors.free_days_cached(service=choices.service, mode=choices.mode,
                                                               office=office),
                   day_url=choices.url(base, day=None) + "&day=")
        return render(request, "appointments/book.html", ctx)
    slots = selectors.free_slots(service=choices.service, mode=choices.mode, office=office,
                                 start_date=choices.day, end_date=choices.day)
    times = selectors.free_times(slots)
    ctx.update(step="time", times=[
        (t.astimezone(MADRID), choices.url(confirm, time=t.isoformat(), day=None)) for t in times
    ], back_to_days=choices.url(base, day=None))
    return render(request, "appointments/book.html", ctx)


def _confirm(request: HttpRequest, *, choices: Choices, book: Any, change_url: str) -> HttpResponse:
    """GET: the summary with a "Confirmar" button. POST: book (the callable), then the detail page."""
    form = ConfirmForm(request.POST if request.method == "POST" else request.GET)
    if not _ready_for_days(choices) or not form.is_valid():
        return redirect(change_url)
    starts_at = form.cleaned_data["time"]
    ctx: dict[str, Any] = {"choices": choices, "local_start": starts_at.astimezone(MADRID),
                           "time_value": starts_at.isoformat(), "change_url": change_url,
                           "end_local": (starts_at + timedelta(minutes=choices.service.duration_minutes)).astimezone(MADRID)}
    if request.method == "POST":
        try:
            appointment = book(starts_at)
        except SlotTaken as error:
            ctx["error"] = error.message
            ctx["next_times"] = [(t.astimezone(MADRID), choices.url(request.path, time=t.isoformat(), day=None))
                                 for t in error.next_slots]
            return render(request, "appointments/confirm.html", ctx, status=409)
        except AppointmentError as error:
            ctx["error"] = error.message
            return render(request, "appointments/confirm.html", ctx, status=400)
        return redirect(appointment.get_absolute_url() + "?confirmada=1")
    return render(request, "appointments/confirm.html", ctx)


# --- Citizen ----------------------------------------------------------------------------------------


@citizen_required
@require_GET
def appointment_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    appointments = list(selectors.appointments_for_citizen(citizen=request.user))
    upcoming = sorted([a for a in appointments if a.status == Appointment.Status.BOOKED and a.ends_at > now],
                      key=lambda a: a.starts_at)
    past = [a for a in appointments if a not in upcoming]
    return render(request, "appointments/list.html", {"upcoming": upcoming, "past": past})


@citizen_required
@require_GET
def book(request: HttpRequest) -> HttpResponse:
    choices = _parse_choices(request)
    return _steps(request, base=reverse("appointments:book"), confirm=reverse("appointments:confirm"),
                  choices=choices, default_office=lambda: request.user.office, title=_("Pedir cita previa"))


@citizen_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    choices = _parse_choices(request)

    def do_book(starts_at: datetime) -> Appointment:
        return services.appointment_book(citizen=request.user, service=choices.service, mode=choices.mode,
                                         office=choices.office, starts_at=starts_at)

    return _confirm(request, choices=choices, book=do_book, change_url=choices.url(reverse("appointments:book")))


def _citizen_appointment(request: HttpRequest, pk: int) -> Appointment:
    appointment = selectors.appointment_get_for_user(user=request.user, pk=pk)
    if not can_change_appointment_as_citizen(request.user, appointment):
        raise Http404
    return appointment


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The appointment: for its citizen (with cancel and change) and staff who can see it."""
    if not request.user.is_authenticated:
        return citizen_required(detail)(request, pk)
    appointment = selectors.appointment_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    context = {
        "appointment": appointment,
        "just_booked": request.GET.get("confirmada") == "1",
        "can_change": can_change_appointment_as_citizen(request.user, appointment)
                      and appointment.status == Appointment.Status.BOOKED and now <= selectors.appointment_change_limit(appointment),
        "change_limit": selectors.appointment_change_limit(appointment),
        # The registry entry (services that require one): its receipt is downloaded from the file.
        "registry_entry": appointment.registry_entry,
        "can_download_receipt": appointment.registry_entry is not None
                                and can_view_citizen_file(request.user, appointment.citizen),
    }
    return render(request, "appointments/detail.html", context)


@citizen_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _citizen_appointment(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.appointment_cancel(appointment=appointment, actor=request.user)
        except AppointmentError as exc:
            error = exc.message
        else:
            messages.success(request, _("Su cita ha quedado anulada. Le hemos enviado un correo."))
            return redirect("appointments:list")
    return render(request, "appointments/cancel.html", {"appointment": appointment, "error": error},
                  status=400 if error else 200)


@citizen_required
@require_GET
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _citizen_appointment(request, pk)
    choices = _parse_choices(request, fixed=appointment)
    return _steps(request, base=reverse("appointments:reschedule", args=[pk]),
                  confirm=reverse("appointments:reschedule_confirm", args=[pk]), choices=choices,
                  default_office=lambda: appointment.office, title=_("Cambiar la cita"), context={"rescheduling": appointment})


@citizen_required
@require_http_methods(["GET", "POST"])
def reschedule_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _citizen_appointment(request, pk)
    choices = _parse_choices(request, fixed=appointment)

    def do_book(starts_at: datetime) -> Appointment:
        return services.appointment_reschedule(appointment=appointment, starts_at=starts_at, actor=request.user)

    return _confirm(request, choices=choices, book=do_book,
                    change_url=choices.url(reverse("appointments:reschedule", args=[pk])))


@require_GET
def video_room(request: HttpRequest, token: str) -> HttpResponse:
    """The video appointment's room: from ATTENTION_APPOINTMENT_EARLY_MINUTES before it until its end, the
    citizen goes to the live-attention waiting room (the technician to the console); otherwise its time."""
    if not request.user.is_authenticated:
        return citizen_required(video_room)(request, token)
    appointment = get_object_or_404(Appointment, video_room=token, mode=Appointment.Mode.VIDEO)
    if not can_view_appointment(request.user, appointment):
        raise Http404
    now = timezone.now()
    opens = appointment.starts_at - timedelta(minutes=settings.ATTENTION_APPOINTMENT_EARLY_MINUTES)
    if appointment.status == Appointment.Status.BOOKED and opens <= now <= appointment.ends_at:
        if appointment.citizen_id == request.user.pk:
            return redirect(reverse("attention:enter") + f"?cita={appointment.pk}")
        return redirect("attention:console")
    return render(request, "appointments/video_room.html", {"appointment": appointment})


# --- Staff ------------------------------------------------------------------------------------------


def _parse_day(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("fecha", ""))
    except ValueError:
        return timezone.now().astimezone(MADRID).date()


@staff_required(roles=STAFF_ROLES)
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    """The signed-in technician's agenda: one day (default today) or, with ?semana=1, its week."""
    day = _parse_day(request)
    week = request.GET.get("semana") == "1"
    first = day - timedelta(days=day.weekday()) if week else day
    last = first + timedelta(days=6) if week else day
    appointments = list(selectors.agenda_for_technician(technician=request.user, first=first, last=last))
    return render(request, "appointments/staff/agenda.html", {
        "appointments": appointments, "first": first, "last": last, "week": week, "day": day,
        "previous": (first - timedelta(days=7 if week else 1)).isoformat(),
        "next": (first + timedelta(days=7 if week else 1)).isoformat(),
        "outcome_form": OutcomeForm(), "now": timezone.now(),
    })


@staff_required(roles=STAFF_ROLES)
@require_POST
def record_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get_for_user(user=request.user, pk=pk)
    if not can_record_outcome(request.user, appointment):
        raise Http404
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Elija si la persona vino o no."))
    else:
        try:
            services.appointment_record_outcome(appointment=appointment, actor=request.user,
                                                attended=form.cleaned_data["outcome"] == "attended",
                                                note=form.cleaned_data["note"])
        except (AppointmentError, NoteRefused) as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Cita marcada como «%(status)s».") % {
                "status": Appointment.Status(form.cleaned_data["outcome"]).label} + (
                " " + _("La nota se ha guardado en su expediente.") if form.cleaned_data["note"].strip() else ""))
    local_day = appointment.starts_at.astimezone(MADRID).date().isoformat()
    return redirect(f"{reverse('appointments:agenda')}?fecha={local_day}")


@staff_required(roles=[Role.SUPERVISOR, Role.ADMINISTRATOR])
@require_GET
def office_agenda(request: HttpRequest) -> HttpResponse:
    """Supervisors: the agenda and load of the offices in their scope."""
    user = request.user
    offices = Office.objects.filter(is_active=True).select_related("province")
    if user.role == Role.SUPERVISOR:
        if user.supervised_province_id:
            offices = offices.filter(province_id=user.supervised_province_id)
        else:
            offices = offices.filter(pk=user.office_id)
    office_id = request.GET.get("oficina", "")
    chosen = offices.filter(pk=office_id).first() if office_id.isdigit() else None
    chosen = chosen or (offices.filter(pk=user.office_id).first() if user.office_id else None) or offices.first()
    day = _parse_day(request)
    first = day - timedelta(days=day.weekday())
    last = first + timedelta(days=6)
    appointments = list(selectors.agenda_for_offices(offices=[chosen], first=first, last=last)) if chosen else []
    load: dict[str, int] = {}
    for appointment in appointments:
        load[str(appointment.technician)] = load.get(str(appointment.technician), 0) + 1
    return render(request, "appointments/staff/office_agenda.html", {
        "offices": list(offices), "chosen": chosen, "appointments": appointments, "first": first, "last": last,
        "load": sorted(load.items()), "previous": (first - timedelta(days=7)).isoformat(),
        "next": (first + timedelta(days=7)).isoformat(),
    })


def _staff_citizen(request: HttpRequest) -> User | None:
    citizen_id = request.GET.get("ciudadano", "")
    if not citizen_id.isdigit():
        return None
    return User.objects.filter(pk=citizen_id, role=Role.CITIZEN, is_active=True).first()


@staff_required(roles=STAFF_ROLES)
@require_GET
def staff_book(request: HttpRequest) -> HttpResponse:
    """Book for a citizen on the phone or at the counter: find them by DNI/NIE, then the same steps."""
    citizen = _staff_citizen(request)
    if citizen is None:
        form = CitizenSearchForm(request.GET if "document_number" in request.GET else None)
        not_found = False
        if form.is_bound and form.is_valid():
            citizen = User.objects.filter(document_number=form.cleaned_data["document_number"],
                                          role=Role.CITIZEN, is_active=True).first()
            if citizen is not None:
                return redirect(f"{reverse('appointments:staff_book')}?ciudadano={citizen.pk}")
            not_found = True
        return render(request, "appointments/staff/find_citizen.html", {"form": form, "not_found": not_found})
    choices = _parse_choices(request, extra={"ciudadano": str(citizen.pk)})
    return _steps(request, base=reverse("appointments:staff_book"), confirm=reverse("appointments:staff_confirm"),
                  choices=choices, default_office=lambda: request.user.office or citizen.office,
                  title=_("Dar cita a %(name)s") % {"name": citizen.get_full_name()}, context={"for_citizen": citizen})


@staff_required(roles=STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def staff_confirm(request: HttpRequest) -> HttpResponse:
    citizen = _staff_citizen(request)
    if citizen is None:
        return redirect("appointments:staff_book")
    choices = _parse_choices(request, extra={"ciudadano": str(citizen.pk)})

    def do_book(starts_at: datetime) -> Appointment:
        return services.appointment_book(citizen=citizen, service=choices.service, mode=choices.mode,
                                         office=choices.office, starts_at=starts_at, actor=request.user)

    return _confirm(request, choices=choices, book=do_book,
                    change_url=choices.url(reverse("appointments:staff_book")))
