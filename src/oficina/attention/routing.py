"""WebSocket routes of live attention (included by conf/routing.py)."""

from django.urls import path  # noqa: F401

websocket_urlpatterns: list = []
