"""ASGI entry point: HTTP through Django, WebSocket through Channels (served by uvicorn)."""

import gc
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

# Everything loaded so far (Django, the apps, templates' libraries: about 100,000 objects) lives as long as
# the process; out of the collector's reach, it no longer lengthens every full collection, which with
# 1,000 waiting-room sockets took 230-440 ms of a stopped event loop.
gc.freeze()
