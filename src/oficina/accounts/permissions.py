"""Who may do what in the accounts area: pure predicates, and view decorators built on them.

Views, templates and other apps ask these functions; nobody compares roles inline.
Staff sessions count only once a TOTP code was checked (`user.is_verified()`, set by django-otp).
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Iterable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from oficina.accounts.models import Role

STAFF_ROLES = frozenset({Role.TECHNICIAN, Role.SUPERVISOR, Role.ADMINISTRATOR})


def _role(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return getattr(user, "role", None)


def is_otp_verified(user: Any) -> bool:
    """True when this session passed a TOTP check (django-otp's OTPMiddleware sets `is_verified`)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def is_citizen(user: Any) -> bool:
    return _role(user) == Role.CITIZEN


def is_staff_member(user: Any) -> bool:
    """Technicians, supervisors and administrators, whether or not this session is OTP-verified yet."""
    return _role(user) in STAFF_ROLES


def is_technician(user: Any) -> bool:
    return _role(user) == Role.TECHNICIAN


def is_supervisor(user: Any) -> bool:
    return _role(user) == Role.SUPERVISOR


def is_administrator(user: Any) -> bool:
    return _role(user) == Role.ADMINISTRATOR


def can_view_citizen_area(user: Any) -> bool:
    return is_citizen(user)


def can_view_staff_area(user: Any, roles: Iterable[str] | None = None) -> bool:
    """A staff member with an OTP-verified session (and, if `roles` is given, one of those roles)."""
    if not (is_staff_member(user) and is_otp_verified(user)):
        return False
    return roles is None or _role(user) in set(roles)


def can_use_admin(user: Any) -> bool:
    """The Django admin: administrators only, OTP-verified, and flagged `is_staff` (demo data sets it)."""
    return is_administrator(user) and is_otp_verified(user) and bool(getattr(user, "is_staff", False))


def has_complete_session(user: Any) -> bool:
    """Signed in with every factor the person's area asks for."""
    return is_citizen(user) or can_view_staff_area(user)


ViewFunc = Callable[..., HttpResponse]


def citizen_required(view: ViewFunc) -> ViewFunc:
    """Anonymous → citizen sign-in page; anyone else who is not a citizen → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:sign_in"))
        if not can_view_citizen_area(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view: ViewFunc | None = None, *, roles: Iterable[str] | None = None) -> Any:
    """Anonymous, or staff without a TOTP-verified session → staff sign-in page; citizens, and staff
    without one of `roles` → 403. Use as `@staff_required` or `@staff_required(roles=[Role.SUPERVISOR])`."""
    allowed_roles = frozenset(roles) if roles is not None else None

    def decorate(inner: ViewFunc) -> ViewFunc:
        @wraps(inner)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or (is_staff_member(user) and not is_otp_verified(user)):
                return redirect_to_login(request.get_full_path(), reverse("staff:sign_in"))
            if not can_view_staff_area(user, allowed_roles):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def complete_session_required(view: ViewFunc) -> ViewFunc:
    """Pages for anyone signed in (password change): citizens, or staff with a verified session."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:sign_in"))
        if is_staff_member(user) and not is_otp_verified(user):
            return redirect_to_login(request.get_full_path(), reverse("staff:sign_in"))
        if not has_complete_session(user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
