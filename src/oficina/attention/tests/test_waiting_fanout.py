"""One fan-out per process for the waiting rooms (attention/fanout.py): the service's group holds one
channel per process whatever the number of sockets, every socket gets each change once, nothing is left in
the group after many reconnections, one slow socket does not hold up the others, and with two server
processes each delivers the change to its own sockets once."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from bench.server import serve_process
from oficina.attention import fanout, services
from oficina.attention.models import Ticket

from .queue_fixtures import always_open, login_citizen, new_citizen, new_service, new_technician  # noqa: F401
from .test_redis_cross_process import _env, _post
from .test_waiting_consumers import TIMEOUT, connect, until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("always_open")]


async def layer_members(group: str) -> int:
    """How many channels the channel layer itself holds in `group` (in this process or in Redis)."""
    layer = get_channel_layer()
    module = type(layer).__module__
    if module == "channels_redis.pubsub":
        return len(layer._get_layer().groups.get(f"{layer._get_layer().prefix}__group__{group}", ()))
    if module == "channels_redis.core":
        connection = layer.connection(layer.consistent_hash(group))
        async with connection as redis:
            return await redis.zcard(layer._group_key(group))
    return len(layer.groups.get(group, {}))


def _waiting(service, count: int) -> list[tuple[Ticket, Client]]:
    """`count` citizens waiting for `service` (someone is online to attend it), each signed in."""
    new_technician(online=True)
    tickets = []
    for _n in range(count):
        citizen = new_citizen()
        tickets.append((services.ticket_take(citizen=citizen, service=service), login_citizen(Client(), citizen)))
    return tickets


@pytest.mark.asyncio
async def test_one_channel_per_process_in_the_service_group_and_none_left_after_reconnections():
    service = await sync_to_async(new_service)()
    first, *others = await sync_to_async(_waiting)(service, 4)
    group = services.service_group(service.pk)
    for _cycle in range(5):  # everybody drops and comes back, again and again
        sockets = [await connect("/ws/atencion/sala/", client) for _ticket, client in others]
        for socket in sockets:
            await until(socket, "waiting.position")
        shared = fanout.existing_shared_group(get_channel_layer(), group)
        assert len(shared.members) == len(sockets)
        assert await layer_members(group) == 1
        for socket in sockets:
            await socket.disconnect()
        assert not shared.members and shared.channel is None
        assert await layer_members(group) == 0

    # after all that, one change still reaches every socket once
    sockets = [await connect("/ws/atencion/sala/", client) for _ticket, client in others]
    assert [(await until(s, "waiting.position"))["position"] for s in sockets] == [2, 3, 4]
    await sync_to_async(services.ticket_leave)(ticket=first[0], actor=first[0].citizen)
    assert [(await until(s, "waiting.position"))["position"] for s in sockets] == [1, 2, 3]
    for socket in sockets:
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
    assert await layer_members(group) == 0


@pytest.mark.asyncio
async def test_a_removed_ticket_leaves_the_shared_group():
    service = await sync_to_async(new_service)()
    [(ticket, client)] = await sync_to_async(_waiting)(service, 1)
    technician = await sync_to_async(new_technician)(online=True)
    socket = await connect("/ws/atencion/sala/", client)
    await until(socket, "waiting.position")
    shared = fanout.existing_shared_group(get_channel_layer(), services.service_group(service.pk))
    assert len(shared.members) == 1
    for _attempt in range(2):
        await sync_to_async(services.ticket_call_next)(technician=technician)
        await until(socket, "waiting.called")
        await sync_to_async(services.ticket_missed)(ticket=ticket, actor=technician)
    await until(socket, "waiting.removed")
    assert (await socket.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
    assert not shared.members and shared.channel is None


@pytest.mark.asyncio
async def test_a_write_that_has_to_wait_does_not_hold_up_the_others():
    room_in_buffer = asyncio.Event()
    written: list[str] = []

    async def slow() -> None:
        await room_in_buffer.wait()
        written.append("slow")

    async def fast() -> None:
        written.append("fast")

    fanout.send_soon(slow())
    fanout.send_soon(fast())
    assert written == ["fast"]  # written at once, not after the slow one
    room_in_buffer.set()
    await asyncio.wait_for(_until_written(written, "slow"), TIMEOUT)


async def _until_written(written: list[str], what: str) -> None:
    while what not in written:
        await asyncio.sleep(0.01)  # polling, bounded by the caller's wait_for


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the Redis channel layer)")
@pytest.mark.parametrize("kind", ["core", "pubsub"])
def test_with_two_server_processes_each_delivers_a_change_once(tmp_path, kind):
    """Two sockets on process A, one on B; the person ahead leaves through B: each socket gets its new
    position exactly once."""
    service = new_service()
    first, *waiting = _waiting(service, 4)
    keys = [client.cookies["sessionid"].value for _ticket, client in [first, *waiting]]
    env = dict(_env(tmp_path), CHANNEL_LAYER_KIND=kind)

    with serve_process("oficina.conf.asgi:application", env) as (port_a, _a), \
            serve_process("oficina.conf.asgi:application", env) as (port_b, _b):

        async def open_socket(port: int, key: str):
            socket = await websockets.connect(f"ws://127.0.0.1:{port}/ws/atencion/sala/",
                                              origin=f"http://127.0.0.1:{port}",
                                              additional_headers={"Cookie": f"sessionid={key}"}, open_timeout=20)
            assert json.loads(await asyncio.wait_for(socket.recv(), 20))["type"] == "waiting.position"
            return socket

        async def scenario() -> list[list[int]]:
            sockets = [await open_socket(port, key) for port, key in zip((port_a, port_a, port_b), keys[1:])]
            status = await asyncio.to_thread(_post, port_b, "/atencion/sala/salir/", keys[0])
            assert status == 302, status
            received: list[list[int]] = []
            for socket in sockets:
                positions = [json.loads(await asyncio.wait_for(socket.recv(), 20))["position"]]
                try:  # anything more would be a duplicate
                    positions.append(json.loads(await asyncio.wait_for(socket.recv(), 0.5)))
                except asyncio.TimeoutError:
                    pass
                received.append(positions)
            for socket in sockets:
                await socket.close()
            return received

        assert asyncio.run(scenario()) == [[1], [2], [3]]


@pytest.mark.asyncio
async def test_an_idle_receive_on_the_redis_core_layer_does_not_fail():
    """RedisChannelLayer waits for messages with a 5 s blocking pop; redis-py 8 gives up reading after
    5 s by default, and the error ended the consumer (socket closed, its memberships left behind). A quiet
    waiting room's sockets wait longer than that (settings: socket_timeout)."""
    layer = get_channel_layer()
    if type(layer).__module__ != "channels_redis.core":
        pytest.skip("the Redis core layer only (REDIS_URL, CHANNEL_LAYER_KIND=core)")
    channel = await layer.new_channel()
    with pytest.raises(asyncio.TimeoutError):  # still waiting, not failed, after two blocking pops
        await asyncio.wait_for(layer.receive(channel), layer.brpop_timeout * 2 + 1)
    await layer.send(channel, {"type": "still.there"})
    assert (await asyncio.wait_for(layer.receive(channel), TIMEOUT))["type"] == "still.there"
