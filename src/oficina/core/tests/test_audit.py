"""The audit log is append-only and hash-chained; verification finds the first broken link."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from oficina.core import audit_triggers, request_context
from oficina.core.audit import GENESIS_HASH, AuditEvent, audit_record, verify_chain
from oficina.core.models import AuditRecord


def _disable_append_only_triggers() -> None:
    """What an attacker with database access would do first; the chain must still expose the edit."""
    audit_triggers.remove(connection)


@pytest.fixture
def three_records(db):
    return [audit_record(event=AuditEvent.ADMIN_CHANGE, details={"n": n}) for n in range(3)]


@pytest.mark.django_db
def test_records_chain_from_genesis(three_records):
    first, second, third = three_records
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash
    assert third.previous_hash == second.record_hash
    assert verify_chain() is None


@pytest.mark.django_db
def test_record_keeps_actor_target_ip_and_result(django_user_model):
    user = django_user_model.objects.create_user(username="12345678Z", document_number="12345678Z", password="x")
    token = request_context.activate(request_context.RequestContext(ip="203.0.113.7"))
    try:
        record = audit_record(event=AuditEvent.PASSWORD_CHANGED, actor=user, target=user,
                              result=AuditRecord.Result.FAILURE, details={"why": "test"})
    finally:
        request_context.deactivate(token)
    record.refresh_from_db()
    assert (record.actor_id, record.actor_label) == (user.pk, "12345678Z")
    assert (record.target_type, record.target_id) == ("accounts.user", str(user.pk))
    assert record.ip == "203.0.113.7"
    assert record.result == "failure"
    assert record.details == {"why": "test"}


@pytest.mark.django_db
def test_database_refuses_update_and_delete(three_records):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=three_records[0].pk).update(event="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.filter(pk=three_records[1].pk).delete()
    assert verify_chain() is None


@pytest.mark.django_db
def test_edited_row_breaks_the_chain_at_that_row(three_records):
    _disable_append_only_triggers()
    AuditRecord.objects.filter(pk=three_records[1].pk).update(details={"n": 99})
    broken = verify_chain()
    assert broken is not None and broken.record_id == three_records[1].pk
    with pytest.raises(CommandError, match=f"record {three_records[1].pk}"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_deleted_row_breaks_the_chain_at_the_next_row(three_records):
    _disable_append_only_triggers()
    AuditRecord.objects.filter(pk=three_records[1].pk).delete()
    broken = verify_chain()
    assert broken is not None and broken.record_id == three_records[2].pk


@pytest.mark.django_db
def test_verify_audit_command_reports_intact_chain(three_records, capsys):
    call_command("verify_audit")
    assert "intact (3 records)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locking across threads needs PostgreSQL; CI runs it")
def test_concurrent_writers_never_fork_the_chain():
    """Twenty threads writing at once: every record links to exactly one predecessor."""
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                audit_record(event=AuditEvent.ADMIN_CHANGE, details={"thread": n, "i": i})
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AuditRecord.objects.count() == 100
    assert len(set(AuditRecord.objects.values_list("previous_hash", flat=True))) == 100
    assert verify_chain() is None
