from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Ciudadano/a")
    TECHNICIAN = "technician", _("Técnico/a")
    SUPERVISOR = "supervisor", _("Supervisor/a")
    ADMINISTRATOR = "administrator", _("Administrador/a")


class User(AbstractUser):
    """Everyone who signs in. Citizens sign in with their DNI/NIE, which is also their `username`
    (stored normalised: uppercase, no separators); staff have an ordinary username.
    `first_name` holds the name and `last_name` the surnames.
    """

    role = models.CharField(_("perfil"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    document_number = models.CharField(
        _("DNI/NIE"), max_length=9, unique=True, null=True, blank=True,
        help_text=_("Normalizado: sin espacios ni guiones, letra en mayúscula."),
    )
    date_of_birth = models.DateField(_("fecha de nacimiento"), null=True, blank=True)
    phone = models.CharField(_("teléfono móvil"), max_length=20, blank=True)
    postal_code = models.CharField(_("código postal"), max_length=5, blank=True)
    email_confirmed_at = models.DateTimeField(_("email confirmado el"), null=True, blank=True)
    office = models.ForeignKey(
        "offices.Office", on_delete=models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("oficina"),
        help_text=_("Técnicos y supervisores de oficina: su oficina. Ciudadanos: su oficina de referencia."),
    )
    supervised_province = models.ForeignKey(
        "offices.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="supervisors",
        verbose_name=_("provincia supervisada"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="citizen") | models.Q(document_number__isnull=False),
                name="citizen_has_document_number",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="technician") | models.Q(office__isnull=False),
                name="technician_has_office",
            ),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.get_username()

    @property
    def is_citizen(self) -> bool:
        return self.role == Role.CITIZEN

    @property
    def is_staff_member(self) -> bool:
        """Technicians, supervisors and administrators: they sign in with username + password + TOTP."""
        return self.role in {Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR}


class OneTimeCode(models.Model):
    """A short numeric code sent by email or SMS: to confirm an email address or as a sign-in factor.

    Only a hash of the code is kept. A code expires (ONE_TIME_CODE_VALIDITY_SECONDS, 10 minutes) and
    allows ONE_TIME_CODE_MAX_ATTEMPTS tries (5); issuing a new code for the same purpose voids the old one.
    """

    class Purpose(models.TextChoices):
        CONFIRM_EMAIL = "confirm_email", _("confirmar el correo electrónico")
        SIGN_IN = "sign_in", _("iniciar sesión")

    class Channel(models.TextChoices):
        EMAIL = "email", _("correo electrónico")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
