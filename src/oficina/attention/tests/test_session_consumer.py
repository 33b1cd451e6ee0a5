"""The session WebSocket through the real ASGI stack (origin check, auth middleware, routing): who may
connect, chat delivery and resync, signalling relayed to the other side only, presence, the end."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from oficina.accounts.tests.conftest import make_citizen
from oficina.appointments.tests.conftest import make_technician
from oficina.attention import chat
from oficina.attention.models import ChatMessage

from .session_fixtures import communicator, make_live_session, receive_until, session_cookie

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@database_sync_to_async
def _session_with_cookies(**options):
    session = make_live_session(**options)
    return session, session_cookie(session.citizen), session_cookie(session.technician)


async def _both(session, citizen_cookie, technician_cookie):
    technician = communicator(session.token, technician_cookie, instance="t1")
    assert (await technician.connect())[0]
    citizen = communicator(session.token, citizen_cookie, instance="c1")
    assert (await citizen.connect())[0]
    # Each learns the other is there: the citizen from the technician's reply, the technician from the group.
    heard_by_citizen = await receive_until(citizen, "session.peer")
    heard_by_technician = await receive_until(technician, "session.peer")
    assert heard_by_citizen == {"type": "session.peer", "role": "technician", "present": True, "instance": "t1",
                                "connection": heard_by_citizen["connection"]}
    assert heard_by_technician == {"type": "session.peer", "role": "citizen", "present": True, "instance": "c1",
                                   "connection": heard_by_technician["connection"]}
    assert len(heard_by_citizen["connection"]) == 12 and heard_by_citizen["connection"] != heard_by_technician[
        "connection"]
    return citizen, technician


async def _closed_with(socket) -> int:
    connected, _ = await socket.connect()
    assert connected  # accepted, then closed with a code the browser understands (no retry)
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return output.get("code")


async def test_chat_is_stored_numbered_and_delivered_to_both_sides():
    session, citizen_cookie, technician_cookie = await _session_with_cookies()
    citizen, technician = await _both(session, citizen_cookie, technician_cookie)
    await citizen.send_json_to({"type": "chat.send", "client_id": "c-1", "body": "Hola, ¿me ve?"})
    for side in (citizen, technician):
        message = await receive_until(side, "chat.message")
        assert (message["seq"], message["sender"], message["body"], message["client_id"]) == (
            1, "citizen", "Hola, ¿me ve?", "c-1")
    await technician.send_json_to({"type": "chat.send", "client_id": "t-1", "body": "Sí, perfectamente"})
    assert (await receive_until(citizen, "chat.message"))["seq"] == 2
    assert (await receive_until(technician, "chat.message"))["sender"] == "technician"
    stored = await database_sync_to_async(lambda: list(
        ChatMessage.objects.filter(session=session).values_list("seq", "body")))()
    assert stored == [(1, "Hola, ¿me ve?"), (2, "Sí, perfectamente")]
    await citizen.disconnect()
    left = await receive_until(technician, "session.peer")
    assert (left["present"], left["instance"]) == (False, "c1")
    await technician.disconnect()


async def test_a_late_goodbye_of_an_old_socket_names_that_socket():
    """A reconnect can arrive before the server notices that the old socket died: the "absent" that
    follows names the old connection, so the other side still counts the new one as present."""
    session, citizen_cookie, technician_cookie = await _session_with_cookies()
    technician = communicator(session.token, technician_cookie, instance="t1")
    assert (await technician.connect())[0]
    old = communicator(session.token, citizen_cookie, instance="c1")
    assert (await old.connect())[0]
    first = await receive_until(technician, "session.peer")
    new = communicator(session.token, citizen_cookie, instance="c1")
    assert (await new.connect())[0]
    second = await receive_until(technician, "session.peer")
    await old.disconnect()
    gone = await receive_until(technician, "session.peer")
    assert first["present"] and second["present"] and not gone["present"]
    assert gone["connection"] == first["connection"] != second["connection"]
    await new.disconnect()
    await technician.disconnect()


async def test_a_reconnecting_client_resyncs_from_its_last_number_and_a_resent_message_is_not_duplicated():
    session, citizen_cookie, technician_cookie = await _session_with_cookies()

    @database_sync_to_async
    def post_three():
        for number in (1, 2, 3):
            chat.chat_message_post(session=session, sender=session.technician, body=f"t{number}",
                                   client_id=f"t{number}")
    await post_three()
    citizen = communicator(session.token, citizen_cookie)
    assert (await citizen.connect())[0]
    await citizen.send_json_to({"type": "chat.sync", "after": 1})
    assert [(await receive_until(citizen, "chat.message"))["body"] for _ in range(2)] == ["t2", "t3"]
    assert await receive_until(citizen, "chat.synced") == {"type": "chat.synced", "last_seq": 3}
    # The connection dropped right after a send: the browser sends it again with the same client id.
    await citizen.send_json_to({"type": "chat.send", "client_id": "c-9", "body": "¿Y ahora?"})
    assert (await receive_until(citizen, "chat.message"))["seq"] == 4
    await citizen.send_json_to({"type": "chat.send", "client_id": "c-9", "body": "¿Y ahora?"})
    assert (await receive_until(citizen, "chat.message"))["seq"] == 4
    assert await database_sync_to_async(ChatMessage.objects.filter(session=session).count)() == 4
    await citizen.disconnect()


async def test_refused_chat_messages_answer_an_error_and_store_nothing():
    session, citizen_cookie, _ = await _session_with_cookies()
    citizen = communicator(session.token, citizen_cookie)
    assert (await citizen.connect())[0]
    await citizen.send_json_to({"type": "chat.send", "client_id": "c-1", "body": "x" * 2001})
    error = await receive_until(citizen, "error")
    assert error["code"] == "too_long" and error["client_id"] == "c-1" and "2000" in error["message"]
    await citizen.send_json_to({"type": "chat.send", "client_id": "c-2", "body": "  "})
    assert (await receive_until(citizen, "error"))["code"] == "empty"
    await citizen.send_json_to({"type": "chat.sync", "after": "many"})
    assert (await receive_until(citizen, "error"))["code"] == "bad_message"
    await citizen.send_json_to({"type": "what"})
    assert (await receive_until(citizen, "error"))["code"] == "unknown_message"
    assert not await database_sync_to_async(ChatMessage.objects.exists)()
    await citizen.disconnect()


async def test_signals_go_to_the_other_participant_only_and_are_checked():
    session, citizen_cookie, technician_cookie = await _session_with_cookies()
    citizen, technician = await _both(session, citizen_cookie, technician_cookie)
    await technician.send_json_to({"type": "signal", "data": {"kind": "offer", "sdp": SDP}})
    assert await receive_until(citizen, "signal") == {
        "type": "signal", "from": "technician", "data": {"kind": "offer", "sdp": SDP}}
    assert await technician.receive_nothing(timeout=0.3)  # not echoed to the sender
    await citizen.send_json_to({"type": "signal", "data": {"kind": "answer", "sdp": "not an sdp"}})
    assert (await receive_until(citizen, "error"))["code"] == "bad_signal"
    assert await technician.receive_nothing(timeout=0.3)  # a refused signal goes nowhere
    await citizen.send_json_to({"type": "signal", "data": {"kind": "answer", "sdp": SDP}})
    assert (await receive_until(technician, "signal"))["data"]["kind"] == "answer"
    await citizen.send_to(text_data="{" + " " * 80_000 + "}")
    assert (await receive_until(citizen, "error"))["code"] == "too_large"
    await citizen.disconnect()
    await technician.disconnect()


async def test_a_flood_of_signals_is_cut_by_the_rate_limit():
    session, citizen_cookie, technician_cookie = await _session_with_cookies()
    citizen, technician = await _both(session, citizen_cookie, technician_cookie)
    for _ in range(80):
        await citizen.send_json_to({"type": "signal", "data": {"kind": "restart"}})
    refused = relayed = 0
    while not await citizen.receive_nothing(timeout=0.5):
        refused += (await citizen.receive_json_from())["code"] == "rate_limited"
    while not await technician.receive_nothing(timeout=0.5):
        relayed += (await technician.receive_json_from())["type"] == "signal"
    assert refused >= 20 and 50 <= relayed <= 60 and refused + relayed == 80
    await citizen.disconnect()
    await technician.disconnect()


async def test_strangers_are_refused_with_4403():
    session, _, _ = await _session_with_cookies()

    @database_sync_to_async
    def outsiders():
        other_session = make_live_session()
        stranger = make_citizen(document_number="87654321X", email="otra@example.org")
        other_technician = make_technician(username="otro.tecnico")
        return {
            "anonymous": None,
            "another citizen": session_cookie(stranger),
            "the citizen of another session": session_cookie(other_session.citizen),
            "another technician": session_cookie(other_technician),
            "the technician without TOTP": session_cookie(session.technician, otp=False),
        }
    for who, cookie in (await outsiders()).items():
        socket = communicator(session.token, cookie)
        assert await _closed_with(socket) == 4403, who
    assert await _closed_with(communicator("no-such-token", None)) == 4403


async def test_a_citizen_cannot_signal_into_another_session():
    mine, my_cookie, _ = await _session_with_cookies()
    theirs, _, their_technician_cookie = await _session_with_cookies()
    technician = communicator(theirs.token, their_technician_cookie)
    assert (await technician.connect())[0]
    intruder = communicator(theirs.token, my_cookie)
    assert await _closed_with(intruder) == 4403
    assert await technician.receive_nothing(timeout=0.3)
    await technician.disconnect()


async def test_session_end_sends_the_citizen_to_the_survey_and_the_technician_to_the_console():
    session, citizen_cookie, technician_cookie = await _session_with_cookies()
    citizen, technician = await _both(session, citizen_cookie, technician_cookie)
    await get_channel_layer().group_send(chat.session_group(session.pk), {
        "type": "session.ended", "survey_url": f"/atencion/sesion/{session.token}/valorar/", "url": "/atencion/puesto/"})
    assert await receive_until(citizen, "session.ended") == {
        "type": "session.ended", "survey_url": f"/atencion/sesion/{session.token}/valorar/"}
    assert await receive_until(technician, "session.ended") == {"type": "session.ended", "url": "/atencion/puesto/"}
    await citizen.disconnect()
    await technician.disconnect()


async def test_connecting_to_an_ended_session_says_so_and_closes():
    session, citizen_cookie, _ = await _session_with_cookies(ended=True)
    citizen = communicator(session.token, citizen_cookie)
    assert (await citizen.connect())[0]
    assert await citizen.receive_json_from(timeout=5) == {
        "type": "session.ended", "survey_url": f"/atencion/sesion/{session.token}/valorar/"}
    assert (await citizen.receive_output(timeout=5))["code"] == 4410
