from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "oficina.accounts"
    label = "accounts"
    verbose_name = "Cuentas"
