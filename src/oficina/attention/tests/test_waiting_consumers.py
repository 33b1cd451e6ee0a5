"""The waiting-room and console WebSockets through the real routing and session authentication:
positions move when someone ahead leaves, the call arrives, the console follows the queue and is told
when the citizen answers; strangers are turned away; nothing is sent for a rolled-back change."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.auth import AuthMiddlewareStack
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from oficina.attention import services
from oficina.attention.models import Ticket
from oficina.attention.routing import websocket_urlpatterns

from .queue_fixtures import always_open, login_citizen, login_technician, new_citizen, new_service, new_technician  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("always_open")]

TIMEOUT = 5


def application():
    return AuthMiddlewareStack(URLRouter(websocket_urlpatterns))


def cookie_for(client: Client) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
            (b"origin", b"http://testserver")]


async def connect(path: str, client: Client | None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application(), path, headers=cookie_for(client) if client else [])
    connected, _code = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def until(communicator: WebsocketCommunicator, kind: str, **expected) -> dict:
    """The next message of type `kind` matching `expected` (earlier ones of other shapes are skipped)."""
    while True:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        if message.get("type") == kind and all(message.get(k) == v for k, v in expected.items()):
            return message


@pytest.fixture
def world():
    service = new_service()
    technician = new_technician(online=True)
    return service, technician


def _take(service, citizen=None):
    return services.ticket_take(citizen=citizen or new_citizen(), service=service)


@pytest.mark.asyncio
async def test_position_moves_when_someone_ahead_leaves(world):
    service, _technician = world
    first = await sync_to_async(_take)(service)
    second_citizen = await sync_to_async(new_citizen)()
    second = await sync_to_async(_take)(service, second_citizen)
    client = await sync_to_async(login_citizen)(Client(), second_citizen)
    socket = await connect("/ws/atencion/sala/", client)
    message = await socket.receive_json_from(timeout=TIMEOUT)
    assert message == {"type": "waiting.position", "ticket": second.number, "status": "waiting", "position": 2,
                       "estimated_wait_minutes": 40}
    await sync_to_async(services.ticket_leave)(ticket=first, actor=first.citizen)
    message = await until(socket, "waiting.position")
    assert message["position"] == 1 and message["estimated_wait_minutes"] == 20
    # a ping answers with the position and refreshes last_seen_at
    before = (await Ticket.objects.aget(pk=second.pk)).last_seen_at
    await asyncio.sleep(0.01)
    await socket.send_json_to({"type": "waiting.ping"})
    assert (await until(socket, "waiting.position"))["position"] == 1
    assert (await Ticket.objects.aget(pk=second.pk)).last_seen_at > before
    await socket.send_json_to({"type": "nonsense"})
    assert (await socket.receive_json_from(timeout=TIMEOUT))["code"] == "unknown_message"
    await socket.disconnect()


@pytest.mark.asyncio
async def test_the_call_reaches_the_citizen_and_the_answer_reaches_the_console(world):
    service, technician = world
    citizen = await sync_to_async(new_citizen)()
    ticket = await sync_to_async(_take)(service, citizen)
    citizen_socket = await connect("/ws/atencion/sala/", await sync_to_async(login_citizen)(Client(), citizen))
    await until(citizen_socket, "waiting.position")
    console = await connect("/ws/atencion/puesto/", await sync_to_async(login_technician)(Client(), technician))
    snapshot = await until(console, "queue.snapshot")
    assert [t["number"] for t in snapshot["tickets"]] == [ticket.number] and snapshot["online"] == 1
    assert citizen.document_number not in repr(snapshot)

    called = await sync_to_async(services.ticket_call_next)(technician=technician)
    message = await until(citizen_socket, "waiting.called")
    assert message["ticket"] == ticket.number and message["answer_url"] == "/atencion/sala/responder/"
    deadline = timezone.datetime.fromisoformat(message["deadline"])
    assert abs((deadline - called.called_at).total_seconds() - 60) < 1

    session = await sync_to_async(services.session_start)(ticket=called, citizen=citizen)
    started = await until(console, "console.session_started")
    assert started == {"type": "console.session_started", "url": f"/atencion/sesion/{session.token}/"}
    await citizen_socket.disconnect()
    await console.disconnect()


@pytest.mark.asyncio
async def test_second_missed_call_removes_with_a_message(world):
    service, technician = world
    citizen = await sync_to_async(new_citizen)()
    ticket = await sync_to_async(_take)(service, citizen)
    socket = await connect("/ws/atencion/sala/", await sync_to_async(login_citizen)(Client(), citizen))
    await until(socket, "waiting.position")
    for _attempt in range(2):
        await sync_to_async(services.ticket_call_next)(technician=technician)
        await until(socket, "waiting.called")
        await sync_to_async(services.ticket_missed)(ticket=ticket, actor=technician)
    removed = await until(socket, "waiting.removed")
    assert "dos veces" in removed["message"]
    assert (await socket.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"


@pytest.mark.asyncio
async def test_strangers_are_turned_away(world):
    _service, technician = world
    citizen = await sync_to_async(new_citizen)()
    citizen_client = await sync_to_async(login_citizen)(Client(), citizen)
    for path, client in (("/ws/atencion/puesto/", citizen_client), ("/ws/atencion/puesto/", None),
                         ("/ws/atencion/sala/", None)):
        communicator = WebsocketCommunicator(application(), path, headers=cookie_for(client) if client else [])
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected and code == 4403, path
    # a technician whose session has not passed the TOTP step
    unverified = Client()
    await sync_to_async(unverified.force_login)(technician)
    communicator = WebsocketCommunicator(application(), "/ws/atencion/puesto/", headers=cookie_for(unverified))
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert not connected and code == 4403
    # a citizen with no ticket is told and the socket closes
    socket = await connect("/ws/atencion/sala/", citizen_client)
    assert (await socket.receive_json_from(timeout=TIMEOUT))["type"] == "waiting.removed"


@pytest.mark.asyncio
async def test_a_rolled_back_change_sends_nothing(world):
    service, _technician = world
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(services.service_group(service.pk), channel)

    def take_and_roll_back():
        with transaction.atomic():
            _take(service)
            raise RuntimeError("rolled back")

    receiving = asyncio.ensure_future(layer.receive(channel))  # not cancelled: pub/sub layers unsubscribe then
    with pytest.raises(RuntimeError):
        await sync_to_async(take_and_roll_back)()
    done, _pending = await asyncio.wait([receiving], timeout=0.3)
    assert not done
    ticket = await sync_to_async(_take)(service)
    event = await asyncio.wait_for(receiving, TIMEOUT)
    assert event["type"] == "waiting.changed" and event["order"] == f",{ticket.pk},"


def test_expire_command(world, settings):
    from django.core.management import call_command

    service, technician = world
    ticket = _take(service)
    services.ticket_call_next(technician=technician)
    Ticket.objects.filter(pk=ticket.pk).update(
        called_at=timezone.now() - timedelta(seconds=settings.ATTENTION_ANSWER_SECONDS + 5))
    call_command("expire_unanswered_calls", stdout=open("/dev/null", "w"))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING and ticket.missed_calls == 1
