"""WebSocket routes of every app, gathered in one list."""

from django.urls import path

from oficina.attention.routing import websocket_urlpatterns as attention_routes
from oficina.core.consumers import ServiceClockConsumer

websocket_urlpatterns = [
    path("ws/clock/", ServiceClockConsumer.as_asgi()),
    *attention_routes,
]
