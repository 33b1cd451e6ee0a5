"""Settings for the test suite: base settings, plus what tests need to run on plain HTTP."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "var", "test"))

from .base import *  # noqa: E402,F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run at once in tests unless a test drives the database worker itself.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"] = ["'self'", "ws:", "wss:"]  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: the live server's threads write while the
    # test thread reads, and shared-cache SQLite fails at once ("database table is locked") where a
    # file database waits (OPTIONS timeout, WAL). One file per test process, so that test runs in
    # parallel (and pytest-xdist workers, which pytest-django suffixes) never share it; Django deletes
    # it at the end of the run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-database-{os.getpid()}.sqlite3")}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns on every request otherwise)
