"""WebSocket routes of live attention (included by conf/routing.py)."""

from django.urls import path

from oficina.attention.consumers import ConsoleConsumer, WaitingRoomConsumer
from oficina.attention.session_consumer import SessionConsumer

websocket_urlpatterns = [
    path("ws/atencion/sala/", WaitingRoomConsumer.as_asgi()),
    path("ws/atencion/puesto/", ConsoleConsumer.as_asgi()),
    path("ws/atencion/sesion/<str:token>/", SessionConsumer.as_asgi()),
]
