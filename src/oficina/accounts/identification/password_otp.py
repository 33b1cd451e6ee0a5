"""Citizens: DNI/NIE + password, then a one-time code by email (or SMS when configured).

Step 1 (`sign_in_password`) checks the password through `authenticate()` (django-axes counts failures and
locks the account name), stores a pending marker and sends a code; the session is not signed in.
Step 2 (`sign_in_code`) checks the code and calls `complete_sign_in()`. A citizen whose email address is
not confirmed yet is sent to the email confirmation page instead; confirming there completes the sign-in.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from oficina.accounts import code_pages, selectors, services, sms
from oficina.accounts.constants import PendingStage, SignInArea
from oficina.accounts.forms import CitizenSignInForm, OneTimeCodeForm
from oficina.accounts.identification.base import IdentificationMethod
from oficina.accounts.identification.registry import register
from oficina.accounts.identification.session import complete_sign_in, pending_get_or_warn, pending_start
from oficina.accounts.models import OneTimeCode
from oficina.accounts.permissions import is_citizen

GENERIC_FAILURE = gettext_lazy("DNI/NIE o contraseña incorrectos.")


@register
class PasswordOtpMethod(IdentificationMethod):
    key = "password_otp"
    label = gettext_lazy("DNI/NIE, contraseña y código")
    description = gettext_lazy(
        "Escriba su DNI o NIE y su contraseña. Después, el código de 6 cifras que le enviamos."
    )

    def start_url(self) -> str:
        return reverse("accounts:sign_in_password")


METHOD_KEY = PasswordOtpMethod.key


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_password(request: HttpRequest) -> HttpResponse:
    if is_citizen(request.user):
        return redirect("accounts:home")
    next_url = code_pages.safe_next_url(request, request.POST.get("next") or request.GET.get("next"))
    form = CitizenSignInForm(request.POST or None, offer_sms=sms.sms_available())
    if request.method == "POST" and form.is_valid():
        user = services.sign_in_password_check(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"],
            area=SignInArea.CITIZEN,
        )
        if user is None:
            form.add_error(None, GENERIC_FAILURE)
        elif user.email_confirmed_at is None:
            pending_start(
                request, user=user, area=SignInArea.CITIZEN, method_key=METHOD_KEY,
                stage=PendingStage.CONFIRM_EMAIL, next_url=next_url, channel=OneTimeCode.Channel.EMAIL,
            )
            messages.warning(request, _("Antes de entrar tiene que confirmar su correo electrónico."))
            code_pages.send_code(
                request, user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL
            )
            return redirect("accounts:confirm_email")
        else:
            channel = form.cleaned_data.get("channel") or OneTimeCode.Channel.EMAIL
            if channel == OneTimeCode.Channel.SMS and not user.phone:
                messages.info(request, _("No tenemos su móvil: le enviamos el código por correo electrónico."))
                channel = OneTimeCode.Channel.EMAIL
            pending_start(
                request, user=user, area=SignInArea.CITIZEN, method_key=METHOD_KEY,
                stage=PendingStage.ONE_TIME_CODE, next_url=next_url, channel=channel,
            )
            code_pages.send_code(request, user=user, purpose=OneTimeCode.Purpose.SIGN_IN, channel=channel)
            return redirect("accounts:sign_in_code")
    return render(request, "accounts/sign_in_password.html", {"form": form, "next": next_url})


def _pending_code_step(request: HttpRequest):
    return pending_get_or_warn(
        request, area=SignInArea.CITIZEN, stages={PendingStage.ONE_TIME_CODE},
        warning=_("Vuelva a escribir su DNI/NIE y contraseña: el acceso no había empezado o ha caducado."),
    )


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    found = _pending_code_step(request)
    if found is None:
        return redirect("accounts:sign_in")
    pending, user = found
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.one_time_code_verify(user=user, purpose=OneTimeCode.Purpose.SIGN_IN, code=form.cleaned_data["code"]):
            complete_sign_in(request, user=user, method_key=pending.method_key)
            return redirect(code_pages.redirect_target(pending.next_url, "accounts:home"))
        if selectors.one_time_code_active(user=user, purpose=OneTimeCode.Purpose.SIGN_IN) is None:
            form.add_error("code", _("Este código ya no sirve: ha caducado o se ha equivocado demasiadas veces. "
                                     "Pida un código nuevo."))
        else:
            form.add_error("code", _("El código no es correcto. Revíselo y vuelva a escribirlo."))
    context = {"form": form, **code_pages.code_page_context(
        user=user, purpose=OneTimeCode.Purpose.SIGN_IN, channel=pending.channel or OneTimeCode.Channel.EMAIL
    )}
    return render(request, "accounts/sign_in_code.html", context)


@csrf_protect
@require_POST
def sign_in_code_resend(request: HttpRequest) -> HttpResponse:
    found = _pending_code_step(request)
    if found is None:
        return redirect("accounts:sign_in")
    pending, user = found
    code_pages.send_code(
        request, user=user, purpose=OneTimeCode.Purpose.SIGN_IN, channel=pending.channel or OneTimeCode.Channel.EMAIL
    )
    return redirect("accounts:sign_in_code")
