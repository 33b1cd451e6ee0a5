"""The technician's note on an appointment's outcome lands in the citizen's file (casefile.FileNote)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oficina.accounts.models import Role
from oficina.appointments import services
from oficina.appointments.models import Appointment
from oficina.casefile.constants import NOTE_MAX_LENGTH
from oficina.casefile.exceptions import NoteRefused
from oficina.casefile.models import FileNote
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .conftest import make_citizen, make_office, make_service, make_staff, make_technician

pytestmark = pytest.mark.django_db


def _started(citizen, technician, *, minutes_ago: int = 10) -> Appointment:
    start = timezone.now() - timedelta(minutes=minutes_ago)
    return Appointment.objects.create(citizen=citizen, technician=technician, office=technician.office,
                                      service=make_service(), mode="office", starts_at=start,
                                      ends_at=start + timedelta(minutes=30), created_at=timezone.now())


def test_the_note_goes_to_the_file_with_the_appointment_as_its_source(office):
    technician = make_technician(office=office)
    citizen = make_citizen(office=make_office(province_code="24"))  # another office: the appointment opens it
    appointment = _started(citizen, technician)
    services.appointment_record_outcome(appointment=appointment, attended=True, actor=technician,
                                        note="Busca trabajo de soldador.")
    note = FileNote.objects.get()
    assert (note.citizen, note.author, note.text) == (citizen, technician, "Busca trabajo de soldador.")
    assert (note.source, note.source_id) == ("appointment", appointment.pk)
    record = AuditRecord.objects.get(event=AuditEvent.APPOINTMENT_ATTENDED)
    assert record.details["note"] == note.pk
    assert AuditRecord.objects.filter(event=AuditEvent.CASEFILE_NOTE_ADDED, target_id=str(citizen.pk)).exists()
    appointment.refresh_from_db()
    assert appointment.status == "attended" and appointment.note == ""


def test_no_note_writes_nothing_to_the_file(office):
    technician = make_technician(office=office)
    appointment = _started(make_citizen(office=office), technician)
    services.appointment_record_outcome(appointment=appointment, attended=False, actor=technician, note="  ")
    assert not FileNote.objects.exists()
    assert AuditRecord.objects.get(event=AuditEvent.APPOINTMENT_NO_SHOW).details["note"] is None


def test_a_refused_note_leaves_the_appointment_unmarked(office):
    """A supervisor of the technician's province may mark the appointment, but not write in the file of a
    citizen of another province: nothing is marked, nothing is written."""
    technician = make_technician(office=office)
    citizen = make_citizen(office=make_office(province_code="24"))
    appointment = _started(citizen, technician)
    supervisor = make_staff(role=Role.SUPERVISOR, username="jefa", supervised_province=office.province)
    with pytest.raises(NoteRefused):
        services.appointment_record_outcome(appointment=appointment, attended=True, actor=supervisor, note="Nota")
    with pytest.raises(NoteRefused):
        services.appointment_record_outcome(appointment=appointment, attended=True, actor=technician,
                                            note="x" * (NOTE_MAX_LENGTH + 1))
    appointment.refresh_from_db()
    assert appointment.status == "booked" and not FileNote.objects.exists()
    assert not AuditRecord.objects.filter(event=AuditEvent.APPOINTMENT_ATTENDED).exists()
