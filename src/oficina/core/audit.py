"""The audit log: one function writes it, one function verifies it.

Each record's hash covers its own content and the previous record's hash, so editing, deleting or
reordering any stored row breaks the chain from that row on (`manage.py verify_audit`).
Writers are serialised so that two records never chain to the same predecessor: a transaction-level
advisory lock on PostgreSQL, the IMMEDIATE transaction mode on SQLite (see conf/base.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timezone
from typing import Any, Iterable

from django.db import connection, models, transaction
from django.utils import timezone as dj_timezone

from oficina.core import request_context
from oficina.core.models import AuditRecord

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 0x0F1C1A  # any constant shared by all writers


class AuditEvent(models.TextChoices):
    """Every event type the log knows. Later apps add theirs here, named `<thing>_<verb>`."""

    USER_SIGNED_UP = "user_signed_up"
    EMAIL_CONFIRMED = "email_confirmed"
    SIGN_IN_PASSWORD = "sign_in_password"
    SIGN_IN_SECOND_FACTOR = "sign_in_second_factor"
    SIGN_IN_LOCKED_OUT = "sign_in_locked_out"
    ACCOUNT_UNLOCKED = "account_unlocked"
    SIGNED_OUT = "signed_out"
    SESSION_EXPIRED = "session_expired"
    ONE_TIME_CODE_ISSUED = "one_time_code_issued"
    ONE_TIME_CODE_SENT = "one_time_code_sent"
    ONE_TIME_CODE_VERIFIED = "one_time_code_verified"
    TOTP_ENROLMENT_STARTED = "totp_enrolment_started"
    TOTP_ENROLLED = "totp_enrolled"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET_DONE = "password_reset_done"
    PASSWORD_CHANGED = "password_changed"
    OFFICES_IMPORTED = "offices_imported"
    LOCAL_HOLIDAY_CHANGED = "local_holiday_changed"
    ADMIN_CHANGE = "admin_change"
    # Registry and seal
    REGISTRY_ENTRY_CREATED = "registry_entry_created"
    SEALED_DOCUMENT_ISSUED = "sealed_document_issued"
    # Appointments (cita previa)
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_ATTENDED = "appointment_attended"
    APPOINTMENT_NO_SHOW = "appointment_no_show"
    APPOINTMENT_REMINDER_SENT = "appointment_reminder_sent"
    DOCUMENT_UPLOADED = "document_uploaded"
    DOCUMENT_UPLOAD_REFUSED = "document_upload_refused"
    CASEFILE_INDEX_ISSUED = "casefile_index_issued"
    CITIZEN_FILE_ACCESSED = "citizen_file_accessed"
    CASEFILE_NOTE_ADDED = "casefile_note_added"
    # Job-seeker demand
    DEMAND_REGISTERED = "demand_registered"
    DEMAND_RENEWED = "demand_renewed"
    DEMAND_WORK_START_REPORTED = "demand_work_start_reported"
    DEMAND_WORK_END_REPORTED = "demand_work_end_reported"
    DEMAND_SUSPENDED = "demand_suspended"
    DEMAND_RESUMED = "demand_resumed"
    DEMAND_VOLUNTARY_BAJA = "demand_voluntary_baja"
    DEMAND_CATEGORY_CHANGED = "demand_category_changed"
    DEMAND_PROFILE_UPDATED = "demand_profile_updated"
    DEMAND_CORRECTED = "demand_corrected"
    DEMAND_EXPIRED = "demand_expired"
    DEMAND_RENEWAL_REMINDER_SENT = "demand_renewal_reminder_sent"
    DEMAND_REGISTRATION_DRAFT_SAVED = "demand_registration_draft_saved"
    DEMAND_REGISTRATION_DRAFT_DISCARDED = "demand_registration_draft_discarded"
    # Live attention (waiting room, console, sessions)
    ATTENTION_PRESENCE_CHANGED = "attention_presence_changed"
    ATTENTION_TICKET_TAKEN = "attention_ticket_taken"
    ATTENTION_TICKET_REFUSED = "attention_ticket_refused"
    ATTENTION_TICKET_LEFT = "attention_ticket_left"
    ATTENTION_TICKET_CALLED = "attention_ticket_called"
    ATTENTION_TICKET_RECALLED = "attention_ticket_recalled"
    ATTENTION_TICKET_MISSED = "attention_ticket_missed"
    ATTENTION_TICKET_REMOVED = "attention_ticket_removed"
    ATTENTION_TICKET_ABANDONED = "attention_ticket_abandoned"
    ATTENTION_SESSION_STARTED = "attention_session_started"
    ATTENTION_SESSION_TRANSFERRED = "attention_session_transferred"
    ATTENTION_SESSION_FINISHED = "attention_session_finished"
    ATTENTION_SURVEY_SUBMITTED = "attention_survey_submitted"
    ATTENTION_DOCUMENT_REQUESTED = "attention_document_requested"
    ATTENTION_DOCUMENT_RECEIVED = "attention_document_received"
    ATTENTION_DOCUMENT_SENT = "attention_document_sent"


@dataclass(frozen=True)
class ChainBreak:
    record_id: int
    reason: str


def _canonical(record: AuditRecord) -> bytes:
    created = record.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    payload = {
        "created_at": created,
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "ip": record.ip,
        "event": record.event,
        "result": record.result,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "target_label": record.target_label,
        "details": record.details,
        "previous_hash": record.previous_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(record: AuditRecord) -> str:
    return hashlib.sha256(_canonical(record)).hexdigest()


def _target_fields(target: Any) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk), str(target)[:200]
    return type(target).__name__, "", str(target)[:200]


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, (str(actor)[:200] if isinstance(actor, str) else "")
    return actor.pk, actor.get_username()[:200]


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def audit_record(
    *,
    event: str,
    actor: Any = None,
    target: Any = None,
    result: str = AuditRecord.Result.SUCCESS,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditRecord:
    """Append one record. Call it inside the transaction of the change it records.

    `actor` is a user, None for anonymous, or a string naming who tried (e.g. a DNI at a failed sign-in).
    The IP comes from the current request unless given.
    """
    actor_id, actor_label = _actor_fields(actor)
    target_type, target_id, target_label = _target_fields(target)
    with transaction.atomic():
        _lock_chain()
        last = AuditRecord.objects.order_by("-id").values_list("record_hash", flat=True).first()
        record = AuditRecord(
            created_at=dj_timezone.now(),
            actor_id=actor_id,
            actor_label=actor_label,
            ip=ip if ip is not None else request_context.current().ip,
            event=str(event),
            result=str(result),
            target_type=target_type,
            target_id=target_id,
            target_label=target_label,
            details=json.loads(json.dumps(details or {}, default=str)),
            previous_hash=last or GENESIS_HASH,
        )
        record.record_hash = compute_hash(record)
        record.save(force_insert=True)
    return record


def verify_chain(records: Iterable[AuditRecord] | None = None) -> ChainBreak | None:
    """Walk the log in order; return the first record whose link or content does not match, or None."""
    if records is None:
        records = AuditRecord.objects.order_by("id").iterator(chunk_size=2000)
    expected_previous = GENESIS_HASH
    for record in records:
        if record.previous_hash != expected_previous:
            return ChainBreak(record.id, "previous_hash does not match the record before it")
        if compute_hash(record) != record.record_hash:
            return ChainBreak(record.id, "content does not match its hash")
        expected_previous = record.record_hash
    return None
