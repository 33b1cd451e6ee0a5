from django.urls import path

from oficina.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accesibilidad/", views.accessibility, name="accessibility"),
    path("privacidad/", views.privacy, name="privacy"),
]
