"""Forms of the work-situation pages (citizen) and of the technicians' demand pages.

They check what a form can check (dates against today and the registration, required choices, the
number of occupations); the rules of states are the services' (state_machine.py). A service's
DemandError naming a field is put next to that field by `add_service_error`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.es import dni, nie

from oficina.core.calendar import to_madrid
from oficina.core.exceptions import ApplicationError
from oficina.core.forms import DescribedFieldsMixin
from oficina.demand.constants import (
    FREE_MOVEMENT_COUNTRIES,
    MAX_OCCUPATIONS,
    MIN_OCCUPATIONS,
    ContractType,
    DemandCategory,
    EducationLevel,
    Shift,
    SuspensionCause,
    WorkingTime,
)
from oficina.demand.models import Demand, Occupation
from oficina.demand.renewal import format_date
from oficina.demand.selectors import occupations_search

# A job may be reported a little before it starts, not months ahead.
WORK_START_MAX_DAYS_AHEAD = 30
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, input_formats=DATE_FORMATS,
                           widget=DateInput(),
                           error_messages={"required": _("Indique la fecha."),
                                           "invalid": _("Escriba la fecha como día/mes/año, por ejemplo 15/03/2026.")})


def add_service_error(form: forms.Form, error: ApplicationError, *, default_field: str | None = None) -> None:
    """Show a service's refusal next to the field it names (or `default_field`, or above the form)."""
    name = error.field if error.field in form.fields else default_field
    form.add_error(name, error.message)
    if isinstance(form, DescribedFieldsMixin):
        form._describe_fields()


class DescribedForm(DescribedFieldsMixin, forms.Form):
    """Radio and checkbox groups (a fieldset, `situation/_choices.html`) have no single id for their label:
    each of their inputs is described by the group's hint and error, `<auto_id>-hint` / `<auto_id>-error`."""

    def _describe_fields(self) -> None:
        super()._describe_fields()
        errors = self._errors or {}
        for name, field in self.fields.items():
            if isinstance(field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                auto_id = self[name].auto_id
                ids = ([f"{auto_id}-hint"] if field.help_text else []) + (
                    [f"{auto_id}-error"] if name in errors else [])
                if ids:
                    field.widget.attrs["aria-describedby"] = " ".join(ids)
                else:
                    field.widget.attrs.pop("aria-describedby", None)


# --- Citizen ----------------------------------------------------------------------------------


class WorkStartForm(DescribedForm):
    start_date = _date_field(_("Fecha de inicio del trabajo"))
    contract_type = forms.ChoiceField(
        label=_("Tipo de contrato"), choices=ContractType.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Indique el tipo de contrato."),
                        "invalid_choice": _("Indique el tipo de contrato.")})
    end_date = _date_field(_("Fecha prevista de fin del contrato"), required=False,
                           help_text=_("Solo si el contrato es temporal y sabe cuándo termina."))

    def __init__(self, *args: Any, demand: Demand, today: date, **kwargs: Any) -> None:
        self.demand, self.today = demand, today
        super().__init__(*args, **kwargs)

    def clean_start_date(self) -> date:
        start: date = self.cleaned_data["start_date"]
        latest = self.today + timedelta(days=WORK_START_MAX_DAYS_AHEAD)
        if start > latest:
            raise forms.ValidationError(
                _("Puede comunicar un trabajo hasta %(days)d días antes de empezar: la fecha de inicio no puede "
                  "ser posterior al %(date)s.") % {"days": WORK_START_MAX_DAYS_AHEAD, "date": format_date(latest)})
        registered = to_madrid(self.demand.registered_at).date()
        if start < registered:
            raise forms.ValidationError(
                _("La fecha de inicio no puede ser anterior a su inscripción como demandante (%(date)s).")
                % {"date": format_date(registered)})
        return start

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end, contract = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("contract_type")
        if end is not None and contract and contract != ContractType.TEMPORARY:
            self.add_error("end_date", _("Solo los contratos temporales tienen fecha de fin: déjela en blanco."))
        elif end is not None and start is not None and end < start:
            self.add_error("end_date", _("La fecha de fin del contrato no puede ser anterior a la de inicio."))
        return cleaned


class WorkEndForm(DescribedForm):
    end_date = _date_field(_("Último día de trabajo"))

    def __init__(self, *args: Any, earliest: date | None, today: date, **kwargs: Any) -> None:
        self.earliest, self.today = earliest, today
        super().__init__(*args, **kwargs)

    def clean_end_date(self) -> date:
        end: date = self.cleaned_data["end_date"]
        if end > self.today:
            raise forms.ValidationError(_("Comunique el fin del trabajo cuando haya terminado: la fecha no puede ser "
                                          "posterior a hoy (%(date)s).") % {"date": format_date(self.today)})
        if self.earliest is not None and end < self.earliest:
            raise forms.ValidationError(_("La fecha no puede ser anterior al inicio del trabajo (%(date)s).")
                                        % {"date": format_date(self.earliest)})
        return end


class SuspendForm(DescribedForm):
    cause = forms.ChoiceField(
        label=_("Causa de la suspensión"), widget=forms.RadioSelect,
        choices=[(value, label) for value, label in SuspensionCause.choices if value != SuspensionCause.WORK],
        error_messages={"required": _("Indique la causa de la suspensión."),
                        "invalid_choice": _("Indique la causa de la suspensión.")})


class VoluntaryBajaForm(DescribedForm):
    reason = forms.CharField(label=_("Motivo"), required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))
    understood = forms.BooleanField(
        label=_("Entiendo que dejaré de estar inscrito/a como demandante de empleo."),
        error_messages={"required": _("Marque la casilla para confirmar que quiere darse de baja.")})


class CategoryForm(DescribedForm):
    category = forms.ChoiceField(label=_("Nueva situación laboral"), widget=forms.RadioSelect,
                                 error_messages={"required": _("Indique su situación laboral."),
                                                 "invalid_choice": _("Indique su situación laboral.")})

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(v, label) for v, label in DemandCategory.choices if v != current]
        if current != DemandCategory.EMPLOYED_IMPROVEMENT and not self.is_bound:
            self.initial.setdefault("category", DemandCategory.EMPLOYED_IMPROVEMENT)


class ProfileForm(DescribedForm):
    """Occupations (CNO-11, searched by words without JavaScript: the search button re-shows the form with
    the matches added as checkboxes, keeping everything ticked or typed), education and availability."""

    occupations = forms.MultipleChoiceField(
        label=_("Ocupaciones que busca"), widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Marque de %(min)d a %(max)d ocupaciones.") % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS},
        error_messages={"invalid_choice": _("Alguna de las ocupaciones elegidas no existe en la CNO-11.")})
    occupation_query = forms.CharField(
        label=_("Buscar otra ocupación"), required=False, max_length=100,
        help_text=_("Escriba una o varias palabras, por ejemplo «camarero» o «electricista», y pulse «Buscar»."))
    education_level = forms.ChoiceField(label=_("Nivel de estudios"), choices=EducationLevel.choices,
                                        error_messages={"required": _("Indique su nivel de estudios.")})
    working_time = forms.ChoiceField(label=_("Jornada que busca"), choices=WorkingTime.choices,
                                     widget=forms.RadioSelect,
                                     error_messages={"required": _("Indique la jornada que busca.")})
    shifts = forms.MultipleChoiceField(label=_("Turnos en los que puede trabajar"), choices=Shift.choices,
                                       widget=forms.CheckboxSelectMultiple, required=False)
    travel_distance_km = forms.IntegerField(
        label=_("Distancia máxima que puede desplazarse (km)"), min_value=0, max_value=1000,
        error_messages={"required": _("Indique la distancia en kilómetros, de 0 a 1000."),
                        "invalid": _("Indique la distancia en kilómetros, de 0 a 1000."),
                        "min_value": _("Indique la distancia en kilómetros, de 0 a 1000."),
                        "max_value": _("Indique la distancia en kilómetros, de 0 a 1000.")})

    def __init__(self, *args: Any, current_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ticked = list(self.data.getlist("occupations")) if self.is_bound else list(current_codes)
        query = (self.data.get("occupation_query", "") if self.is_bound else "").strip()
        self.search_results = occupations_search(query) if query else []
        self.searched = bool(query)
        known = {o.code: o for o in Occupation.objects.filter(code__in=[*current_codes, *ticked])}
        shown = [known[code] for code in dict.fromkeys([*ticked, *current_codes]) if code in known]
        shown += [o for o in self.search_results if o.code not in known]
        self.fields["occupations"].choices = [(o.code, f"{o.name} ({o.code})") for o in shown]
        if not self.is_bound:
            self.initial["occupations"] = list(current_codes)

    def clean_occupations(self) -> list[str]:
        codes: list[str] = self.cleaned_data["occupations"]
        if not MIN_OCCUPATIONS <= len(codes) <= MAX_OCCUPATIONS:
            raise forms.ValidationError(_("Elija entre %(min)d y %(max)d ocupaciones.")
                                        % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS})
        return codes


# --- Staff ------------------------------------------------------------------------------------


class CitizenSearchForm(DescribedForm):
    document_number = forms.CharField(label=_("DNI o NIE del ciudadano/a"), max_length=12,
                                      error_messages={"required": _("Escriba un DNI o NIE.")})

    def clean_document_number(self) -> str:
        value = self.cleaned_data["document_number"].replace(" ", "").replace("-", "").upper()
        if not (dni.is_valid(value) or nie.is_valid(value)):
            raise forms.ValidationError(_("Escriba un DNI o NIE válido."))
        return value


def _codes(value: str) -> list[str]:
    return [code for code in (part.strip() for part in value.replace(";", ",").split(",")) if code]


class OccupationCodesField(forms.CharField):
    """CNO-11 codes separated by commas (technicians know them, and the search page lists them)."""

    def clean(self, value: Any) -> list[str]:
        codes = _codes(super().clean(value) or "")
        if not MIN_OCCUPATIONS <= len(codes) <= MAX_OCCUPATIONS:
            raise forms.ValidationError(_("Escriba entre %(min)d y %(max)d códigos CNO-11, separados por comas.")
                                        % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS})
        found = set(Occupation.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = [code for code in codes if code not in found]
        if missing:
            raise forms.ValidationError(_("Estos códigos no existen en la CNO-11: %(codes)s.")
                                        % {"codes": ", ".join(missing)})
        return codes


class _DemandDataForm(DescribedForm):
    """The fields a technician writes for a citizen (registration in person, corrections)."""

    category = forms.ChoiceField(label=_("Categoría"), choices=DemandCategory.choices)
    office = forms.ModelChoiceField(label=_("Oficina"), queryset=None, empty_label=None)  # type: ignore[arg-type]
    education_level = forms.ChoiceField(label=_("Nivel de estudios"), choices=EducationLevel.choices)
    occupation_codes = OccupationCodesField(
        label=_("Ocupaciones (códigos CNO-11)"), max_length=60,
        error_messages={"required": _("Escriba entre %(min)d y %(max)d códigos CNO-11, separados por comas.")
                        % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS}},
        help_text=_("De %(min)d a %(max)d códigos de cuatro cifras separados por comas, por ejemplo: 5120, 5110.")
        % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS})
    address = forms.CharField(label=_("Domicilio"), max_length=200, required=False)
    municipality = forms.CharField(label=_("Municipio"), max_length=100, required=False)
    postal_code = forms.RegexField(label=_("Código postal"), regex=r"^\d{5}$", required=False,
                                   error_messages={"invalid": _("El código postal tiene cinco cifras.")})
    nationality = forms.RegexField(label=_("Nacionalidad (código de país)"), regex=r"^[A-Za-z]{2}$",
                                   help_text=_("Dos letras: ES, PT, MA..."),
                                   error_messages={"invalid": _("Escriba el código de país de dos letras.")})
    work_authorisation = forms.CharField(
        label=_("Autorización de trabajo"), max_length=100, required=False,
        help_text=_("Obligatoria si la nacionalidad no es de la UE, el EEE o Suiza."))
    working_time = forms.ChoiceField(label=_("Jornada que busca"), choices=WorkingTime.choices)
    travel_distance_km = forms.IntegerField(label=_("Distancia máxima (km)"), min_value=0, max_value=1000)

    def __init__(self, *args: Any, offices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices

    def clean_nationality(self) -> str:
        return self.cleaned_data["nationality"].upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        nationality = cleaned.get("nationality")
        if nationality and nationality not in FREE_MOVEMENT_COUNTRIES and not cleaned.get("work_authorisation"):
            self.add_error("work_authorisation", _("Indique la autorización de trabajo."))
        return cleaned


class StaffRegisterForm(_DemandDataForm):
    field_order = ["category", "office", "occupation_codes", "education_level", "nationality", "work_authorisation",
                   "address", "municipality", "postal_code", "working_time", "travel_distance_km"]


class StaffCorrectionForm(_DemandDataForm):
    """Every correctable field prefilled with the current value; what differs is the correction."""

    next_renewal_date = _date_field(_("Próxima renovación"), required=False,
                                    help_text=_("Solo para una demanda en alta."))
    reason = forms.CharField(label=_("Motivo de la corrección"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Queda en el historial de la demanda y en el registro de auditoría."),
                             error_messages={"required": _("Indique el motivo de la corrección.")})

    field_order = ["reason", "category", "office", "next_renewal_date", "occupation_codes", "education_level",
                   "nationality", "work_authorisation", "address", "municipality", "postal_code", "working_time",
                   "travel_distance_km"]

    CHANGE_FIELDS = ("category", "office", "next_renewal_date", "occupation_codes", "education_level",
                     "nationality", "work_authorisation", "address", "municipality", "postal_code",
                     "working_time", "travel_distance_km")

    def __init__(self, *args: Any, demand: Demand, **kwargs: Any) -> None:
        initial = {
            "category": demand.category, "office": demand.office, "next_renewal_date": demand.next_renewal_date,
            "occupation_codes": ", ".join(sorted(demand.occupations.values_list("code", flat=True))),
            "education_level": demand.education_level, "nationality": demand.nationality,
            "work_authorisation": demand.work_authorisation, "address": demand.address,
            "municipality": demand.municipality, "postal_code": demand.postal_code,
            "working_time": demand.working_time, "travel_distance_km": demand.travel_distance_km,
        }
        self.current = {**initial, "occupation_codes": sorted(demand.occupations.values_list("code", flat=True))}
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from the demand's (the `changes` of demand_correct)."""
        changes: dict[str, Any] = {}
        for name in self.CHANGE_FIELDS:
            value = self.cleaned_data.get(name)
            if name == "occupation_codes":
                if sorted(value or []) != self.current[name]:
                    changes[name] = list(value)
            elif name == "next_renewal_date":
                if value is not None and value != self.current[name]:
                    changes[name] = value
            elif value != self.current[name] and not (value in (None, "") and self.current[name] in (None, "")):
                changes[name] = value
        return changes
