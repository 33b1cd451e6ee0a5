"""Fixed values of the accounts app. Tunable limits live in settings (conf/base.py); these do not change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# A new one-time code for the same purpose can be asked for once per this many seconds, so nobody can
# flood a citizen's inbox or phone (and our SMS bill) by pressing "send again".
ONE_TIME_CODE_RESEND_COOLDOWN_SECONDS = 60
ONE_TIME_CODE_DIGITS = 6

# Between the password step and the second factor a session holds a "pending sign-in" marker (it is not
# signed in yet). The marker is refused after this long: the second step must follow the first.
PENDING_SIGN_IN_MAX_AGE_SECONDS = 15 * 60

# The authentication backend that really checks passwords (axes' backend only counts failures).
# `login()` needs it named when the user object did not come from `authenticate()`.
PASSWORD_BACKEND = "oficina.accounts.backends.PasswordBackend"

MINIMUM_AGE_YEARS = 16
MAXIMUM_AGE_YEARS = 120

# Spanish postal codes start with the province number, 01 (Álava) to 52 (Melilla).
POSTAL_PROVINCE_PREFIXES = frozenset(f"{n:02d}" for n in range(1, 53))
# Castilla y León (DOMAIN.md): Ávila, Burgos, León, Palencia, Salamanca, Segovia, Soria, Valladolid, Zamora.
CASTILLA_Y_LEON_POSTAL_PREFIXES = frozenset({"05", "09", "24", "34", "37", "40", "42", "47", "49"})


class SignInArea(models.TextChoices):
    """Which door someone came through: citizens and staff never share a sign-in page."""

    CITIZEN = "citizen", _("ciudadanía")
    STAFF = "staff", _("personal")


class PendingStage(models.TextChoices):
    """What the pending (half signed-in) session still has to do."""

    CONFIRM_EMAIL = "confirm_email", _("confirmar el correo electrónico")
    ONE_TIME_CODE = "one_time_code", _("escribir el código recibido")
    TOTP = "totp", _("escribir el código de la aplicación")
    TOTP_ENROL = "totp_enrol", _("dar de alta la aplicación de códigos")


# What a citizen will be able to do; later issues turn each card into a link.
CITIZEN_SERVICES: tuple[tuple[str, str], ...] = (
    (_("Mensajes"), _("Escriba a su oficina y lea sus respuestas.")),
    (_("Notificaciones"), _("Lea las notificaciones oficiales que le enviamos.")),
    (_("Firmar documentos"), _("Firme con un código los documentos que le pidan.")),
    (_("Mis datos"), _("Vea y descargue todos los datos que tenemos sobre usted.")),
)

STAFF_SERVICES: tuple[tuple[str, str], ...] = (
    (_("Bandeja"), _("Mensajes y solicitudes pendientes.")),
    (_("Expedientes"), _("Buscar y consultar expedientes de demandantes.")),
    (_("Estadísticas"), _("Cifras de actividad de la oficina.")),
)
