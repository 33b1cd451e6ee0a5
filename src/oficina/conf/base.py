"""Settings for Oficina Virtual, read from the environment only.

Defaults are the safe production ones (DEBUG off, secure cookies) except where the single-process
development setup (`make run`) needs something else; the Makefile passes those explicitly.
See README.md, "Configuration", for every variable.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]  # repository root
SRC_DIR = BASE_DIR / "src" / "oficina"
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "oficina.core",
    "oficina.offices",
    "oficina.accounts",
    "oficina.registry",
    "oficina.casefile",
    "oficina.appointments",
    "oficina.demand",
    "oficina.attention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "oficina.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "oficina.core.middleware.SpanishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "oficina.accounts.middleware.SessionTimeoutMiddleware",  # after messages: it tells people why they left
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "oficina.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oficina.conf.urls"
ASGI_APPLICATION = "oficina.conf.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "OPTIONS": {
            # Compiled once per language, constant tags folded to text (core/template_loader.py).
            "loaders": [("oficina.core.template_loader.ConstantFoldingLoader", [
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ])],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "oficina.core.context_processors.official_time",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'oficina.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers never read the same
    # "last" row (audit chain, numbering) before either writes; WAL lets readers go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_int("DATABASE_POOL_MAX_SIZE", 20):
    # Under ASGI every concurrent request runs its sync part in its own thread, hence its own connection:
    # 200 simultaneous bookings exhausted PostgreSQL's 100 connections. A psycopg pool caps them and
    # makes the rest wait their turn (see bench/booking.py).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20),
        "timeout": env_int("DATABASE_POOL_TIMEOUT_SECONDS", 30),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# HTTP requests run on this many long-lived threads per server process (core/asgi_handler.py); the rest
# wait their turn. Keep it below the database pool's size: each thread holds a connection per request.
HTTP_THREADS = env_int("HTTP_THREADS", 4)

# --- Real time ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# "core" (default): channels_redis's RedisChannelLayer; "pubsub": RedisPubSubChannelLayer (one Redis
# publish per group message, fanned out in each process; no group state left in Redis). With 1,000
# waiting-room sockets the core layer lost a few group messages and left stale group members after mass
# reconnects, pub/sub none (bench/waiting_room.py runs on pub/sub); but the session consumer's tests see
# events in another order on pub/sub, so it is not the default until that is understood. Lost
# waiting-room updates heal on the next update or ping; chat resyncs by sequence number.
CHANNEL_LAYER_KIND = os.environ.get("CHANNEL_LAYER_KIND", "core")
if REDIS_URL and CHANNEL_LAYER_KIND == "pubsub":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL]}}}
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # The default pool (100) fails when hundreds of clients connect at once; see TOOLING.md.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000),
                        # Longer than the layer's 5 s blocking receive (BZPOPMIN): redis-py 8 reads with
                        # a 5 s timeout by default, and a receive that times out ends its consumer (its
                        # socket closes, its group memberships are left behind).
                        "socket_timeout": 15,
                    }
                ],
                "capacity": 1500,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Accounts and authentication ----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "oficina.accounts.backends.PasswordBackend",  # ModelBackend, with a cheaper per-request user lookup
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "core:home"

# Identification methods offered to citizens, in order (see accounts/identification/).
IDENTIFICATION_METHODS = env_list("IDENTIFICATION_METHODS", "password_otp")
ONE_TIME_CODE_VALIDITY_SECONDS = env_int("ONE_TIME_CODE_VALIDITY_SECONDS", 600)
ONE_TIME_CODE_MAX_ATTEMPTS = env_int("ONE_TIME_CODE_MAX_ATTEMPTS", 5)
SMS_BACKEND = os.environ.get("SMS_BACKEND", "")  # empty: codes go by email only
OTP_TOTP_ISSUER = "Oficina Virtual"

# Sessions: idle and absolute limits, enforced by accounts.middleware.SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT_SECONDS = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 15 * 60)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = env_int("SESSION_ABSOLUTE_TIMEOUT_SECONDS", 8 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Every request reads its session. With a shared cache (Redis) sessions are read from it and written
# through to the database ("cached_db"): one query less per request, and nothing lost if Redis is
# flushed. Never with the per-process memory cache: a session ended (sign-out, timeout, key rotation) in
# one worker would stay valid in another worker's copy.
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db" if REDIS_URL
                  else "django.contrib.sessions.backends.db")

# django-axes: lock the account name (not the IP: many villagers share one) after N failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None
AXES_VERBOSE = False

# --- Mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Oficina Virtual <no-responder@localhost>")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: documents go through permission-checked views
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", ""),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            "region_name": os.environ.get("S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Uploads ------------------------------------------------------------------------------------
# Citizens' documents (casefile app). Every upload is streamed to a temporary file (never whole in
# memory), hashed while it arrives, checked by content and, when CLAMD_SOCKET is set, scanned by ClamAV.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# ClamAV daemon: a unix socket path ("/run/clamav/clamd.ctl") or "host:port". Empty: no scan.
# When set and clamd does not answer, uploads are refused (fail closed).
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 30)
# NTI document identifiers are ES_<body>_<YYYY>_<id>. "ECYL" is a placeholder: replace it with the
# organisation's DIR3 code before going live (documents keep the identifier they were given).
NTI_BODY_CODE = os.environ.get("NTI_BODY_CODE", "ECYL")
# No upload is kept in memory anywhere (admin included); Django's ASGI handler also spools request
# bodies to disk above FILE_UPLOAD_MAX_MEMORY_SIZE.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# --- End of uploads -----------------------------------------------------------------------------

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Madrid"  # the service's official time (Ley 39/2015 art. 31.2)

# --- Security -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF, "ws:", "wss:"] if DEBUG else [SELF, "wss:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Service ------------------------------------------------------------------------------------
SERVICE_NAME = os.environ.get("SERVICE_NAME", "Oficina Virtual de Empleo")
ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Servicio Público de Empleo de Castilla y León")
OFFICES_CSV = os.environ.get("OFFICES_CSV", str(SRC_DIR / "offices" / "data" / "offices.csv"))
HOLIDAYS_SUBDIVISION = os.environ.get("HOLIDAYS_SUBDIVISION", "CL")
# Where the accessibility statement tells people to send accessibility communications (RD 1112/2018
# art. 10.2.a). Empty: the statement points to the organisation's registry instead.
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "")

# --- Appointments ---------------------------------------------------------------------------------
# Cita previa (oficina.appointments). Until how long before its start a citizen may cancel or move an
# appointment; how many days ahead slots are offered; when reminders go out; the public address of the
# site, for links in mail and calendar files (video room URL in the .ics LOCATION).
APPOINTMENT_CHANGE_NOTICE_MINUTES = env_int("APPOINTMENT_CHANGE_NOTICE_MINUTES", 120)
APPOINTMENT_BOOKING_HORIZON_DAYS = env_int("APPOINTMENT_BOOKING_HORIZON_DAYS", 30)
APPOINTMENT_REMINDER_HOURS = env_int("APPOINTMENT_REMINDER_HOURS", 24)
# A technician with an appointment with a citizen sees that citizen's file until this long after it.
APPOINTMENT_FILE_ACCESS_DAYS = env_int("APPOINTMENT_FILE_ACCESS_DAYS", 30)
APPOINTMENT_SITE_URL = os.environ.get("APPOINTMENT_SITE_URL", os.environ.get("SITE_URL", "http://localhost:8000"))
# Office opening hours for offices whose "horario de atención" is empty or unreadable (appointments/
# opening_hours.py reads texts like "L-V 9:00-14:00; J 16:00-18:00"): office slots fall inside them.
APPOINTMENT_DEFAULT_OPENING_HOURS = os.environ.get("APPOINTMENT_DEFAULT_OPENING_HOURS", "L-V 9:00-14:00")
# --- End of appointments --------------------------------------------------------------------------

# --- Demand ---
# Job-seeker demand (oficina.demand): renewal every DEMAND_RENEWAL_MONTHS months, accepted from
# DEMAND_RENEWAL_WINDOW_BEFORE business days before the renewal date to DEMAND_RENEWAL_WINDOW_AFTER after
# it (the office's business calendar); a reminder email DEMAND_RENEWAL_REMINDER_DAYS days before.
DEMAND_RENEWAL_MONTHS = env_int("DEMAND_RENEWAL_MONTHS", 3)
DEMAND_RENEWAL_WINDOW_BEFORE = env_int("DEMAND_RENEWAL_WINDOW_BEFORE", 5)
DEMAND_RENEWAL_WINDOW_AFTER = env_int("DEMAND_RENEWAL_WINDOW_AFTER", 5)
DEMAND_RENEWAL_REMINDER_DAYS = env_int("DEMAND_RENEWAL_REMINDER_DAYS", 3)
# --- End of demand ---

# --- Live attention: media ---
# ICE servers handed to the browsers of a live session (oficina.attention.ice). STUN and TURN URLs are
# comma-separated (e.g. "stun:stun.example.org:3478", "turn:turn.example.org:3478?transport=udp,
# turns:turn.example.org:5349"). With ATTENTION_TURN_SECRET (coturn's `static-auth-secret`) each page gets
# time-limited TURN credentials in the coturn REST-API scheme, valid ATTENTION_TURN_TTL seconds; without
# it TURN URLs are not offered (TURN always needs credentials). Empty STUN and TURN: host candidates only
# (same machine or LAN, as in the browser tests).
ATTENTION_STUN_URLS = env_list("ATTENTION_STUN_URLS", "")
ATTENTION_TURN_URLS = env_list("ATTENTION_TURN_URLS", "")
ATTENTION_TURN_SECRET = os.environ.get("ATTENTION_TURN_SECRET", "")
ATTENTION_TURN_TTL = env_int("ATTENTION_TURN_TTL", 8 * 3600)
# --- End of live attention: media ---

# --- Live attention -----------------------------------------------------------------------------
# Waiting room and console (oficina.attention, docs/live-attention.md). At most ATTENTION_MAX_CONCURRENT
# sessions in progress at once (and never more than technicians online); the waiting room is open on
# ATTENTION_OPENING_DAYS (0 Monday … 6 Sunday) from ATTENTION_OPENS to ATTENTION_CLOSES ("24:00": midnight),
# Europe/Madrid, and closed on public holidays unless ATTENTION_OPEN_ON_HOLIDAYS. A called citizen has
# ATTENTION_ANSWER_SECONDS to answer; a citizen whose page is gone
# keeps the ticket for ATTENTION_GRACE_SECONDS. A video appointment's room opens ATTENTION_APPOINTMENT_
# EARLY_MINUTES before its time.
ATTENTION_MAX_CONCURRENT = env_int("ATTENTION_MAX_CONCURRENT", 10)
ATTENTION_GRACE_SECONDS = env_int("ATTENTION_GRACE_SECONDS", 120)
ATTENTION_ANSWER_SECONDS = env_int("ATTENTION_ANSWER_SECONDS", 60)
ATTENTION_OPENING_DAYS = [int(day) for day in env_list("ATTENTION_OPENING_DAYS", "0,1,2,3,4")]
ATTENTION_OPENS = os.environ.get("ATTENTION_OPENS", "08:00")
ATTENTION_CLOSES = os.environ.get("ATTENTION_CLOSES", "20:00")
ATTENTION_OPEN_ON_HOLIDAYS = env_bool("ATTENTION_OPEN_ON_HOLIDAYS", False)
ATTENTION_APPOINTMENT_EARLY_MINUTES = env_int("ATTENTION_APPOINTMENT_EARLY_MINUTES", 10)
# --- End of live attention ----------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"drop_conflicts": {"()": "oficina.core.logging.DropConflicts"}},
    # The level on the handler too: records of Django's own loggers (level INFO) reach the root's
    # handlers whatever the root's level is.
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "level": LOG_LEVEL}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                "django.request": {"filters": ["drop_conflicts"]}},
}

# Lockout is per account name on purpose (see AXES_LOCKOUT_PARAMETERS): a whole village can share one IP.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Registry and seal --------------------------------------------------------------------------
# The organisation's electronic seal (PAdES) on receipts and other issued documents; see core/pdf/seal.py.
# In development (DEBUG) the demo seal of `manage.py create_demo_seal` (var/seal/) is the default; in
# production SEAL_PKCS12_PATH, SEAL_PKCS12_PASSWORD and SEAL_TRUST_ROOTS must be set, or sealing fails
# with SealNotConfigured.
SEAL_DIR = VAR_DIR / "seal"
SEAL_PKCS12_PATH = os.environ.get("SEAL_PKCS12_PATH", str(SEAL_DIR / "seal.p12") if DEBUG else "")
SEAL_PKCS12_PASSWORD = os.environ.get("SEAL_PKCS12_PASSWORD", "demo-seal" if DEBUG else "")
SEAL_TRUST_ROOTS = env_list("SEAL_TRUST_ROOTS", str(SEAL_DIR / "ca.pem") if DEBUG else "")
SEAL_LOCATION = os.environ.get("SEAL_LOCATION", "Castilla y León")
TSA_URL = os.environ.get("TSA_URL", "")  # RFC 3161; empty: seals are PAdES B-B, else B-T
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10)
# The site's public address: documents print <VERIFY_BASE_URL>/verificar/ and a QR code to it.
VERIFY_BASE_URL = os.environ.get("VERIFY_BASE_URL", os.environ.get("SITE_URL", "http://localhost:8000"))
# Public verification page: lookups of a CSV and PDF checks per client IP and window (seconds).
VERIFY_LOOKUP_LIMIT = env_int("VERIFY_LOOKUP_LIMIT", 20)
VERIFY_UPLOAD_LIMIT = env_int("VERIFY_UPLOAD_LIMIT", 10)
VERIFY_WINDOW_SECONDS = env_int("VERIFY_WINDOW_SECONDS", 600)
VERIFY_MAX_UPLOAD_BYTES = env_int("VERIFY_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Rate limits count in the cache: shared through Redis when there is one, else per process.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "oficina.core.cache.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "oficina")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oficina"}}
# What each process can keep to itself: rendered fragments whose key already says everything they depend
# on (a day list by its days). A round trip to Redis for them cost more than rendering them again.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "oficina-local"}
# pyHanko logs a traceback for every untrusted or altered signature it checks: an expected answer of the
# public verification page, not an error of ours.
LOGGING["loggers"].update({"pyhanko": {"level": "ERROR"}, "pyhanko_certvalidator": {"level": "ERROR"}})
# --- End of registry and seal -------------------------------------------------------------------
