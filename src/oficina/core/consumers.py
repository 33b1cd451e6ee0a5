"""A WebSocket that tells the service's official time and echoes through the channel layer.

Pages use it to keep the official clock current; it also proves, end to end, that WebSocket routing and
the channel layer work (the same path a live session takes).
"""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone


class ServiceClockConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()
        await self.send_json(self._now())

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or content.get("type") != "clock.ping":
            await self.send_json({"type": "error", "code": "unknown_message"})
            return
        # Through the layer and back, so a broken layer shows here rather than in a live session.
        await self.channel_layer.send(self.channel_name, {"type": "clock.tick"})

    async def clock_tick(self, event) -> None:
        await self.send_json(self._now())

    @staticmethod
    def _now() -> dict:
        now = timezone.localtime()
        return {"type": "clock.time", "iso": now.isoformat(timespec="seconds")}
