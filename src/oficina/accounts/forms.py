"""Forms of the accounts pages. They parse and check input; services do the writing.

Labels, hints and messages are Spanish and say how to put a mistake right. Every form is rendered with
`includes/form_errors.html` (summary with links) and `includes/field.html` (error next to the field).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oficina.accounts import selectors
from oficina.accounts.models import OneTimeCode, User
from oficina.accounts.validation import (
    normalise_document_number,
    normalise_mobile_phone,
    normalise_postal_code,
    validate_date_of_birth,
)
from oficina.core.forms import DescribedFieldsMixin

PASSWORD_HINT = _(
    "Al menos 8 caracteres. No puede ser solo números, ni una contraseña muy común, ni parecerse a su nombre, "
    "DNI/NIE o correo."
)
CODE_HINT = _("Son 6 cifras. Puede escribirlas con o sin espacios.")


def code_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=CODE_HINT,
        max_length=12,
        error_messages={"required": _("Escriba el código de 6 cifras.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "code-input", "spellcheck": "false"}
        ),
    )


class DocumentNumberField(forms.CharField):
    default_error_messages = {"required": _("Escriba su DNI o NIE.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("DNI o NIE"))
        kwargs.setdefault("help_text", _("Con la letra. Por ejemplo, 12345678Z o X1234567L."))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return normalise_document_number(value)


class SignUpForm(DescribedFieldsMixin, forms.Form):
    document_number = DocumentNumberField()
    first_name = forms.CharField(
        label=_("Nombre"), max_length=150,
        error_messages={"required": _("Escriba su nombre.")},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Apellidos"), max_length=150,
        error_messages={"required": _("Escriba sus apellidos.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Fecha de nacimiento"),
        help_text=_("Día, mes y año. Por ejemplo, 31/12/1970."),
        input_formats=["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"],
        error_messages={
            "required": _("Escriba su fecha de nacimiento."),
            "invalid": _("Escriba una fecha que exista, con día, mes y año. Por ejemplo, 31/12/1970."),
        },
        # A plain text box, not the browser's date picker: scrolling back decades in a picker is hard on
        # an old phone, typing 31/12/1970 is not. ISO dates (2026-01-31) are accepted too.
        widget=forms.DateInput(attrs={"autocomplete": "bday"}, format="%d/%m/%Y"),
    )
    email = forms.EmailField(
        label=_("Correo electrónico"),
        help_text=_("Le enviaremos aquí un código para confirmarlo."),
        max_length=254,
        error_messages={
            "required": _("Escriba su correo electrónico."),
            "invalid": _("Escriba un correo electrónico válido. Por ejemplo, nombre@ejemplo.es."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Teléfono móvil"),
        help_text=_("9 cifras, empieza por 6 o 7. Por ejemplo, 612 345 678."),
        max_length=20,
        error_messages={"required": _("Escriba su teléfono móvil.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel-national", "inputmode": "tel"}),
    )
    postal_code = forms.CharField(
        label=_("Código postal"),
        help_text=_("El de su domicilio. Con él le asignamos su oficina de empleo de referencia."),
        max_length=5,
        error_messages={"required": _("Escriba el código postal de su domicilio.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    password1 = forms.CharField(
        label=_("Contraseña"),
        help_text=PASSWORD_HINT,
        strip=False,
        error_messages={"required": _("Escriba una contraseña.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repita la contraseña"),
        strip=False,
        error_messages={"required": _("Vuelva a escribir la contraseña.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_privacy = forms.BooleanField(
        label=_("He leído el aviso de protección de datos y acepto que se traten mis datos para prestarme el servicio"),
        error_messages={"required": _("Para registrarse tiene que aceptar el aviso de protección de datos.")},
    )

    def clean_document_number(self) -> str:
        number = self.cleaned_data["document_number"]
        if selectors.user_document_number_taken(document_number=number):
            raise ValidationError(
                _("Ya existe una cuenta con este DNI/NIE. Si es suya, acceda o restablezca su contraseña."),
                code="document_number_taken",
            )
        return number

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        validate_date_of_birth(born)
        return born

    def clean_phone(self) -> str:
        return normalise_mobile_phone(self.cleaned_data["phone"])

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data["postal_code"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("Las dos contraseñas no coinciden. Escríbalas otra vez."))
        elif password1:
            candidate = User(
                username=cleaned.get("document_number") or "",
                document_number=cleaned.get("document_number"),
                first_name=cleaned.get("first_name") or "",
                last_name=cleaned.get("last_name") or "",
                email=cleaned.get("email") or "",
            )
            try:
                validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class CitizenSignInForm(DescribedFieldsMixin, forms.Form):
    """Step 1 of password + code. The field is called `username` so django-axes finds the account name."""

    username = DocumentNumberField()
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        error_messages={"required": _("Escriba su contraseña.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    channel = forms.ChoiceField(
        label=_("¿Dónde quiere recibir el código?"),
        choices=[
            (OneTimeCode.Channel.EMAIL, _("En mi correo electrónico")),
            (OneTimeCode.Channel.SMS, _("En mi teléfono móvil, por SMS")),
        ],
        initial=OneTimeCode.Channel.EMAIL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, offer_sms: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offer_sms:
            del self.fields["channel"]


class StaffSignInForm(DescribedFieldsMixin, forms.Form):
    username = forms.CharField(
        label=_("Usuario"),
        max_length=150,
        error_messages={"required": _("Escriba su nombre de usuario.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Contraseña"),
        strip=False,
        error_messages={"required": _("Escriba su contraseña.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OneTimeCodeForm(DescribedFieldsMixin, forms.Form):
    code = code_field(_("Código de 6 cifras"))


class TotpForm(DescribedFieldsMixin, forms.Form):
    code = code_field(_("Código de la aplicación"))


class PasswordResetRequestForm(DescribedFieldsMixin, auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("Correo electrónico"),
        help_text=_("El que dio al registrarse."),
        max_length=254,
        error_messages={
            "required": _("Escriba su correo electrónico."),
            "invalid": _("Escriba un correo electrónico válido. Por ejemplo, nombre@ejemplo.es."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


NEW_PASSWORD_MISMATCH = _("Las dos contraseñas no coinciden. Escríbalas otra vez.")


def new_password_fields() -> tuple[forms.CharField, forms.CharField]:
    return (
        forms.CharField(
            label=_("Contraseña nueva"),
            help_text=PASSWORD_HINT,
            strip=False,
            error_messages={"required": _("Escriba la contraseña nueva.")},
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
        forms.CharField(
            label=_("Repita la contraseña nueva"),
            strip=False,
            error_messages={"required": _("Vuelva a escribir la contraseña nueva.")},
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class NewPasswordForm(DescribedFieldsMixin, auth_forms.SetPasswordForm):
    error_messages = {"password_mismatch": NEW_PASSWORD_MISMATCH}
    new_password1, new_password2 = new_password_fields()


class ChangePasswordForm(DescribedFieldsMixin, auth_forms.PasswordChangeForm):
    error_messages = {
        "password_mismatch": NEW_PASSWORD_MISMATCH,
        "password_incorrect": _("La contraseña actual no es correcta."),
    }
    old_password = forms.CharField(
        label=_("Contraseña actual"),
        strip=False,
        error_messages={"required": _("Escriba su contraseña actual.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1, new_password2 = new_password_fields()
    field_order = ["old_password", "new_password1", "new_password2"]
