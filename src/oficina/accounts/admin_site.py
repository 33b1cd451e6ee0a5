"""The Django admin, for OTP-verified administrators only.

`apps.AccountsConfig.ready()` turns the default `admin.site` into this class, so every `ModelAdmin`
registered anywhere is behind it. There is no admin sign-in form: the admin sends people to the staff
sign-in (password + TOTP) and back.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp.admin import OTPAdminSite

from oficina.accounts import services
from oficina.accounts.permissions import can_use_admin, is_otp_verified, is_staff_member


class OficinaAdminSite(OTPAdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and can_use_admin(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not (is_staff_member(user) and not is_otp_verified(user)):
            # Fully signed in (a citizen, or staff with TOTP) but not an administrator.
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("staff:sign_in"))

    def logout(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return _admin_sign_out(request)


@csrf_protect
@require_POST
def _admin_sign_out(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    return redirect("staff:sign_in")
