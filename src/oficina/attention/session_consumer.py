"""The live session's WebSocket: chat and WebRTC signalling (part "session", see docs/live-attention.md)."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class SessionConsumer(AsyncJsonWebsocketConsumer):
    pass
