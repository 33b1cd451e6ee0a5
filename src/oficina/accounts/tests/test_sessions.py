"""Sessions: idle and absolute timeouts, sign-out (POST only, audited), and the audit trail of a sign-in."""

from __future__ import annotations

import time

import pytest

from oficina.accounts.middleware import LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .conftest import audited, make_citizen, make_staff, make_totp_device, sign_in_citizen, sign_in_staff

pytestmark = pytest.mark.django_db


def move_session_clock(client, **keys_seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, seconds in keys_seconds_ago.items():
        session[key] = now - seconds
    session.save()


def test_idle_timeout_signs_the_citizen_out(client, mailbox, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    user = make_citizen()
    sign_in_citizen(client, mailbox, user)
    move_session_clock(client, **{LAST_ACTIVITY_KEY: 30})
    assert client.get("/cuenta/").status_code == 200  # activity within the limit keeps it alive
    move_session_clock(client, **{LAST_ACTIVITY_KEY: 61})
    response = client.get("/cuenta/")
    assert response.status_code == 302 and response["Location"] == "/cuenta/acceso/?next=/cuenta/"
    assert "_auth_user_id" not in client.session
    assert audited(AuditEvent.SESSION_EXPIRED, target=user).get().details == {"reason": "idle"}
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Su sesión ha caducado por seguridad. Vuelva a identificarse." in page


def test_absolute_timeout_ends_even_an_active_session(client, mailbox, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = 3600
    user = make_citizen()
    sign_in_citizen(client, mailbox, user)
    move_session_clock(client, **{SESSION_STARTED_KEY: 3601, LAST_ACTIVITY_KEY: 1})
    response = client.get("/cuenta/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert audited(AuditEvent.SESSION_EXPIRED, target=user).get().details == {"reason": "absolute"}


def test_staff_sessions_time_out_too(client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 60
    user = make_staff()
    sign_in_staff(client, user, make_totp_device(user))
    move_session_clock(client, **{LAST_ACTIVITY_KEY: 120})
    response = client.get("/personal/")
    assert response.status_code == 302 and response["Location"] == "/personal/acceso/?next=/personal/"


def test_sign_out_is_post_only_and_audited(client, mailbox):
    user = make_citizen()
    sign_in_citizen(client, mailbox, user)
    assert client.get("/cuenta/salir/").status_code == 405
    assert client.get("/cuenta/").status_code == 200
    response = client.post("/cuenta/salir/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert audited(AuditEvent.SIGNED_OUT, target=user).count() == 1


def test_a_citizen_sign_in_leaves_a_complete_audit_trail(client, mailbox):
    user = make_citizen()
    client.post("/cuenta/acceso/contrasena/", {"username": user.document_number, "password": "Mal-escrita-1"})
    sign_in_citizen(client, mailbox, user)
    events = list(AuditRecord.objects.order_by("id").values_list("event", "result"))
    assert events == [
        (AuditEvent.SIGN_IN_PASSWORD, "failure"),
        (AuditEvent.SIGN_IN_PASSWORD, "success"),
        (AuditEvent.ONE_TIME_CODE_ISSUED, "success"),
        (AuditEvent.ONE_TIME_CODE_SENT, "success"),
        (AuditEvent.ONE_TIME_CODE_VERIFIED, "success"),
        (AuditEvent.SIGN_IN_SECOND_FACTOR, "success"),
    ]
    last = AuditRecord.objects.order_by("id").last()
    assert (last.actor_id, last.ip) == (user.pk, "127.0.0.1")
