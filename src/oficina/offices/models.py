from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from oficina.offices.postal_codes import validate_postal_code, validate_postal_codes_served


class Province(models.Model):
    """One of the nine provinces of Castilla y León; `code` is the INE code, also the postal prefix."""

    code = models.CharField(_("código INE"), max_length=2, unique=True)
    name = models.CharField(_("nombre"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provincia")
        verbose_name_plural = _("provincias")

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    """An employment office. Loaded from a CSV (`manage.py load_offices`) and editable in the admin."""

    code = models.CharField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="offices", verbose_name=_("provincia"))
    municipality = models.CharField(_("municipio"), max_length=120)
    address = models.CharField(_("dirección"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("código postal"), max_length=5, blank=True, validators=[validate_postal_code]
    )
    phone = models.CharField(_("teléfono"), max_length=20, blank=True)
    opening_hours = models.CharField(_("horario de atención"), max_length=200, blank=True)
    postal_codes_served = models.TextField(
        _("códigos postales atendidos"),
        blank=True,
        help_text=_("Separados por espacios. Un código de 5 cifras, o un prefijo terminado en * (p. ej. 47*)."),
        validators=[validate_postal_codes_served],
    )
    is_active = models.BooleanField(_("activa"), default=True)

    class Meta:
        ordering = ["province__name", "name"]
        verbose_name = _("oficina")
        verbose_name_plural = _("oficinas")

    def __str__(self) -> str:
        return f"{self.name} ({self.province.name})" if self.name != self.province.name else self.name


class LocalHoliday(models.Model):
    """A local holiday that closes one office (or every office of a province when `office` is empty)."""

    date = models.DateField(_("fecha"))
    name = models.CharField(_("festividad"), max_length=120)
    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="local_holidays", verbose_name=_("provincia")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="local_holidays",
        verbose_name=_("oficina"),
        help_text=_("Vacío: festivo para todas las oficinas de la provincia."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("festivo local")
        verbose_name_plural = _("festivos locales")
        constraints = [
            models.UniqueConstraint(fields=["date", "province", "office"], name="unique_local_holiday"),
            # The constraint above never fires for province-wide holidays: NULL offices are all distinct.
            models.UniqueConstraint(
                fields=["date", "province"],
                condition=models.Q(office__isnull=True),
                name="unique_province_holiday",
                violation_error_message=_("Ya hay un festivo para toda la provincia en esa fecha."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

    def clean(self) -> None:
        if self.office_id is not None and self.province_id is not None:
            if self.office.province_id != self.province_id:
                raise ValidationError(
                    {"office": _("La oficina no pertenece a la provincia elegida.")}, code="office_province"
                )
