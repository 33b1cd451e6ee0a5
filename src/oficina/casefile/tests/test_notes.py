"""Staff notes in a citizen's file (FileNote): who may write them, what is refused, who sees them."""

from __future__ import annotations

import pytest

from oficina.accounts.models import Role
from oficina.casefile import selectors, services
from oficina.casefile.constants import NOTE_MAX_LENGTH
from oficina.casefile.exceptions import NoteRefused
from oficina.casefile.models import FileNote
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord

from .conftest import make_office, make_staff, staff_client

pytestmark = pytest.mark.django_db


def test_a_technician_of_the_office_adds_a_note_audited_and_shown_to_staff_only(citizen, citizen_client,
                                                                               technician):
    note = services.casefile_note_add(citizen=citizen, author=technician, text="  Trae el título de FP.  ")
    assert note.text == "Trae el título de FP." and note.author == technician and note.source == ""
    record = AuditRecord.objects.get(event=AuditEvent.CASEFILE_NOTE_ADDED)
    assert record.actor_id == technician.pk and record.target_id == str(citizen.pk)
    assert record.details["note_id"] == note.pk
    assert list(selectors.casefile_notes(citizen=citizen)) == [note]

    html = staff_client(technician).get(f"/expediente/ciudadanos/{citizen.pk}/").content.decode()
    assert "Notas del personal" in html and "Trae el título de FP." in html
    html = citizen_client.get("/expediente/").content.decode()
    assert "Trae el título de FP." not in html and "Notas del personal" not in html


def test_a_note_keeps_where_it_was_written(citizen, technician):
    note = services.casefile_note_add(citizen=citizen, author=technician, text="Vino", source="appointment",
                                      source_id=41)
    assert (note.source, note.source_id) == ("appointment", 41)
    assert AuditRecord.objects.get(event=AuditEvent.CASEFILE_NOTE_ADDED).details["source_id"] == 41


@pytest.mark.parametrize("text, code", [("   ", "empty"), ("x" * (NOTE_MAX_LENGTH + 1), "too_long")])
def test_empty_or_too_long_notes_are_refused(citizen, technician, text, code):
    with pytest.raises(NoteRefused) as refused:
        services.casefile_note_add(citizen=citizen, author=technician, text=text)
    assert refused.value.code == code and refused.value.field == "text"
    assert not FileNote.objects.exists()
    assert not AuditRecord.objects.filter(event=AuditEvent.CASEFILE_NOTE_ADDED).exists()


def test_unknown_source_or_a_source_without_id_is_refused(citizen, technician):
    for source, source_id in (("carta", 1), ("appointment", None)):
        with pytest.raises(NoteRefused):
            services.casefile_note_add(citizen=citizen, author=technician, text="Nota", source=source,
                                       source_id=source_id)
    assert not FileNote.objects.exists()


def test_who_may_not_see_the_file_may_not_write_in_it(citizen, other_citizen):
    stranger = make_staff(role=Role.TECHNICIAN, username="otra", office=make_office(province_code="24"))
    for author in (stranger, other_citizen, citizen):  # another office; another citizen; the citizen
        with pytest.raises(NoteRefused) as refused:
            services.casefile_note_add(citizen=citizen, author=author, text="Nota")
        assert refused.value.code == "forbidden"
    assert not FileNote.objects.exists()
