"""The session page and its no-JavaScript chat form: both sides see it, nobody else; messages post and
come back; bad input keeps what was typed; an ended session sends the citizen to the survey."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from oficina.accounts.tests.conftest import make_citizen
from oficina.appointments.tests.conftest import make_technician
from oficina.attention import chat
from oficina.attention.models import ChatMessage, SatisfactionSurvey

from .session_fixtures import make_live_session, session_cookie

pytestmark = pytest.mark.django_db


def signed_in(user, *, otp: bool = True) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user, otp=otp).split("=", 1)[1]
    return client


def url(session, suffix: str = "") -> str:
    return f"/atencion/sesion/{session.token}/{suffix}"


def test_both_sides_see_the_page_with_the_chat_so_far_and_the_call_setup(settings):
    settings.ATTENTION_STUN_URLS = ["stun:stun.example.org:3478"]
    session = make_live_session()
    chat.chat_message_post(session=session, sender=session.technician, body="Buenos días <b>Ana</b>", client_id="t1")
    chat.chat_message_post(session=session, sender=session.citizen, body="Hola", client_id="c1")
    for user, own, other in ((session.citizen, "Hola", "Buenos días"), (session.technician, "Hola", "Buenos días")):
        response = signed_in(user).get(url(session))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Buenos días &lt;b&gt;Ana&lt;/b&gt;" in html  # escaped
        assert 'data-seq="1"' in html and 'data-seq="2"' in html and 'data-last-seq="2"' in html
        assert f'data-ws-path="/ws/atencion/sesion/{session.token}/"' in html
        assert 'id="remote-video"' in html and 'id="local-video"' in html
        ice = json.loads(re.search(r'<script id="ice-servers" type="application/json">(.*?)</script>', html).group(1))
        assert ice == [{"urls": ["stun:stun.example.org:3478"]}]
        assert "<script>" not in html  # no inline scripts (strict CSP)
    citizen_html = signed_in(session.citizen).get(url(session)).content.decode()
    assert 'data-role="citizen"' in citizen_html and "(personal técnico)" in citizen_html


def test_a_chat_only_session_has_no_video_area():
    session = make_live_session(mode="chat")
    html = signed_in(session.citizen).get(url(session)).content.decode()
    assert 'id="remote-video"' not in html and 'id="chat-form"' in html


def test_anyone_else_gets_404_and_anonymous_people_are_sent_to_sign_in():
    session = make_live_session()
    other = make_live_session()
    stranger = make_citizen(document_number="87654321X", email="otra@example.org")
    for client in (signed_in(stranger), signed_in(other.citizen), signed_in(other.technician),
                   signed_in(make_technician(username="ajena"))):
        assert client.get(url(session)).status_code == 404
        assert client.post(url(session, "mensaje/"), {"body": "hola"}).status_code == 404
    assert not ChatMessage.objects.exists()
    response = Client().get(url(session))
    assert response.status_code == 302 and "/cuenta/acceso/" in response["Location"]
    # A technician whose session is not TOTP-verified goes to the staff sign-in.
    response = signed_in(session.technician, otp=False).get(url(session))
    assert response.status_code == 302 and "/personal/acceso/" in response["Location"]


def test_the_no_javascript_form_posts_a_message_and_comes_back():
    session = make_live_session()
    client = signed_in(session.citizen)
    response = client.post(url(session, "mensaje/"), {"body": "  Quiero renovar la demanda  ", "client_id": "f1"})
    assert response.status_code == 302 and response["Location"] == url(session) + "#chat"
    # The same form sent twice (double click, back button) is stored once.
    client.post(url(session, "mensaje/"), {"body": "Quiero renovar la demanda", "client_id": "f1"})
    assert list(ChatMessage.objects.values_list("seq", "body")) == [(1, "Quiero renovar la demanda")]
    assert "Quiero renovar la demanda" in client.get(url(session)).content.decode()


@pytest.mark.parametrize("body, error", [
    ("", "Escriba un mensaje."),
    ("x" * 2001, "El mensaje es demasiado largo"),
])
def test_bad_input_is_answered_next_to_the_field_and_the_text_is_kept(body, error):
    session = make_live_session()
    response = signed_in(session.citizen).post(url(session, "mensaje/"), {"body": body, "client_id": "f2"})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and 'class="error-message"' in html and 'aria-describedby="id_body-error"' in html
    if body:
        assert body in html
    assert not ChatMessage.objects.exists()


def test_posting_after_the_end_is_refused_with_a_message():
    session = make_live_session()
    client = signed_in(session.technician)
    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    response = client.post(url(session, "mensaje/"), {"body": "¿Sigue ahí?", "client_id": "f3"})
    assert response.status_code == 400
    assert "La atención ha terminado" in response.content.decode()
    assert not ChatMessage.objects.exists()


def test_an_ended_session_sends_the_citizen_to_the_survey_once_and_then_shows_the_record():
    session = make_live_session(ended=True)
    client = signed_in(session.citizen)
    response = client.get(url(session))
    assert response.status_code == 302 and response["Location"] == url(session, "valorar/")
    SatisfactionSurvey.objects.create(session=session, rating=5, created_at=timezone.now())
    html = client.get(url(session)).content.decode()
    assert "La atención ha terminado" in html and "session.js" not in html and 'id="chat-form"' not in html
    technician_html = signed_in(session.technician).get(url(session)).content.decode()
    assert "La atención ha terminado" in technician_html and "/atencion/puesto/" in technician_html


def test_the_technician_attending_live_sees_the_file_until_the_session_ends_and_the_access_is_audited():
    """A technician of another office gets the citizen's file only while attending them live; opening the
    session page (whose panel shows the file) is recorded as a file access."""
    from oficina.accounts.tests.conftest import audited
    from oficina.casefile.permissions import can_view_citizen_file
    from oficina.core.audit import AuditEvent

    session = make_live_session()
    technician, citizen = session.technician, session.citizen
    assert technician.office_id != citizen.office_id
    staff = signed_in(technician)
    assert staff.get(url(session)).status_code == 200
    record = audited(AuditEvent.CITIZEN_FILE_ACCESSED, target=citizen).get()
    assert record.details["what"] == "live_session" and record.actor_id == technician.pk
    assert can_view_citizen_file(technician, citizen)
    assert staff.get(f"/expediente/ciudadanos/{citizen.pk}/").status_code == 200

    session.ended_at = timezone.now()
    session.save(update_fields=["ended_at"])
    assert not can_view_citizen_file(technician, citizen)
    assert staff.get(f"/expediente/ciudadanos/{citizen.pk}/").status_code == 404
    signed_in(citizen).get(url(session))  # the citizen's own view of their session is not a file access
    assert [r.details["what"] for r in audited(AuditEvent.CITIZEN_FILE_ACCESSED, target=citizen)
            .order_by("id")] == ["live_session", "file"]
