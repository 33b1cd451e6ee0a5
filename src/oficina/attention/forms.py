"""Forms of the waiting room, the console, the session panels and the survey (all work without JavaScript)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from oficina.accounts.models import Role, User
from oficina.appointments.models import Service
from oficina.attention.models import AttentionSession, Ticket
from oficina.casefile.constants import DocType
from oficina.core.forms import DescribedFieldsMixin


def _services() -> Any:
    return Service.objects.filter(is_active=True).order_by("name")


class ChooseForm(DescribedFieldsMixin, forms.Form):
    service = forms.ModelChoiceField(label=_("Servicio"), queryset=Service.objects.none(),
                                     empty_label=_("Elija un servicio"),
                                     error_messages={"required": _("Elija un servicio."),
                                                     "invalid_choice": _("Elija un servicio de la lista.")})
    mode = forms.ChoiceField(label=_("Cómo quiere que le atiendan"), choices=Ticket.Mode.choices,
                             initial=Ticket.Mode.VIDEO,
                             help_text=_("Si su conexión es lenta, elija solo audio o solo chat."),
                             error_messages={"required": _("Elija cómo quiere que le atiendan."),
                                             "invalid_choice": _("Elija una opción de la lista.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = _services()


class AppointmentEntryForm(forms.Form):
    cita = forms.IntegerField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(label=_("Cómo quiere que le atiendan"), choices=Ticket.Mode.choices,
                             initial=Ticket.Mode.VIDEO, required=False)


class PresenceForm(DescribedFieldsMixin, forms.Form):
    services = forms.ModelMultipleChoiceField(
        label=_("Servicios que atiendo"), queryset=Service.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Si no marca ninguno, atiende todos."))
    status = forms.ChoiceField(choices=[("online", "online"), ("paused", "paused"), ("offline", "offline")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = _services()


class DocumentRequestForm(DescribedFieldsMixin, forms.Form):
    doc_type = forms.ChoiceField(label=_("Tipo de documento"), choices=DocType.choices,
                                 error_messages={"required": _("Elija el tipo de documento.")})
    title = forms.CharField(label=_("Qué documento necesita"), max_length=200,
                            help_text=_("Por ejemplo: «Certificado de empadronamiento»."),
                            error_messages={"required": _("Escriba qué documento necesita.")})


class DocumentProvideForm(DescribedFieldsMixin, forms.Form):
    file = forms.FileField(label=_("Archivo"), help_text=_("PDF, JPEG o PNG."),
                           error_messages={"required": _("Elija el archivo que quiere aportar.")})
    doc_type = forms.ChoiceField(label=_("Tipo de documento"), choices=DocType.choices)
    title = forms.CharField(label=_("Título del documento"), max_length=200,
                            error_messages={"required": _("Escriba un título para el documento.")})


class DocumentSendForm(DescribedFieldsMixin, forms.Form):
    document = forms.TypedChoiceField(label=_("Documento del expediente"), required=False, coerce=int,
                                      empty_value=None)
    file = forms.FileField(label=_("O suba un documento nuevo"), required=False,
                           help_text=_("Se guardará en el expediente de la persona, con asiento de registro."))
    doc_type = forms.ChoiceField(label=_("Tipo del documento nuevo"), choices=DocType.choices, required=False)
    title = forms.CharField(label=_("Título del documento nuevo"), max_length=200, required=False)

    def __init__(self, *args: Any, documents: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [("", _("Elija un documento"))] + [(d.pk, d.title) for d in documents]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("document") and not data.get("file"):
            raise forms.ValidationError(_("Elija un documento del expediente o suba uno nuevo."))
        if data.get("file") and not (data.get("title") or "").strip():
            self.add_error("title", _("Escriba un título para el documento nuevo."))
        return data


class TransferForm(DescribedFieldsMixin, forms.Form):
    to_service = forms.ModelChoiceField(label=_("A otro servicio"), queryset=Service.objects.none(), required=False,
                                        empty_label=_("El mismo servicio"))
    to_technician = forms.ModelChoiceField(label=_("A un compañero o compañera"), queryset=User.objects.none(),
                                           required=False, empty_label=_("Cualquiera del servicio"))
    note = forms.CharField(label=_("Motivo"), max_length=500, required=False)

    def __init__(self, *args: Any, exclude: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_service"].queryset = _services()
        colleagues = User.objects.filter(role=Role.TECHNICIAN, is_active=True).order_by("first_name", "last_name")
        if exclude is not None:
            colleagues = colleagues.exclude(pk=exclude.pk)
        self.fields["to_technician"].queryset = colleagues
        self.fields["to_technician"].label_from_instance = lambda user: user.get_full_name() or user.username

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("to_service") and not data.get("to_technician"):
            raise forms.ValidationError(_("Elija un servicio o una persona a quien derivar."))
        return data


class FinishForm(DescribedFieldsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Resultado"),
        choices=[("", _("Elija el resultado"))] + [c for c in AttentionSession.Outcome.choices
                                                   if c[0] != AttentionSession.Outcome.REFERRED],
        error_messages={"required": _("Elija el resultado de la atención.")})
    notes = forms.CharField(label=_("Notas"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Quedan en el expediente de la persona con la atención."))


class SurveyForm(DescribedFieldsMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("¿Cómo valora la atención recibida?"), coerce=int,
        choices=[("", _("Elija una valoración")), (5, _("5 — Muy buena")), (4, _("4 — Buena")),
                 (3, _("3 — Normal")), (2, _("2 — Mala")), (1, _("1 — Muy mala"))],
        error_messages={"required": _("Elija una valoración del 1 al 5.")})
    comment = forms.CharField(label=_("Comentario"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))
