from django.urls import path

from oficina.accounts import staff_views

app_name = "staff"

urlpatterns = [
    path("", staff_views.home, name="home"),
    path("acceso/", staff_views.sign_in, name="sign_in"),
    path("acceso/totp/", staff_views.sign_in_totp, name="sign_in_totp"),
    path("alta-totp/", staff_views.totp_enrol, name="totp_enrol"),
]
