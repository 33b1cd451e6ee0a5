"""Waiting-room and console WebSockets (part "queue", see docs/live-attention.md)."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class WaitingRoomConsumer(AsyncJsonWebsocketConsumer):
    pass


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    pass
