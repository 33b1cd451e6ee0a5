"""WebSocket routes of every app, gathered in one list."""

from django.urls import path

from oficina.core.consumers import ServiceClockConsumer

websocket_urlpatterns = [
    path("ws/clock/", ServiceClockConsumer.as_asgi()),
]
