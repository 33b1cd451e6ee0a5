"""URLs of the live session page (part "session"); included at /atencion/ by attention/urls.py.

`sesion/<token>/finalizar/` and `sesion/<token>/valorar/` belong to part "queue" (attention/urls.py)."""

from django.urls import path

from oficina.attention import session_views

urlpatterns: list = [
    path("sesion/<str:token>/", session_views.session_page, name="session"),
    path("sesion/<str:token>/mensaje/", session_views.session_message_post, name="session_message"),
]
