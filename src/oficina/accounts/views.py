"""Citizen pages: sign-in entry, sign-up, email confirmation, home, sign-out, password reset and change.

Views parse the request, call one service, and render; rules live in services, selectors, permissions.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oficina.accounts import code_pages, constants, services
from oficina.accounts.constants import PendingStage, SignInArea
from oficina.accounts.forms import (
    ChangePasswordForm,
    NewPasswordForm,
    OneTimeCodeForm,
    PasswordResetRequestForm,
    SignUpForm,
)
from oficina.accounts.identification import (
    available_methods,
    complete_sign_in,
    pending_clear,
    pending_get_or_warn,
    pending_start,
)
from oficina.accounts.models import OneTimeCode
from oficina.accounts.permissions import (
    citizen_required,
    complete_session_required,
    is_citizen,
)
from oficina.accounts.selectors import one_time_code_active
from oficina.core.exceptions import ApplicationError
from oficina.demand.selectors import demand_for_citizen

SIGN_UP_METHOD_KEY = "sign_up"


@citizen_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"services": constants.CITIZEN_SERVICES, "office": request.user.office,
                                                  "demand": demand_for_citizen(request.user)})


@require_GET
def sign_in(request: HttpRequest) -> HttpResponse:
    """The way in for citizens: straight to the only identification method, or a list to choose from."""
    if is_citizen(request.user):
        return redirect("accounts:home")
    query = request.GET.urlencode()
    choices = [(method, method.start_url() + (f"?{query}" if query else "")) for method in available_methods()]
    if len(choices) == 1:
        return redirect(choices[0][1])
    return render(request, "accounts/sign_in_choose.html", {"choices": choices})


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if is_citizen(request.user):
        return redirect("accounts:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_sign_up(
                document_number=data["document_number"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                email=data["email"],
                phone=data["phone"],
                postal_code=data["postal_code"],
                password=data["password1"],
            )
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            pending_start(
                request, user=user, area=SignInArea.CITIZEN, method_key=SIGN_UP_METHOD_KEY,
                stage=PendingStage.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL,
            )
            messages.success(
                request,
                _("Hemos creado su cuenta. Le hemos enviado un código de 6 cifras a %(destination)s "
                  "para confirmar su correo electrónico.")
                % {"destination": code_pages.destination_label(user, OneTimeCode.Channel.EMAIL)},
            )
            return redirect("accounts:confirm_email")
    return render(request, "accounts/sign_up.html", {"form": form})


def _pending_confirmation(request: HttpRequest):
    return pending_get_or_warn(
        request, area=SignInArea.CITIZEN, stages={PendingStage.CONFIRM_EMAIL},
        warning=_("Para confirmar su correo, acceda primero con su DNI/NIE y contraseña."),
    )


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest) -> HttpResponse:
    """The citizen proves the email address with the code sent there. Because they also just gave their
    password (at sign-up or at sign-in), this counts as the second factor and signs them in."""
    found = _pending_confirmation(request)
    if found is None:
        return redirect("accounts:sign_in")
    pending, user = found
    if user.email_confirmed_at is not None:
        pending_clear(request)
        messages.info(request, _("Su correo electrónico ya estaba confirmado. Acceda con su DNI/NIE y contraseña."))
        return redirect("accounts:sign_in")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.email_confirm(user=user, code=form.cleaned_data["code"]):
            complete_sign_in(request, user=user, method_key=pending.method_key)
            messages.success(request, _("Su correo electrónico ha quedado confirmado. Ya está dentro de su área."))
            return redirect(code_pages.redirect_target(pending.next_url, "accounts:home"))
        if one_time_code_active(user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL) is None:
            form.add_error("code", _("Este código ya no sirve: ha caducado o se ha equivocado demasiadas veces. "
                                     "Pida un código nuevo."))
        else:
            form.add_error("code", _("El código no es correcto. Revíselo y vuelva a escribirlo."))
    context = {"form": form, **code_pages.code_page_context(
        user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL
    )}
    return render(request, "accounts/confirm_email.html", context)


@csrf_protect
@require_POST
def confirm_email_resend(request: HttpRequest) -> HttpResponse:
    found = _pending_confirmation(request)
    if found is None:
        return redirect("accounts:sign_in")
    _pending, user = found
    code_pages.send_code(
        request, user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL
    )
    return redirect("accounts:confirm_email")


@csrf_protect
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.sign_out(request=request)
    messages.success(request, _("Ha cerrado la sesión."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Passwords: Django's views with our forms, templates, audit and unlock ---------------------------


class PasswordResetRequestView(auth_views.PasswordResetView):
    """The citizen (or staff member) types their email; the page says the same whether or not it is known."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset_email.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        users = list(form.get_users(form.cleaned_data["email"]))
        response = super().form_valid(form)
        for user in users:
            services.password_reset_request_record(user=user)
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    reset_url_token = "nueva-contrasena"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.password_reset_complete(user=form.user)
        pending_clear(self.request)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@method_decorator(complete_session_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: ChangePasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.password_change_record(user=form.user)
        return response


@method_decorator(complete_session_required, name="dispatch")
class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
