"""Services: each change is a registry entry with receipt, a history event and an audit record, in one
transaction; registration, renewal and reactivation issue a sealed DARDE."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.demand import services
from oficina.demand.constants import DemandAction
from oficina.demand.exceptions import DemandError, RenewalRefused
from oficina.demand.models import Demand, DemandEvent
from oficina.demand.renewal import renewal_window
from oficina.demand.selectors import (
    demand_for_citizen,
    demand_get_for_user,
    demand_history,
)
from oficina.demand.state_machine import TransitionRefused
from oficina.registry.constants import EntryKind, SealedDocumentKind
from oficina.registry.models import RegistryEntry

from .conftest import make_citizen, make_office, make_staff, pdf_text, profile, squeeze

pytestmark = pytest.mark.django_db


def audited(event, demand):
    return AuditRecord.objects.filter(event=event, target_type="demand.demand", target_id=str(demand.pk))


def register(citizen, **kw):
    return services.demand_register(citizen=citizen, profile=profile(**kw.pop("profile", {})), **kw)


def test_register_creates_demand_entry_darde_event_and_audit(citizen, office):
    demand = register(citizen)
    assert demand.state == "alta" and demand.category == "unemployed" and demand.office == office
    assert demand.number.startswith(f"D-{timezone.now().year}-")
    assert sorted(demand.occupations.values_list("code", flat=True)) == ["5110", "5120"]
    assert demand.next_renewal_date > timezone.localdate() + timedelta(days=80)
    entry = RegistryEntry.objects.get(kind=EntryKind.DEMAND_REGISTRATION)
    assert entry.submitter == citizen and entry.receipt is not None
    assert entry.details["Número de demanda"] == demand.number
    darde = demand.latest_darde
    assert darde.kind == SealedDocumentKind.DARDE and darde.owner == citizen
    text = squeeze(pdf_text(darde.file.read()))
    for expected in [demand.number, "MaríaGarcíaLópez", "12345678Z", squeeze(office.name),
                     demand.next_renewal_date.strftime("%d/%m/%Y"), timezone.localdate().strftime("%d/%m/%Y"),
                     "5120Camarerosasalariados"]:
        assert expected in text
    [event] = demand_history(demand)
    assert (event.kind, event.from_state, event.to_state) == ("register", "", "alta")
    assert event.registry_entry == entry and event.darde == darde and event.actor == citizen
    assert audited(AuditEvent.DEMAND_REGISTERED, demand).count() == 1
    assert demand_for_citizen(citizen) == demand


@pytest.mark.parametrize(("overrides", "field"), [
    ({"occupation_codes": []}, "occupations"),
    ({"occupation_codes": ["5120", "5110", "7510", "9310", "9320", "5220", "5210"]}, "occupations"),
    ({"occupation_codes": ["1234"]}, "occupations"),
    ({"nationality": "MA"}, "work_authorisation"),
    ({"disability_degree": 33}, "disability_consent"),
    ({"education_level": "phd"}, "education_level"),
    ({"driving_licences": ["Z"]}, "driving_licences"),
    ({"languages": [{"language": "inglés", "level": "muy bien"}]}, "languages"),
    ({"postal_code": "4700"}, "postal_code"),
])
def test_register_validates_the_profile_in_spanish(citizen, overrides, field):
    with pytest.raises(DemandError) as error:
        register(citizen, profile=overrides)
    assert error.value.field == field
    assert not Demand.objects.exists() and not RegistryEntry.objects.exists()


def test_non_eu_with_authorisation_and_consented_disability_are_kept(citizen):
    demand = register(citizen, profile={"nationality": "ma", "work_authorisation": "Residencia y trabajo",
                                        "disability_consent": True, "disability_degree": 33})
    assert (demand.nationality, demand.work_authorisation, demand.disability_degree) == ("MA", "Residencia y trabajo", 33)


def test_second_registration_is_refused_while_in_alta(citizen):
    register(citizen)
    with pytest.raises(TransitionRefused, match="Ya tiene una demanda"):
        register(citizen)


def test_technician_registers_for_a_citizen_of_their_office(citizen, technician):
    demand = register(citizen, recorded_by=technician)
    entry = RegistryEntry.objects.get(kind=EntryKind.DEMAND_REGISTRATION)
    assert entry.recorded_by == technician
    assert demand.events.get().actor == technician
    other = make_staff(username="otra", office=make_office())
    with pytest.raises(DemandError):
        services.demand_register(citizen=make_citizen(document_number="00000000T", email="b@example.org"),
                                 profile=profile(), recorded_by=other, office=demand.office)


def test_renew_inside_window_gives_new_period_entry_and_darde(citizen):
    demand = register(citizen)
    first, _last = renewal_window(demand)
    old_darde = demand.latest_darde
    renewed = services.demand_renew(demand=demand, actor=citizen, today=first)
    assert renewed.state == "alta" and renewed.last_renewed_at is not None
    assert renewed.next_renewal_date > demand.next_renewal_date - timedelta(days=10)
    assert renewed.latest_darde != old_darde
    assert renewed.latest_darde.kind == "darde"
    assert RegistryEntry.objects.filter(kind=EntryKind.DEMAND_RENEWAL).count() == 1
    assert audited(AuditEvent.DEMAND_RENEWED, demand).count() == 1
    assert [e.kind for e in demand_history(demand)] == ["register", "renew"]


def test_renew_outside_window_is_refused_with_dates(citizen):
    demand = register(citizen)
    first, last = renewal_window(demand)
    with pytest.raises(RenewalRefused) as refused:
        services.demand_renew(demand=demand, actor=citizen, today=first - timedelta(days=1))
    assert first.strftime("%d/%m/%Y") in refused.value.message
    with pytest.raises(RenewalRefused, match="terminó"):
        services.demand_renew(demand=demand, actor=citizen, today=last + timedelta(days=1))
    assert not RegistryEntry.objects.filter(kind=EntryKind.DEMAND_RENEWAL).exists()


def test_someone_else_cannot_renew(citizen):
    demand = register(citizen)
    stranger = make_citizen(document_number="00000000T", email="otra@example.org")
    with pytest.raises(DemandError, match="No puede hacer cambios"):
        services.demand_renew(demand=demand, actor=stranger, today=renewal_window(demand)[0])


def test_short_job_suspends_and_its_end_reactivates(citizen):
    demand = register(citizen)
    start = date(2026, 3, 2)
    demand = services.demand_report_work_start(demand=demand, start_date=start, contract_type="temporary",
                                               end_date=start + timedelta(days=60), actor=citizen)
    assert (demand.state, demand.suspension_cause, demand.next_renewal_date) == ("suspension", "work", None)
    with pytest.raises(DemandError, match="suspendida por trabajo"):
        services.demand_resume(demand=demand, actor=citizen)
    demand = services.demand_report_work_end(demand=demand, end_date=start + timedelta(days=60), actor=citizen)
    assert demand.state == "alta" and demand.suspension_cause == "" and demand.next_renewal_date
    assert [e.kind for e in demand_history(demand)] == ["register", "work_start_suspension", "work_end"]
    assert demand.events.last().darde == demand.latest_darde
    assert audited(AuditEvent.DEMAND_WORK_START_REPORTED, demand).count() == 1
    assert audited(AuditEvent.DEMAND_WORK_END_REPORTED, demand).count() == 1
    assert RegistryEntry.objects.filter(kind=EntryKind.DEMAND_CHANGE).count() == 2


def test_indefinite_job_ends_the_demand(citizen):
    demand = services.demand_report_work_start(demand=register(citizen), start_date=date(2026, 3, 2),
                                               contract_type="indefinite", actor=citizen)
    assert (demand.state, demand.baja_reason) == ("baja", "work")
    with pytest.raises(TransitionRefused):
        services.demand_report_work_end(demand=demand, end_date=date(2026, 5, 1), actor=citizen)
    again = register(citizen)  # a new registration of the same demand
    assert again.pk == demand.pk and again.state == "alta" and again.baja_reason == ""


def test_suspension_for_other_causes_and_resume(citizen):
    demand = services.demand_suspend(demand=register(citizen), cause="illness", actor=citizen)
    assert (demand.state, demand.suspension_cause) == ("suspension", "illness")
    with pytest.raises(DemandError, match="otra causa"):
        services.demand_report_work_end(demand=demand, end_date=date(2026, 5, 1), actor=citizen)
    with pytest.raises(RenewalRefused, match="suspendida"):
        services.demand_renew(demand=demand, actor=citizen)
    demand = services.demand_resume(demand=demand, actor=citizen)
    assert demand.state == "alta"
    assert audited(AuditEvent.DEMAND_RESUMED, demand).count() == 1
    with pytest.raises(DemandError):
        services.demand_suspend(demand=demand, cause="work", actor=citizen)


def test_voluntary_baja(citizen):
    demand = services.demand_voluntary_baja(demand=register(citizen), actor=citizen, reason="Me mudo")
    assert (demand.state, demand.baja_reason) == ("baja", "voluntary")
    assert audited(AuditEvent.DEMAND_VOLUNTARY_BAJA, demand).get().details["reason"] == "Me mudo"
    with pytest.raises(TransitionRefused):
        services.demand_voluntary_baja(demand=demand, actor=citizen)


def test_change_category(citizen):
    demand = services.demand_change_category(demand=register(citizen), category="employed_improvement",
                                             actor=citizen)
    assert demand.category == "employed_improvement" and demand.state == "alta"
    event = demand.events.last()
    assert event.kind == "change_category" and event.registry_entry is not None
    with pytest.raises(DemandError, match="ya tiene esa categoría"):
        services.demand_change_category(demand=demand, category="employed_improvement", actor=citizen)


def test_update_profile_records_what_changed(citizen):
    demand = register(citizen)
    demand = services.demand_update_profile(
        demand=demand, actor=citizen, profile=profile(occupation_codes=["7510"], education_level="fp_higher"))
    assert list(demand.occupations.values_list("code", flat=True)) == ["7510"]
    changes = audited(AuditEvent.DEMAND_PROFILE_UPDATED, demand).get().details["changes"]
    assert set(changes) == {"occupation_codes", "education_level"}
    assert changes["education_level"] == {"before": "fp_medium", "after": "fp_higher"}
    with pytest.raises(DemandError, match="No ha cambiado"):
        services.demand_update_profile(demand=demand, actor=citizen,
                                       profile=profile(occupation_codes=["7510"], education_level="fp_higher"))


def test_technician_corrects_with_reason_audited_before_after(citizen, technician):
    demand = register(citizen)
    new_date = demand.next_renewal_date + timedelta(days=7)
    with pytest.raises(DemandError, match="motivo"):
        services.demand_correct(demand=demand, changes={"travel_distance_km": 50}, reason=" ", technician=technician)
    demand = services.demand_correct(demand=demand, changes={"travel_distance_km": 50, "next_renewal_date": new_date},
                                     reason="Error al grabar en la entrevista", technician=technician)
    assert demand.travel_distance_km == 50 and demand.next_renewal_date == new_date
    record = audited(AuditEvent.DEMAND_CORRECTED, demand).get()
    assert record.actor_id == technician.pk
    assert record.details["reason"] == "Error al grabar en la entrevista"
    assert record.details["changes"]["travel_distance_km"] == {"before": 25, "after": 50}
    event = demand.events.last()
    assert event.kind == DemandAction.CORRECT and event.registry_entry is None
    other = make_staff(username="otra", office=make_office())
    with pytest.raises(DemandError, match="otra oficina"):
        services.demand_correct(demand=demand, changes={"travel_distance_km": 10}, reason="x", technician=other)
    with pytest.raises(DemandError):
        services.demand_correct(demand=demand, changes={"number": "D-1"}, reason="x", technician=technician)


def test_demand_get_for_user_hides_others(citizen, technician):
    from django.http import Http404

    demand = register(citizen)
    assert demand_get_for_user(user=citizen, pk=demand.pk) == demand
    assert demand_get_for_user(user=technician, pk=demand.pk) == demand
    with pytest.raises(Http404):
        demand_get_for_user(user=make_citizen(document_number="00000000T", email="z@example.org"), pk=demand.pk)
    with pytest.raises(Http404):
        demand_get_for_user(user=citizen, pk=demand.pk + 1000)


def test_a_failure_rolls_everything_back(citizen, monkeypatch):
    from oficina.demand import services as module

    def broken(demand):
        raise RuntimeError("seal unavailable")

    monkeypatch.setattr(module, "_issue_darde", broken)
    with pytest.raises(RuntimeError):
        register(citizen)
    assert not Demand.objects.exists() and not RegistryEntry.objects.exists() and not DemandEvent.objects.exists()
    assert not AuditRecord.objects.filter(event=AuditEvent.DEMAND_REGISTERED).exists()
