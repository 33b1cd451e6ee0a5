from __future__ import annotations

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oficina.core.health import check_channel_layer, check_database


def home(request: HttpRequest):
    return render(request, "core/home.html")


def accessibility(request: HttpRequest):
    return render(request, "core/accessibility.html", {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL})


def privacy(request: HttpRequest):
    return render(request, "core/privacy.html")


@never_cache
@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    database = await sync_to_async(check_database, thread_sensitive=True)()
    layer = await check_channel_layer()
    body = {"database": "ok" if database else "down", "channel_layer": "ok" if layer else "down"}
    return JsonResponse(body, status=200 if database and layer else 503)
