"""Forms of the appointments pages. Choices travel in the query string until the confirmation, which
is a POST with the chosen time (an ISO instant in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.es import dni, nie

from oficina.appointments.models import Appointment


class TimeField(forms.CharField):
    """An aware ISO 8601 instant, returned in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace(" ", "+"))
        except ValueError:
            raise forms.ValidationError(_("Elija una hora de la lista.")) from None
        if parsed.tzinfo is None:
            raise forms.ValidationError(_("Elija una hora de la lista."))
        return parsed.astimezone(UTC)


class ConfirmForm(forms.Form):
    time = TimeField(widget=forms.HiddenInput)


class CitizenSearchForm(forms.Form):
    document_number = forms.CharField(label=_("DNI o NIE del ciudadano/a"), max_length=12)

    def clean_document_number(self) -> str:
        value = self.cleaned_data["document_number"].replace(" ", "").replace("-", "").upper()
        if not (dni.is_valid(value) or nie.is_valid(value)):
            raise forms.ValidationError(_("Escriba un DNI o NIE válido."))
        return value


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("attended", _("Atendida")), ("no_show", _("No se presentó"))])
    note = forms.CharField(label=_("Nota (opcional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)


def mode_label(mode: str) -> str:
    return Appointment.Mode(mode).label
