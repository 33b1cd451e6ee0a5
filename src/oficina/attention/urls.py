"""URLs of live attention, under /atencion/ (docs/live-attention.md). The session page's own URLs are in
session_urls.py (part "session"); its panels' actions, finishing and the survey are here."""

from django.urls import include, path

from oficina.attention import views

app_name = "attention"

urlpatterns: list = [
    path("", views.choose, name="choose"),
    path("entrar/", views.enter, name="enter"),
    path("sala/", views.waiting_room, name="waiting_room"),
    path("sala/estado/", views.waiting_state, name="waiting_state"),
    path("sala/responder/", views.answer, name="answer"),
    path("sala/salir/", views.leave, name="leave"),
    path("puesto/", views.console, name="console"),
    path("puesto/estado/", views.console_state, name="console_state"),
    path("puesto/conexion/", views.presence, name="presence"),
    path("puesto/llamar/", views.call_next, name="call_next"),
    path("puesto/rellamar/", views.recall, name="recall"),
    path("puesto/no-responde/", views.missed, name="missed"),
    path("sesion/<str:token>/finalizar/", views.session_finish, name="finish"),
    path("sesion/<str:token>/valorar/", views.survey, name="survey"),
    path("sesion/<str:token>/derivar/", views.session_transfer, name="transfer"),
    path("sesion/<str:token>/documentos/pedir/", views.document_request, name="document_request"),
    path("sesion/<str:token>/documentos/enviar/", views.document_send, name="document_send"),
    path("sesion/<str:token>/documentos/aportar/", views.document_provide, name="document_provide"),
    path("", include("oficina.attention.session_urls")),  # sesion/<token>/...
]
