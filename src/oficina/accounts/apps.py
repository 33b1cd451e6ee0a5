from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oficina.accounts"
    label = "accounts"
    verbose_name = "Cuentas"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib import admin

        from oficina.accounts import checks  # noqa: F401  (registers the system check)
        from oficina.accounts.admin_site import OficinaAdminSite
        from oficina.accounts.identification.registry import autodiscover
        from oficina.accounts.signals import on_user_locked_out

        autodiscover()
        user_locked_out.connect(on_user_locked_out, dispatch_uid="oficina.accounts.audit_lockout")
        # The admin requires an OTP-verified administrator (see admin_site.py).
        admin.site.__class__ = OficinaAdminSite
