"""One group membership per server process, shared by that process's sockets (docs/live-attention.md).

Channels gives every consumer a channel of its own, so a group event reaches the 1,000 waiting rooms of one
process as 1,000 channel-layer messages, each decoded, queued, and dispatched by its own consumer task.
That bookkeeping, not the writing to the sockets, was most of the time of a queue change; and the
thousands of objects it kept alive during every burst went on to the garbage collector's oldest
generation, whose full collections (200–300 ms with 1,000 sockets) then fell in the middle of later bursts.

A `SharedGroup` joins a group once per process (per event loop) with a channel of its own and gives each
event, with the local members, to a plain function that writes to every socket in one pass (`send_soon`).
Every process with members gets each event once. Only `new_channel`, `group_add`, `group_discard` and
`receive` are used, so the in-memory layer and both Redis layers behave alike.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)

#: Group memberships expire in the channel layers (a day by default), so a process that keeps its
#: membership for long re-joins now and then.
REJOIN_SECONDS = 3600.0

Handler = Callable[[dict[str, Any], list[Any]], None]

_GROUPS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[Any, str], SharedGroup]] = (
    weakref.WeakKeyDictionary())
_BACKGROUND: set[asyncio.Task] = set()


def shared_group(layer: Any, group: str, handler: Handler) -> SharedGroup:
    """This event loop's shared membership of `group` on `layer` (made on first use)."""
    groups = _GROUPS.setdefault(asyncio.get_running_loop(), {})
    shared = groups.get((layer, group))
    if shared is None:
        shared = groups[(layer, group)] = SharedGroup(layer, group, handler)
    return shared


def existing_shared_group(layer: Any, group: str) -> SharedGroup | None:
    """This event loop's shared membership of `group`, if one was made (to look at its members)."""
    return _GROUPS.get(asyncio.get_running_loop(), {}).get((layer, group))


class SharedGroup:
    """The local members of one group and the process's single channel in it.

    The channel is in the group exactly while there are members: the first `add` joins, the last
    `discard` leaves and stops the receiving task, so nothing is left subscribed in the layer."""

    def __init__(self, layer: Any, group: str, handler: Handler) -> None:
        self.layer, self.group, self.handler = layer, group, handler
        # Weak: a socket whose consumer ended without `discard` (a failed connect, a server shutting
        # down) is not written to forever; its membership is settled at the next `add` or `discard`.
        self.members: weakref.WeakSet[Any] = weakref.WeakSet()
        self.channel: str | None = None
        self._task: asyncio.Task | None = None
        self._joined_at = 0.0
        self._rejoin: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()

    async def add(self, member: Any) -> None:
        """From now on `member` is given the group's events (once the process is in the group)."""
        self.members.add(member)
        await self._settle()

    async def discard(self, member: Any) -> None:
        if member in self.members:
            self.members.discard(member)
            await self._settle()

    async def _settle(self) -> None:
        """Be in the group while there are members and out of it when there are none; changes of
        membership are made one at a time, so a leave and a join racing each other end in the right state."""
        async with self._lock:
            if self.members and (self.channel is None or time.monotonic() - self._joined_at >= REJOIN_SECONDS):
                await self._join()
            elif not self.members and self.channel is not None:
                await self._leave()

    async def _join(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self._task = asyncio.ensure_future(self._receive(self.channel))
        await self.layer.group_add(self.group, self.channel)
        self._joined_at = time.monotonic()
        if self._rejoin is not None:
            self._rejoin.cancel()
        self._rejoin = asyncio.get_running_loop().call_later(REJOIN_SECONDS, lambda: _background(self._settle()))

    async def _leave(self) -> None:
        channel, task, self.channel, self._task = self.channel, self._task, None, None
        if self._rejoin is not None:
            self._rejoin.cancel()
            self._rejoin = None
        await self.layer.group_discard(self.group, channel)
        if task is not None:
            # The Redis pub/sub layer unsubscribes the channel when its receive is cancelled. Not waited
            # for: the core layer may take up to its 5 s blocking pop to let go, and the last socket's
            # close must not wait for that.
            task.cancel()
            _BACKGROUND.add(task)
            task.add_done_callback(_BACKGROUND.discard)

    async def _receive(self, channel: str) -> None:
        while True:
            event = await self.layer.receive(channel)
            try:
                self.handler(event, list(self.members))
            except Exception:
                logger.exception("Event for %s not delivered to this process's sockets", self.group)


def send_soon(send: Coroutine[Any, Any, Any]) -> None:
    """Run a socket write now, as far as it goes without waiting. A write to a socket with room in its
    buffer (the usual case) finishes here, with no task and nothing left for the garbage collector; a
    write that has to wait (a slow client's full buffer) is finished by a task of its own, so one slow
    socket never holds up the others. A write to a socket already gone is dropped: its consumer is
    leaving the group."""
    try:
        waiting_on = send.send(None)
    except StopIteration:
        return
    except Exception:
        logger.debug("Write to a closed socket dropped", exc_info=True)
        return
    _background(_finish(send, waiting_on))


def _background(coroutine: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.ensure_future(coroutine)
    _BACKGROUND.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(_BACKGROUND.discard)


async def _finish(send: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
    """Drive a coroutine that stopped at `waiting_on` to its end, the way an asyncio task would."""
    try:
        while True:
            try:
                if waiting_on is None:  # a bare yield (asyncio.sleep(0))
                    await asyncio.sleep(0)
                else:
                    await waiting_on
            except asyncio.CancelledError:
                raise
            except Exception:
                pass  # the coroutine takes the future's outcome itself when it resumes
            waiting_on = send.send(None)
    except StopIteration:
        return
    except asyncio.CancelledError:
        send.close()
        raise
    except Exception:
        logger.debug("Delayed write to a socket failed", exc_info=True)
