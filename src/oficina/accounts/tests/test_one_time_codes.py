"""One-time codes: random, stored as a keyed hash, one live code per purpose, 10 minutes, 5 tries, cool-down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from oficina.accounts import selectors, services
from oficina.accounts.exceptions import ChannelUnavailable, OneTimeCodeTooSoon
from oficina.accounts.models import OneTimeCode
from oficina.core.audit import AuditEvent

from .conftest import audited, make_citizen

pytestmark = pytest.mark.django_db

SIGN_IN = OneTimeCode.Purpose.SIGN_IN
EMAIL = OneTimeCode.Channel.EMAIL


def issue(user, mailbox, *, purpose=SIGN_IN, channel=EMAIL, count=1) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.one_time_code_issue(user=user, purpose=purpose, channel=channel)
    return mailbox.last_code(user.email, count=count)


def age_codes(user, seconds: int) -> None:
    """Move every code of `user` `seconds` into the past (creation and expiry)."""
    for code in OneTimeCode.objects.filter(user=user):
        code.created_at -= timedelta(seconds=seconds)
        code.expires_at -= timedelta(seconds=seconds)
        code.save()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_issue_stores_a_hash_with_ten_minutes_of_validity_and_mails_the_code(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    stored = OneTimeCode.objects.get(user=user)
    assert len(code) == 6 and code.isdigit()
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert (stored.expires_at - stored.created_at) == timedelta(seconds=600)
    message = mailbox.to(user.email)[-1]
    assert str(message["Subject"]).strip().startswith("Su código para acceder")
    assert "caduca en 10 minutos" in mailbox.body(message)
    assert audited(AuditEvent.ONE_TIME_CODE_ISSUED, target=user).count() == 1
    assert audited(AuditEvent.ONE_TIME_CODE_SENT, result="success", target=user).count() == 1


def test_a_right_code_works_once(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is True
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is False
    assert OneTimeCode.objects.get(user=user).used_at is not None
    assert audited(AuditEvent.ONE_TIME_CODE_VERIFIED, result="success", target=user).count() == 1
    assert audited(AuditEvent.ONE_TIME_CODE_VERIFIED, result="failure", target=user).count() == 1


def test_spaces_in_the_typed_code_do_not_matter(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=f" {code[:3]} {code[3:]} ")


def test_a_code_does_not_serve_another_purpose(mailbox):
    user = make_citizen()
    code = issue(user, mailbox, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL)
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is False


def test_five_wrong_tries_kill_the_code_even_for_the_right_one_afterwards(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    for _ in range(5):
        assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=wrong(code)) is False
    stored = OneTimeCode.objects.get(user=user)
    assert stored.attempts == 5 and stored.voided_at is not None
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is False
    assert selectors.one_time_code_active(user=user, purpose=SIGN_IN) is None
    reasons = [r.details["reason"] for r in audited(AuditEvent.ONE_TIME_CODE_VERIFIED, result="failure")]
    assert reasons == ["wrong_code"] * 4 + ["wrong_code_no_attempts_left", "no_live_code"]


def test_four_wrong_tries_still_leave_the_right_code_usable(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    for _ in range(4):
        services.one_time_code_verify(user=user, purpose=SIGN_IN, code=wrong(code))
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is True


def test_an_expired_code_is_refused(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    OneTimeCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is False
    assert audited(AuditEvent.ONE_TIME_CODE_VERIFIED, result="failure").get().details["reason"] == "expired"


def test_a_new_code_voids_the_previous_one(mailbox):
    user = make_citizen()
    first = issue(user, mailbox)
    age_codes(user, 61)
    second = issue(user, mailbox, count=2)
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=first) is (first == second)
    assert OneTimeCode.objects.filter(user=user, voided_at__isnull=False).count() == 1
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=second) is True


def test_a_new_code_within_a_minute_is_refused_and_the_old_one_stays_valid(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    with pytest.raises(OneTimeCodeTooSoon) as raised:
        services.one_time_code_issue(user=user, purpose=SIGN_IN, channel=EMAIL)
    assert 0 < raised.value.wait_seconds <= 60
    assert "Podrá pedir otro dentro de" in raised.value.message
    assert len(mailbox.to(user.email)) == 1
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is True


def test_a_used_code_does_not_hold_the_next_one_back(mailbox):
    user = make_citizen()
    code = issue(user, mailbox)
    services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code)
    assert selectors.one_time_code_resend_wait_seconds(user=user, purpose=SIGN_IN) == 0
    issue(user, mailbox, count=2)


def test_sms_is_not_offered_without_a_backend(settings):
    settings.SMS_BACKEND = ""
    user = make_citizen()
    with pytest.raises(ChannelUnavailable):
        services.one_time_code_issue(user=user, purpose=SIGN_IN, channel=OneTimeCode.Channel.SMS)
    assert not OneTimeCode.objects.exists()


def test_sms_goes_through_the_configured_backend(settings, caplog):
    settings.SMS_BACKEND = "oficina.accounts.sms.LogSmsBackend"
    user = make_citizen()
    with caplog.at_level("INFO", logger="oficina.accounts.sms"), TestCase.captureOnCommitCallbacks(execute=True):
        services.one_time_code_issue(user=user, purpose=SIGN_IN, channel=OneTimeCode.Channel.SMS)
    [record] = [r for r in caplog.records if r.name == "oficina.accounts.sms"]
    assert record.args[0] == "+34612345678"
    code = record.args[1].split()[0]
    assert "Caduca en 10 minutos" in record.args[1]
    assert services.one_time_code_verify(user=user, purpose=SIGN_IN, code=code) is True


def test_nothing_is_sent_if_the_transaction_rolls_back(mailbox):
    from django.db import transaction

    user = make_citizen()
    with TestCase.captureOnCommitCallbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.one_time_code_issue(user=user, purpose=SIGN_IN, channel=EMAIL)
            raise RuntimeError("the surrounding change failed")
    assert not OneTimeCode.objects.exists()
    assert mailbox.to(user.email) == []


def test_an_unreachable_mail_server_is_logged_and_audited_not_raised(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens on 9
    user = make_citizen()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.one_time_code_issue(user=user, purpose=SIGN_IN, channel=EMAIL)
    assert audited(AuditEvent.ONE_TIME_CODE_SENT, result="failure", target=user).count() == 1
