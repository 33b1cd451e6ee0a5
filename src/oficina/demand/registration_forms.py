"""The forms of the registration steps. Each one turns its checked input into the JSON kept in the draft
(`to_draft`) and back into form data (`from_draft`), so a saved step is shown again as it was typed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from oficina.core.forms import DescribedFieldsMixin
from oficina.demand.constants import (
    FREE_MOVEMENT_COUNTRIES,
    MAX_OCCUPATIONS,
    MIN_OCCUPATIONS,
    DemandCategory,
    DrivingLicence,
    EducationLevel,
    LanguageLevel,
    Shift,
    WorkingTime,
)
from oficina.demand.models import Occupation
from oficina.demand.registration import countries
from oficina.offices.postal_codes import is_valid_postal_code
from oficina.offices.selectors import office_for_postal_code, offices_by_province

DATE_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
EXPERIENCE_ROWS = 3
LANGUAGE_ROWS = 3

Data = dict[str, Any]


class StepForm(DescribedFieldsMixin, forms.Form):
    """Radio and checkbox groups (a fieldset, `registration/includes/choices.html`) have no single id for
    their label: each of their inputs is described by the group's `<auto_id>-hint` / `<auto_id>-error`."""

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

    def show_error(self, field_name: str | None, message: str) -> None:
        """A message from the service, next to the field it names (or above the form). On an unbound form
        (showing what the draft holds) only that message is shown."""
        if not self.is_bound and self._errors is None:
            self._errors, self.cleaned_data = ErrorDict(), {}
        self.add_error(field_name if field_name in self.fields else None, message)
        self._describe_fields()

    @classmethod
    def from_draft(cls, values: Mapping[str, Any]) -> Data:
        return {name: value for name, value in values.items() if value is not None}

    def to_draft(self) -> Data:
        return dict(self.cleaned_data)


class PersonalForm(StepForm):
    """Nothing to type: the account's data are shown; continuing confirms them."""

    def to_draft(self) -> Data:
        return {"confirmed": True}


def _office_choices() -> list[tuple[Any, Any]]:
    choices: list[tuple[Any, Any]] = [("", _("La que corresponde a mi código postal"))]
    for province, offices in offices_by_province().items():
        if offices:
            choices.append((province.name, [(str(office.pk), f"{office.name} ({office.municipality})")
                                            for office in offices]))
    return choices


class AddressForm(StepForm):
    address = forms.CharField(
        label=_("Domicilio"), max_length=200,
        help_text=_("Calle, número, piso y puerta. Por ejemplo, Calle Mayor 5, 2º B."),
        error_messages={"required": _("Escriba su domicilio: calle y número.")},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    municipality = forms.CharField(
        label=_("Municipio"), max_length=100,
        error_messages={"required": _("Escriba el municipio donde vive.")},
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postal_code = forms.CharField(
        label=_("Código postal"), max_length=5,
        help_text=_("Cinco cifras. Con él buscamos la oficina de empleo que le corresponde."),
        error_messages={"required": _("Escriba el código postal de su domicilio.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    office = forms.ChoiceField(
        label=_("Oficina de empleo"), required=False,
        help_text=_("Puede elegir cualquier oficina del Ecyl. Si no elige ninguna, le asignamos la de su código "
                    "postal."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = _office_choices()

    def clean_postal_code(self) -> str:
        value = "".join(self.cleaned_data["postal_code"].split())
        if len(value) != 5 or not value.isascii() or not value.isdigit():
            raise forms.ValidationError(_("El código postal tiene cinco cifras. Por ejemplo, 47001."))
        if not is_valid_postal_code(value):
            raise forms.ValidationError(_("Escriba un código postal de Castilla y León: empieza por 05, 09, 24, "
                                          "34, 37, 40, 42, 47 o 49."))
        return value

    def clean(self) -> Data:
        cleaned = super().clean()
        postal_code = cleaned.get("postal_code")
        if postal_code and not cleaned.get("office") and office_for_postal_code(postal_code) is None:
            self.add_error("office", _("No encontramos una oficina para ese código postal. Elija una oficina "
                                       "de la lista."))
        return cleaned

    def to_draft(self) -> Data:
        values = dict(self.cleaned_data)
        values["office"] = int(values["office"]) if values["office"] else None
        return values

    @classmethod
    def from_draft(cls, values: Mapping[str, Any]) -> Data:
        data = super().from_draft(values)
        data["office"] = str(values.get("office") or "")
        return data


class NationalityForm(StepForm):
    nationality = forms.ChoiceField(
        label=_("Nacionalidad"), initial="ES",
        error_messages={"required": _("Elija su nacionalidad."),
                        "invalid_choice": _("Elija su nacionalidad de la lista.")},
    )
    work_authorisation = forms.CharField(
        label=_("Autorización de residencia y trabajo"), max_length=100, required=False,
        help_text=_("Solo si no tiene la nacionalidad de un país de la Unión Europea, del Espacio Económico "
                    "Europeo o Suiza. Escriba el tipo y el número que figuran en su tarjeta (TIE)."),
    )
    work_authorisation_expires = forms.DateField(
        label=_("Válida hasta"), required=False, input_formats=DATE_FORMATS,
        help_text=_("Día, mes y año. Por ejemplo, 31/12/2027."),
        error_messages={"invalid": _("Escriba una fecha que exista, con día, mes y año. Por ejemplo, 31/12/2027.")},
        widget=forms.DateInput(format="%d/%m/%Y"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = countries()

    def clean(self) -> Data:
        cleaned = super().clean()
        nationality = cleaned.get("nationality")
        if nationality in FREE_MOVEMENT_COUNTRIES:
            cleaned["work_authorisation"], cleaned["work_authorisation_expires"] = "", None
        elif nationality and not cleaned.get("work_authorisation", "").strip():
            self.add_error("work_authorisation", _(
                "Si no tiene la nacionalidad de un país de la Unión Europea, del Espacio Económico Europeo o "
                "Suiza, escriba su autorización de residencia y trabajo."))
        return cleaned

    def to_draft(self) -> Data:
        values = dict(self.cleaned_data)
        expires = values.get("work_authorisation_expires")
        values["work_authorisation_expires"] = expires.isoformat() if expires else None
        return values

    @classmethod
    def from_draft(cls, values: Mapping[str, Any]) -> Data:
        data = super().from_draft(values)
        if values.get("work_authorisation_expires"):
            year, month, day = str(values["work_authorisation_expires"]).split("-")
            data["work_authorisation_expires"] = f"{day}/{month}/{year}"
        return data


class EducationForm(StepForm):
    education_level = forms.ChoiceField(
        label=_("¿Cuál es el nivel de estudios más alto que ha terminado?"), choices=EducationLevel.choices,
        widget=forms.RadioSelect, error_messages={"required": _("Elija su nivel de estudios.")},
    )


class OccupationsForm(StepForm):
    """Experience, languages and driving licences. The occupations sought are added and removed one at a
    time from the search (they are already in the draft): `occupation_codes` gives them to the form."""

    occupations = forms.Field(label=_("Ocupaciones que busca"), required=False, widget=forms.HiddenInput)
    driving_licences = forms.MultipleChoiceField(
        label=_("Permisos de conducir"), choices=DrivingLicence.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Marque los que tenga en vigor."),
    )

    def __init__(self, *args: Any, occupation_codes: Sequence[str] = (), **kwargs: Any) -> None:
        self.occupation_codes = list(occupation_codes)
        chosen = [(o.code, f"{o.code} {o.name}") for o in Occupation.objects.filter(code__in=self.occupation_codes)]
        super().__init__(*args, **kwargs)
        months_label = _("Meses trabajados")
        for row in range(1, EXPERIENCE_ROWS + 1):
            self.fields[f"experience_{row}_occupation"] = forms.ChoiceField(
                label=_("Ocupación"), required=False, choices=[("", _("— Elija una de sus ocupaciones —")), *chosen],
                error_messages={"invalid_choice": _("Elija una de las ocupaciones que busca.")})
            self.fields[f"experience_{row}_months"] = forms.IntegerField(
                label=months_label, required=False, min_value=1, max_value=600,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"invalid": _("Escriba los meses en cifras. Por ejemplo, 18."),
                                "min_value": _("Escriba al menos 1 mes."),
                                "max_value": _("Escriba como mucho 600 meses.")})
            self.fields[f"experience_{row}_employer"] = forms.CharField(
                label=_("Empresa"), required=False, max_length=200)
        for row in range(1, LANGUAGE_ROWS + 1):
            self.fields[f"language_{row}_language"] = forms.CharField(
                label=_("Idioma"), required=False, max_length=50,
                help_text=_("Por ejemplo, inglés.") if row == 1 else "")
            self.fields[f"language_{row}_level"] = forms.ChoiceField(
                label=_("Nivel"), required=False, choices=[("", "—"), *LanguageLevel.choices],
                help_text=_("A1 y A2: básico; B1 y B2: intermedio; C1 y C2: avanzado.") if row == 1 else "")
        self.fields["driving_licences"] = self.fields.pop("driving_licences")  # last, as on the page
        self._describe_fields()

    def experience_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"experience_{row}_{part}"] for part in ("occupation", "months", "employer")]
                for row in range(1, EXPERIENCE_ROWS + 1)]

    def language_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"language_{row}_{part}"] for part in ("language", "level")]
                for row in range(1, LANGUAGE_ROWS + 1)]

    def clean_occupations(self) -> list[str]:
        if not MIN_OCCUPATIONS <= len(self.occupation_codes) <= MAX_OCCUPATIONS:
            raise forms.ValidationError(_("Elija entre %(min)d y %(max)d ocupaciones.")
                                        % {"min": MIN_OCCUPATIONS, "max": MAX_OCCUPATIONS})
        return self.occupation_codes

    def clean(self) -> Data:
        cleaned = super().clean()
        experience = []
        for row in range(1, EXPERIENCE_ROWS + 1):
            occupation, months, employer = (cleaned.get(f"experience_{row}_{part}")
                                            for part in ("occupation", "months", "employer"))
            if not (occupation or months or employer or self.has_error(f"experience_{row}_months")):
                continue
            if not occupation and not self.has_error(f"experience_{row}_occupation"):
                self.add_error(f"experience_{row}_occupation", _("Elija la ocupación de esta experiencia."))
            if months is None and not self.has_error(f"experience_{row}_months"):
                self.add_error(f"experience_{row}_months", _("Escriba cuántos meses trabajó."))
            if occupation and months:
                experience.append({"occupation": occupation, "months": months, "employer": (employer or "").strip()})
        languages = []
        for row in range(1, LANGUAGE_ROWS + 1):
            language, level = (cleaned.get(f"language_{row}_{part}") for part in ("language", "level"))
            language = (language or "").strip()
            if not (language or level):
                continue
            if not language:
                self.add_error(f"language_{row}_language", _("Escriba el idioma."))
            if not level:
                self.add_error(f"language_{row}_level", _("Elija su nivel en este idioma."))
            if language and level:
                languages.append({"language": language, "level": level})
        cleaned["experience"], cleaned["languages"] = experience, languages
        return cleaned

    def to_draft(self) -> Data:
        return {"occupation_codes": self.occupation_codes, "experience": self.cleaned_data["experience"],
                "languages": self.cleaned_data["languages"],
                "driving_licences": list(self.cleaned_data["driving_licences"])}

    @classmethod
    def from_draft(cls, values: Mapping[str, Any]) -> Data:
        data: Data = {"driving_licences": list(values.get("driving_licences", []))}
        for row, item in enumerate(values.get("experience", [])[:EXPERIENCE_ROWS], start=1):
            data.update({f"experience_{row}_occupation": item.get("occupation", ""),
                         f"experience_{row}_months": str(item.get("months", "")),
                         f"experience_{row}_employer": item.get("employer", "")})
        for row, item in enumerate(values.get("languages", [])[:LANGUAGE_ROWS], start=1):
            data.update({f"language_{row}_language": item.get("language", ""),
                         f"language_{row}_level": item.get("level", "")})
        return data


class AvailabilityForm(StepForm):
    category = forms.ChoiceField(
        label=_("¿Cuál es su situación laboral?"), choices=DemandCategory.choices, widget=forms.RadioSelect,
        initial=DemandCategory.UNEMPLOYED, error_messages={"required": _("Elija su situación laboral.")},
    )
    working_time = forms.ChoiceField(
        label=_("¿Qué jornada busca?"), choices=WorkingTime.choices, widget=forms.RadioSelect,
        initial=WorkingTime.ANY, error_messages={"required": _("Elija la jornada que busca.")},
    )
    shifts = forms.MultipleChoiceField(
        label=_("¿En qué turnos puede trabajar?"), choices=Shift.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Marque todos los que le vengan bien."),
    )
    travel_distance_km = forms.IntegerField(
        label=_("¿Hasta cuántos kilómetros puede desplazarse para trabajar?"), min_value=0, max_value=1000,
        initial=30, help_text=_("Desde su domicilio. Por ejemplo, 30."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Escriba cuántos kilómetros puede desplazarse."),
                        "invalid": _("Escriba los kilómetros en cifras. Por ejemplo, 30."),
                        "min_value": _("Escriba 0 o más kilómetros."),
                        "max_value": _("Escriba como mucho 1000 kilómetros.")},
    )
    disability_consent = forms.BooleanField(
        label=_("Doy mi consentimiento expreso para que el Ecyl trate mis datos de discapacidad para ofrecerme "
                "empleos y apoyos adaptados."), required=False,
    )
    disability_degree = forms.IntegerField(
        label=_("Grado de discapacidad reconocido (%)"), required=False, min_value=1, max_value=100,
        help_text=_("Solo si tiene reconocida una discapacidad y quiere que la tengamos en cuenta."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Escriba el grado en cifras, de 1 a 100."),
                        "min_value": _("Escriba un grado de 1 a 100."),
                        "max_value": _("Escriba un grado de 1 a 100.")},
    )

    def clean(self) -> Data:
        cleaned = super().clean()
        if cleaned.get("disability_degree") is not None and not cleaned.get("disability_consent"):
            self.add_error("disability_consent", _(
                "Para guardar su grado de discapacidad necesitamos su consentimiento: marque la casilla, o deje "
                "el grado en blanco."))
        return cleaned

    def to_draft(self) -> Data:
        values = dict(self.cleaned_data)
        values["shifts"] = list(values["shifts"])
        return values

    @classmethod
    def from_draft(cls, values: Mapping[str, Any]) -> Data:
        data = super().from_draft(values)
        if not values.get("disability_consent"):
            data.pop("disability_consent", None)  # an unticked box is absent from form data
        return data


FORMS: dict[str, type[StepForm]] = {
    "personal": PersonalForm,
    "address": AddressForm,
    "nationality": NationalityForm,
    "education": EducationForm,
    "occupations": OccupationsForm,
    "availability": AvailabilityForm,
}
