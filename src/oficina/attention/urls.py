from django.urls import include, path  # noqa: F401

app_name = "attention"

urlpatterns: list = [
    path("", include("oficina.attention.session_urls")),  # sesion/<token>/...
]
