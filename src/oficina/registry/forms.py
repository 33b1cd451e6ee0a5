from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from oficina.core.forms import DescribedFieldsMixin
from oficina.core.pdf.csv_codes import normalize_csv

UNKNOWN_CSV = _(
    "No encontramos ningún documento con este código. Compruebe que lo ha escrito tal como aparece al pie "
    "del documento."
)


class CsvLookupForm(DescribedFieldsMixin, forms.Form):
    csv = forms.CharField(
        label=_("Código Seguro de Verificación (CSV)"),
        help_text=_("Figura al pie de cada página del documento. Son 18 letras y cifras; puede escribirlo con o sin guiones."),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Escriba el código del documento.")},
    )

    def clean_csv(self) -> str:
        return normalize_csv(self.cleaned_data["csv"])


class PdfCheckForm(DescribedFieldsMixin, forms.Form):
    document = forms.FileField(
        label=_("Documento PDF"),
        help_text=_("Un PDF firmado o sellado electrónicamente."),  # the size limit is added per instance
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": _("Elija el fichero PDF que quiere comprobar.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].help_text = _("Un PDF firmado o sellado electrónicamente, de hasta %(size)s.") % {
            "size": filesizeformat(settings.VERIFY_MAX_UPLOAD_BYTES)}
        self._describe_fields()

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > settings.VERIFY_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("El fichero ocupa %(size)s: el máximo es %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(settings.VERIFY_MAX_UPLOAD_BYTES)}
            )
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" not in head:
            raise forms.ValidationError(_("El fichero no es un documento PDF."))
        return upload
