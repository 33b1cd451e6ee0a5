"""Forms of the personal file. They parse input; `services.document_upload` checks the file itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from oficina.casefile.constants import FILE_FIELD, DocType
from oficina.core.forms import DescribedFieldsMixin

ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def _file_field() -> forms.FileField:
    return forms.FileField(
        label=_("Archivo"),
        help_text=_("PDF, JPEG o PNG, de hasta %(limit)s. Si es una foto, que se lea bien.")
        % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
        error_messages={
            "required": _("Elija el archivo que quiere subir."),
            "empty": _("El archivo está vacío. Elija otro archivo."),
            "invalid": _("No hemos recibido el archivo. Elíjalo otra vez."),
        },
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        allow_empty_file=False,
    )


class _UploadForm(DescribedFieldsMixin, forms.Form):
    """Errors found by the service after validation (add_error) are linked to their field too."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._describe_fields()


class DocumentUploadForm(_UploadForm):
    doc_type = forms.ChoiceField(
        label=_("Tipo de documento"),
        choices=[("", _("Elija un tipo"))] + list(DocType.choices),
        error_messages={"required": _("Elija el tipo de documento."),
                        "invalid_choice": _("Elija el tipo de documento.")},
    )
    title = forms.CharField(
        label=_("Título"),
        max_length=200,
        help_text=_("Para reconocerlo después. Por ejemplo: Título de Técnico en Cocina."),
        error_messages={"required": _("Escriba un título para el documento."),
                        "max_length": _("El título puede tener como mucho 200 caracteres.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[FILE_FIELD] = _file_field()
        self._describe_fields()


class NewVersionForm(_UploadForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[FILE_FIELD] = _file_field()
        self._describe_fields()
