from django.urls import path

from oficina.accounts import views
from oficina.accounts.identification import password_otp

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("registro/", views.sign_up, name="sign_up"),
    path("confirmar-email/", views.confirm_email, name="confirm_email"),
    path("confirmar-email/reenviar/", views.confirm_email_resend, name="confirm_email_resend"),
    path("acceso/", views.sign_in, name="sign_in"),
    # Identification method "password_otp" (identification/password_otp.py). A new method adds its pages here.
    path("acceso/contrasena/", password_otp.sign_in_password, name="sign_in_password"),
    path("acceso/codigo/", password_otp.sign_in_code, name="sign_in_code"),
    path("acceso/codigo/reenviar/", password_otp.sign_in_code_resend, name="sign_in_code_resend"),
    path("salir/", views.sign_out, name="sign_out"),
    path("contrasena/restablecer/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("contrasena/restablecer/enviado/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "contrasena/restablecer/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("contrasena/restablecer/hecho/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("contrasena/cambiar/", views.PasswordChangeView.as_view(), name="password_change"),
    path("contrasena/cambiada/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
