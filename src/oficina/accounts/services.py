"""State changes of the accounts app: sign-up, one-time codes, sign-in steps, TOTP, passwords.

Every function here is keyword-only and typed, validates what it is given, writes, and records an audit
entry in the same transaction. Messages go out after the commit (`transaction.on_commit`).
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from oficina.accounts import constants, selectors, sms
from oficina.accounts.exceptions import ChannelUnavailable, DocumentNumberTaken, OneTimeCodeTooSoon
from oficina.accounts.models import OneTimeCode, Role, User
from oficina.accounts.permissions import is_citizen, is_staff_member
from oficina.accounts.validation import (
    normalise_document_number,
    normalise_mobile_phone,
    normalise_postal_code,
    validate_date_of_birth,
)
from oficina.core.audit import AuditEvent, audit_record
from oficina.core.models import AuditRecord

if TYPE_CHECKING:
    from oficina.offices.models import Office

logger = logging.getLogger(__name__)

FAILURE = AuditRecord.Result.FAILURE
_CODE_HASH_SALT = "oficina.accounts.one_time_code"


# --- Sign-up --------------------------------------------------------------------------------------


def _reference_office(postal_code: str) -> Office | None:
    # Imported here, not at module level: the offices app is a separate layer that may import accounts.
    from oficina.offices.selectors import office_for_postal_code

    return office_for_postal_code(postal_code)


@transaction.atomic
def user_sign_up(
    *,
    document_number: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    email: str,
    phone: str,
    postal_code: str,
    password: str,
) -> User:
    """Create a citizen account (active, email not yet confirmed) and email a confirmation code.

    The username is the normalised DNI/NIE. Raises `DocumentNumberTaken`, or `ValidationError` for values
    the form should already have refused.
    """
    document_number = normalise_document_number(document_number)
    phone = normalise_mobile_phone(phone)
    postal_code = normalise_postal_code(postal_code)
    validate_date_of_birth(date_of_birth)
    if selectors.user_document_number_taken(document_number=document_number):
        raise DocumentNumberTaken()
    user = User(
        username=document_number,
        document_number=document_number,
        role=Role.CITIZEN,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        date_of_birth=date_of_birth,
        email=User.objects.normalize_email(email.strip()),
        phone=phone,
        postal_code=postal_code,
        office=_reference_office(postal_code),
        is_active=True,
        email_confirmed_at=None,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # Someone registered the same DNI/NIE between our check and this insert.
        raise DocumentNumberTaken() from None
    audit_record(
        event=AuditEvent.USER_SIGNED_UP, actor=user, target=user,
        details={"office": user.office.code if user.office_id else None},
    )
    one_time_code_issue(user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL)
    return user


@transaction.atomic
def email_confirm(*, user: User, code: str) -> bool:
    """Check the confirmation code; on success the email address counts as confirmed."""
    if not one_time_code_verify(user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, code=code):
        return False
    user.email_confirmed_at = timezone.now()
    user.save(update_fields=["email_confirmed_at"])
    audit_record(event=AuditEvent.EMAIL_CONFIRMED, actor=user, target=user, details={"email": user.email})
    return True


# --- One-time codes -------------------------------------------------------------------------------


def _code_hash(*, user: User, purpose: str, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY over user, purpose and code: the code itself is never stored."""
    return salted_hmac(_CODE_HASH_SALT, f"{user.pk}:{purpose}:{code}", algorithm="sha256").hexdigest()


def _only_digits(code: str) -> str:
    return re.sub(r"\s|-", "", code or "")


@transaction.atomic
def one_time_code_issue(*, user: User, purpose: str, channel: str) -> None:
    """Create a new code for `purpose`, void the older ones, and send it by `channel` after the commit.

    Raises `OneTimeCodeTooSoon` inside the cool-down (the previous code stays valid) and
    `ChannelUnavailable` for SMS when no SMS backend is configured or the user has no mobile number.
    """
    if channel == OneTimeCode.Channel.SMS and not (sms.sms_available() and user.phone):
        raise ChannelUnavailable()
    if channel == OneTimeCode.Channel.EMAIL and not user.email:
        raise ChannelUnavailable()
    now = timezone.now()
    wait = selectors.one_time_code_resend_wait_seconds(user=user, purpose=purpose, now=now)
    if wait:
        raise OneTimeCodeTooSoon(wait)
    OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    code = f"{secrets.randbelow(10**constants.ONE_TIME_CODE_DIGITS):0{constants.ONE_TIME_CODE_DIGITS}d}"
    record = OneTimeCode(
        user=user,
        purpose=purpose,
        channel=channel,
        code_hash=_code_hash(user=user, purpose=purpose, code=code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.ONE_TIME_CODE_VALIDITY_SECONDS),
    )
    record.full_clean()
    record.save()
    audit_record(
        event=AuditEvent.ONE_TIME_CODE_ISSUED, actor=user, target=user,
        details={"purpose": purpose, "channel": channel, "code_id": record.pk},
    )
    transaction.on_commit(partial(_one_time_code_deliver, user=user, purpose=purpose, channel=channel, code=code))


def _one_time_code_deliver(*, user: User, purpose: str, channel: str, code: str) -> None:
    """Send the code (after the commit). A failure is logged and audited, not raised: the page already
    told the person a code is on its way, and they can ask for another one after the cool-down."""
    context = {
        "user": user,
        "code": code,
        "purpose": purpose,
        "is_confirmation": purpose == OneTimeCode.Purpose.CONFIRM_EMAIL,
        "minutes": settings.ONE_TIME_CODE_VALIDITY_SECONDS // 60,
        "service_name": settings.SERVICE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
    }
    try:
        if channel == OneTimeCode.Channel.SMS:
            backend = sms.get_sms_backend()
            if backend is None:
                raise sms.SmsDeliveryError("SMS_BACKEND is not configured")
            backend.send(to=user.phone, body=render_to_string("accounts/sms/one_time_code.txt", context).strip())
        else:
            subject = render_to_string("accounts/email/one_time_code_subject.txt", context).strip()
            body = render_to_string("accounts/email/one_time_code.txt", context)
            send_mail(subject, body, None, [user.email])
    except (smtplib.SMTPException, OSError, sms.SmsDeliveryError) as error:
        logger.warning("One-time code for user %s by %s not delivered: %s", user.pk, channel, error)
        audit_record(
            event=AuditEvent.ONE_TIME_CODE_SENT, actor=user, target=user, result=FAILURE,
            details={"purpose": purpose, "channel": channel, "error": type(error).__name__},
        )
        return
    audit_record(
        event=AuditEvent.ONE_TIME_CODE_SENT, actor=user, target=user, details={"purpose": purpose, "channel": channel}
    )


@transaction.atomic
def one_time_code_verify(*, user: User, purpose: str, code: str) -> bool:
    """Check `code` against the newest live code for `purpose`; a match marks it used.

    Each try counts; after ONE_TIME_CODE_MAX_ATTEMPTS wrong tries the code is voided and only a new one
    works. Expired, used and voided codes never match. The comparison is constant-time.
    """
    now = timezone.now()
    max_attempts = settings.ONE_TIME_CODE_MAX_ATTEMPTS
    record = (
        OneTimeCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True, voided_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    verified = False
    if record is None:
        reason = "no_live_code"
    elif record.expires_at <= now:
        reason = "expired"
    elif record.attempts >= max_attempts:
        reason = "too_many_attempts"
    else:
        record.attempts += 1
        update_fields = ["attempts"]
        if constant_time_compare(_code_hash(user=user, purpose=purpose, code=_only_digits(code)), record.code_hash):
            record.used_at = now
            update_fields.append("used_at")
            verified, reason = True, ""
        else:
            reason = "wrong_code"
            if record.attempts >= max_attempts:
                record.voided_at = now
                update_fields.append("voided_at")
                reason = "wrong_code_no_attempts_left"
        record.save(update_fields=update_fields)
    details: dict[str, object] = {"purpose": purpose}
    if record is not None:
        details.update({"code_id": record.pk, "attempts": record.attempts})
    if reason:
        details["reason"] = reason
    audit_record(
        event=AuditEvent.ONE_TIME_CODE_VERIFIED, actor=user, target=user,
        result=AuditRecord.Result.SUCCESS if verified else FAILURE, details=details,
    )
    return verified


# --- Sign-in ----------------------------------------------------------------------------------------


def sign_in_password_check(*, request: HttpRequest, username: str, password: str, area: str) -> User | None:
    """First factor. `authenticate()` goes through django-axes, which counts failures per account name and
    refuses locked accounts. Returns the user only if the password is right *and* the account belongs to
    `area`; the caller shows one generic message for every other case.
    """
    user = authenticate(request, username=username, password=password)
    belongs = user is not None and (is_citizen(user) if area == constants.SignInArea.CITIZEN else is_staff_member(user))
    if user is None or not belongs:
        if getattr(request, "axes_locked_out", False):
            reason = "locked_out"
        elif user is None:
            reason = "bad_credentials"
        else:
            reason = "wrong_area"
        audit_record(
            event=AuditEvent.SIGN_IN_PASSWORD, actor=username[:150], result=FAILURE,
            target=user, details={"area": area, "reason": reason},
        )
        return None
    audit_record(event=AuditEvent.SIGN_IN_PASSWORD, actor=user, target=user, details={"area": area})
    return user


def sign_in_lockout_record(*, username: str, ip_address: str | None) -> None:
    """django-axes locked an account name (called from its `user_locked_out` signal)."""
    audit_record(
        event=AuditEvent.SIGN_IN_LOCKED_OUT, actor=(username or "")[:150], result=FAILURE,
        target=selectors.user_get_by_username(username=username or ""),
        details={"failure_limit": settings.AXES_FAILURE_LIMIT}, ip=ip_address,
    )


def sign_out(*, request: HttpRequest) -> None:
    user = request.user
    if user.is_authenticated:
        audit_record(event=AuditEvent.SIGNED_OUT, actor=user, target=user)
    logout(request)


# --- Passwords --------------------------------------------------------------------------------------


def password_reset_request_record(*, user: User) -> None:
    """A reset link was emailed to this user (the page never says whether the address was known)."""
    audit_record(event=AuditEvent.PASSWORD_RESET_REQUESTED, actor=None, target=user, details={"email": user.email})


@transaction.atomic
def password_reset_complete(*, user: User) -> None:
    """The user set a new password through an emailed link. That is also the way out of a lockout: the
    django-axes failures for the account are cleared. Every other session of the user ends by itself,
    because the session hash depends on the password hash."""
    removed = axes_reset(username=user.get_username())
    audit_record(event=AuditEvent.PASSWORD_RESET_DONE, actor=user, target=user)
    if removed:
        audit_record(
            event=AuditEvent.ACCOUNT_UNLOCKED, actor=user, target=user,
            details={"by": "password_reset", "failures_cleared": removed},
        )


def password_change_record(*, user: User) -> None:
    audit_record(event=AuditEvent.PASSWORD_CHANGED, actor=user, target=user)


# --- TOTP (staff) -----------------------------------------------------------------------------------


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device with a fresh secret; earlier unconfirmed ones are removed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name=_("Aplicación de códigos"), confirmed=False)
    device.full_clean()
    device.save()
    audit_record(event=AuditEvent.TOTP_ENROLMENT_STARTED, actor=user, target=user, details={"device": device.pk})
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device_id: int, code: str) -> TOTPDevice | None:
    """The first code from the app proves it holds the secret: the device becomes confirmed."""
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(_only_digits(code)):
        audit_record(
            event=AuditEvent.TOTP_ENROLLED, actor=user, target=user, result=FAILURE, details={"device": device_id}
        )
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(event=AuditEvent.TOTP_ENROLLED, actor=user, target=user, details={"device": device.pk})
    return device


@transaction.atomic
def totp_verify(*, user: User, code: str) -> TOTPDevice | None:
    """Second factor for staff: a code from their confirmed app. A code is accepted once (django-otp
    remembers the last time step) and wrong codes slow further tries down (django-otp throttling)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
    if device is None or not device.verify_token(_only_digits(code)):
        audit_record(
            event=AuditEvent.SIGN_IN_SECOND_FACTOR, actor=user, target=user, result=FAILURE,
            details={"method": "totp"},
        )
        return None
    return device
