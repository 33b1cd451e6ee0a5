"""Reads of the accounts app. Other apps use these (and `services`), not the models' managers directly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from oficina.accounts import constants
from oficina.accounts.models import OneTimeCode, Role, User


def user_get_active(*, user_id: int) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).select_related("office").first()


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


def user_document_number_taken(*, document_number: str) -> bool:
    return User.objects.filter(document_number=document_number).exists()


def one_time_code_active(*, user: User, purpose: str, now: datetime | None = None) -> OneTimeCode | None:
    """The code for `purpose` that can still be used: not used, not voided, not expired, tries left."""
    now = now or timezone.now()
    return (
        OneTimeCode.objects.filter(
            user=user,
            purpose=purpose,
            used_at__isnull=True,
            voided_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.ONE_TIME_CODE_MAX_ATTEMPTS,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def one_time_code_resend_wait_seconds(*, user: User, purpose: str, now: datetime | None = None) -> int:
    """Seconds until a new code for `purpose` may be sent (0: now). The cool-down counts from the last
    code that was not used; a code already used does not hold the next one back."""
    now = now or timezone.now()
    last = (
        OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return 0
    elapsed = (now - last).total_seconds()
    remaining = constants.ONE_TIME_CODE_RESEND_COOLDOWN_SECONDS - elapsed
    return max(0, int(remaining + 0.999))


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


def totp_device_unconfirmed(*, user: User, device_id: int) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


@dataclass(frozen=True)
class StaffScope:
    """What part of the service a staff member works on, for their home page."""

    role: str
    office_name: str = ""
    province_name: str = ""
    whole_service: bool = False


def staff_scope(*, user: User) -> StaffScope:
    if user.role == Role.ADMINISTRATOR:
        return StaffScope(role=user.role, whole_service=True)
    if user.role == Role.SUPERVISOR and user.supervised_province_id:
        return StaffScope(role=user.role, province_name=user.supervised_province.name)
    return StaffScope(role=user.role, office_name=user.office.name if user.office_id else "")
