"""The session chat: stored before delivery, numbered per session, resynced by number, idempotent per
client id; refused when empty, too long, from a stranger or after the session ended."""

from __future__ import annotations

import pytest

from oficina.accounts.tests.conftest import make_citizen
from oficina.attention import chat
from oficina.attention.models import AttentionSession, ChatMessage

from .session_fixtures import make_live_session

pytestmark = pytest.mark.django_db


def test_messages_are_numbered_per_session_and_the_counter_is_kept_on_the_session():
    session = make_live_session()
    other = make_live_session()
    first = chat.chat_message_post(session=session, sender=session.citizen, body="Hola", client_id="a1")
    second = chat.chat_message_post(session=session, sender=session.technician, body="Buenos días", client_id="b1")
    elsewhere = chat.chat_message_post(session=other, sender=other.citizen, body="Hola", client_id="a1")
    assert (first.seq, second.seq, elsewhere.seq) == (1, 2, 1)
    assert AttentionSession.objects.get(pk=session.pk).last_seq == 2
    assert list(ChatMessage.objects.filter(session=session).values_list("seq", "body")) == [
        (1, "Hola"), (2, "Buenos días")]


def test_the_message_is_stored_before_it_is_delivered(django_capture_on_commit_callbacks):
    session = make_live_session()
    with django_capture_on_commit_callbacks() as callbacks:
        message = chat.chat_message_post(session=session, sender=session.citizen, body="¿Me oye?", client_id="c1")
        # Inside the transaction the row exists; the delivery waits for the commit.
        assert ChatMessage.objects.filter(pk=message.pk, seq=1).exists()
    assert len(callbacks) == 1


def test_a_resent_message_with_the_same_client_id_is_stored_once():
    session = make_live_session()
    first = chat.chat_message_post(session=session, sender=session.citizen, body="Mi DNI caducó", client_id="x-1")
    again = chat.chat_message_post(session=session, sender=session.citizen, body="Mi DNI caducó", client_id="x-1")
    assert again.pk == first.pk and again.seq == 1
    assert ChatMessage.objects.filter(session=session).count() == 1
    assert AttentionSession.objects.get(pk=session.pk).last_seq == 1
    # The same id from the other participant is another message (ids are per sender).
    theirs = chat.chat_message_post(session=session, sender=session.technician, body="Vale", client_id="x-1")
    assert theirs.seq == 2


def test_resync_returns_only_what_came_after_the_last_number_seen():
    session = make_live_session()
    for number in range(1, 6):
        chat.chat_message_post(session=session, sender=session.citizen, body=f"m{number}", client_id=f"id{number}")
    assert [m.body for m in chat.chat_messages_after(session=session, after=3)] == ["m4", "m5"]
    assert [m.seq for m in chat.chat_messages_after(session=session, after=0, limit=2)] == [1, 2]
    assert chat.chat_messages_after(session=session, after=5) == []
    assert len(chat.chat_messages_after(session=session, after=-7)) == 5


def test_the_payload_follows_the_contract():
    session = make_live_session()
    message = chat.chat_message_post(session=session, sender=session.technician, body="  Le escucho \r\nbien ",
                                     client_id="k9")
    payload = chat.chat_message_payload(message, session)
    assert payload == {
        "type": "chat.message", "seq": 1, "kind": "text", "sender": "technician",
        "sender_name": session.technician.first_name, "body": "Le escucho \nbien",
        "at": message.created_at.isoformat(), "client_id": "k9",
    }
    notice = chat.chat_system_message_post(session=session, body="La técnica ha pedido un documento.")
    assert chat.chat_message_payload(notice, session)["sender"] == "system" and notice.seq == 2


@pytest.mark.parametrize("body, code", [
    ("", "empty"), ("   \n ", "empty"), (None, "empty"), ("x" * 2001, "too_long"),
])
def test_empty_or_too_long_messages_are_refused(body, code):
    session = make_live_session()
    with pytest.raises(chat.ChatRefused) as refused:
        chat.chat_message_post(session=session, sender=session.citizen, body=body, client_id="z")
    assert refused.value.code == code and refused.value.field == "body"
    assert not ChatMessage.objects.exists()
    assert AttentionSession.objects.get(pk=session.pk).last_seq == 0


def test_two_thousand_characters_are_accepted():
    session = make_live_session()
    assert len(chat.chat_message_post(session=session, sender=session.citizen, body="x" * 2000,
                                      client_id=None).body) == 2000


def test_a_stranger_cannot_post_into_a_session():
    session = make_live_session()
    stranger = make_citizen(document_number="87654321X", email="otra@example.org")
    with pytest.raises(chat.ChatRefused) as refused:
        chat.chat_message_post(session=session, sender=stranger, body="Hola", client_id="s1")
    assert refused.value.code == "not_participant"
    assert not ChatMessage.objects.exists()


def test_nothing_can_be_posted_once_the_session_ended():
    session = make_live_session(ended=True)
    with pytest.raises(chat.ChatRefused) as refused:
        chat.chat_message_post(session=session, sender=session.citizen, body="¿Sigue ahí?", client_id="e1")
    assert refused.value.code == "session_ended"
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize("client_id", ["", "with space", "ü" * 3, "x" * 65, 12])
def test_malformed_client_ids_are_refused(client_id):
    session = make_live_session()
    with pytest.raises(chat.ChatRefused) as refused:
        chat.chat_message_post(session=session, sender=session.citizen, body="Hola", client_id=client_id)
    assert refused.value.code == "bad_client_id"
