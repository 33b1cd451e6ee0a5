"""ASGI entry point: HTTP through Django, WebSocket through Channels (served by uvicorn)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oficina.conf.base")

import django  # noqa: E402

django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from django.conf import settings  # noqa: E402

from oficina.core.asgi_handler import ThreadSetASGIHandler  # noqa: E402

django_asgi_app = ThreadSetASGIHandler(threads=settings.HTTP_THREADS)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from oficina.conf.routing import websocket_urlpatterns  # noqa: E402

from oficina.core.body_limit import RequestBodyLimit  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
