"""Technicians' demand pages: who gets in (the demand's office; 404 for another office, as for a missing
citizen), what they see (demand, timeline, file documents; every look audited), corrections with a
mandatory reason (history and audit), renewal and registration for a citizen attended in person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oficina.accounts.models import Role
from oficina.accounts.tests.conftest import CommittingClient, make_totp_device, sign_in_staff
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.demand import services
from oficina.demand.constants import DemandAction, DemandState
from oficina.demand.models import Demand, DemandEvent
from oficina.registry.constants import EntryKind
from oficina.registry.models import RegistryEntry

from .conftest import make_citizen, make_office, make_staff, profile

pytestmark = pytest.mark.django_db



def staff_client(user, *, steps_ahead: int = 0) -> CommittingClient:
    """Signed in through the real staff pages (password + TOTP): an OTP-verified session."""
    client = CommittingClient()
    sign_in_staff(client, user, make_totp_device(user), steps_ahead=steps_ahead)
    return client


@pytest.fixture
def demand(citizen):
    return services.demand_register(citizen=citizen, profile=profile())


@pytest.fixture
def tech_client(technician):
    return staff_client(technician)


def accesses(citizen, what: str):
    return AuditRecord.objects.filter(event=AuditEvent.CITIZEN_FILE_ACCESSED, target_type="accounts.user",
                                      target_id=str(citizen.pk), details__what=what)


def fresh(demand) -> Demand:
    return Demand.objects.get(pk=demand.pk)


# --- Access ----------------------------------------------------------------------------------------


def test_technician_of_the_office_sees_demand_timeline_and_documents_and_is_audited(tech_client, citizen, demand,
                                                                                    technician):
    response = tech_client.get(f"/demanda/personal/{citizen.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    for expected in [demand.number, "Alta", "Alta de la demanda", citizen.document_number, "Documentos del expediente",
                     f'href="/expediente/ciudadanos/{citizen.pk}/"', "Este acceso queda registrado"]:
        assert expected in html, expected
    event = DemandEvent.objects.get(demand=demand)
    assert f'href="/demanda/personal/{citizen.pk}/historial/{event.pk}/justificante.pdf"' in html
    assert f'href="/demanda/personal/{citizen.pk}/historial/{event.pk}/darde.pdf"' in html
    record = accesses(citizen, "demand").get()
    assert record.actor_id == technician.pk


def test_find_by_dni_goes_to_the_citizen_of_the_office_only(tech_client, citizen, demand):
    response = tech_client.get("/demanda/personal/", {"document_number": citizen.document_number})
    assert response.status_code == 302 and response["Location"] == f"/demanda/personal/{citizen.pk}/"
    stranger = make_citizen(document_number="X1234567L", email="e@example.org", office=make_office())
    services.demand_register(citizen=stranger, profile=profile(postal_code=""), office=stranger.office)
    response = tech_client.get("/demanda/personal/", {"document_number": "X1234567L"})
    assert response.status_code == 200 and "No hay ningún ciudadano/a de su oficina" in response.content.decode()
    bad = tech_client.get("/demanda/personal/", {"document_number": "123"})
    assert "Escriba un DNI o NIE válido." in bad.content.decode()


def test_technician_of_another_office_gets_404_everywhere(citizen, demand):
    other = staff_client(make_staff(username="otro", office=make_office()))
    event = DemandEvent.objects.get(demand=demand)
    base = f"/demanda/personal/{citizen.pk}/"
    for url in [base, f"{base}corregir/", f"{base}inscribir/", f"{base}historial/{event.pk}/justificante.pdf",
                f"{base}historial/{event.pk}/darde.pdf"]:
        assert other.get(url).status_code == 404, url
    assert other.post(f"{base}renovar/").status_code == 404
    assert other.post(f"{base}corregir/", {"reason": "x"}).status_code == 404
    assert other.get("/demanda/personal/999999/").status_code == 404
    assert not accesses(citizen, "demand").exists()


def test_supervisor_of_the_province_and_administrator_get_in(citizen, demand):
    supervisor = make_staff(role=Role.SUPERVISOR, username="super", supervised_province=demand.office.province)
    administrator = make_staff(role=Role.ADMINISTRATOR, username="admin")
    assert staff_client(supervisor).get(f"/demanda/personal/{citizen.pk}/").status_code == 200
    assert staff_client(administrator, steps_ahead=1).get(f"/demanda/personal/{citizen.pk}/").status_code == 200


def test_citizens_and_unverified_staff_do_not_get_in(client, citizen, demand, technician):
    client.force_login(citizen)
    assert client.get(f"/demanda/personal/{citizen.pk}/").status_code == 403
    unverified = CommittingClient()
    unverified.force_login(technician)
    response = unverified.get(f"/demanda/personal/{citizen.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/personal/acceso/")


def test_staff_downloads_of_receipt_and_darde_are_audited(tech_client, citizen, demand):
    event = DemandEvent.objects.get(demand=demand)
    receipt = tech_client.get(f"/demanda/personal/{citizen.pk}/historial/{event.pk}/justificante.pdf")
    darde = tech_client.get(f"/demanda/personal/{citizen.pk}/historial/{event.pk}/darde.pdf")
    assert receipt.status_code == 200 and darde.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert accesses(citizen, "receipt").count() == 1 and accesses(citizen, "darde").count() == 1


# --- Correction ----------------------------------------------------------------------------------


def test_correction_needs_a_reason_and_changes_nothing_without_it(tech_client, citizen, demand):
    page = tech_client.get(f"/demanda/personal/{citizen.pk}/corregir/").content.decode()
    assert 'value="Calle Mayor 1"' in page  # prefilled with the current data
    data = {"category": "unemployed", "office": demand.office.pk, "education_level": "fp_medium",
            "occupation_codes": "5110, 5120", "address": "Calle Mayor 10", "municipality": "Valladolid",
            "postal_code": "47001", "nationality": "ES", "work_authorisation": "", "working_time": "full",
            "travel_distance_km": "25", "next_renewal_date": demand.next_renewal_date.isoformat(), "reason": " "}
    response = tech_client.post(f"/demanda/personal/{citizen.pk}/corregir/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "Indique el motivo de la corrección." in html
    assert 'value="Calle Mayor 10"' in html
    assert fresh(demand).address == "Calle Mayor 1"
    assert not AuditRecord.objects.filter(event=AuditEvent.DEMAND_CORRECTED).exists()

    response = tech_client.post(f"/demanda/personal/{citizen.pk}/corregir/", {**data, "reason": "Error al copiar"})
    assert response.status_code == 302
    assert fresh(demand).address == "Calle Mayor 10"
    event = DemandEvent.objects.filter(demand=demand, kind=DemandAction.CORRECT).get()
    assert event.details["reason"] == "Error al copiar"
    assert event.details["changes"] == {"address": {"before": "Calle Mayor 1", "after": "Calle Mayor 10"}}
    record = AuditRecord.objects.get(event=AuditEvent.DEMAND_CORRECTED)
    assert record.details["reason"] == "Error al copiar" and record.target_id == str(demand.pk)
    assert "Error al copiar" in tech_client.get(f"/demanda/personal/{citizen.pk}/").content.decode()


def test_correction_with_nothing_changed_or_bad_codes_is_explained(tech_client, citizen, demand):
    data = {"category": "unemployed", "office": demand.office.pk, "education_level": "fp_medium",
            "occupation_codes": "5120, 5110", "address": "Calle Mayor 1", "municipality": "Valladolid",
            "postal_code": "47001", "nationality": "ES", "working_time": "full", "travel_distance_km": "25",
            "reason": "Revisión"}
    same = tech_client.post(f"/demanda/personal/{citizen.pk}/corregir/", data)
    assert same.status_code == 400 and "No ha cambiado ningún dato" in same.content.decode()
    bad = tech_client.post(f"/demanda/personal/{citizen.pk}/corregir/", {**data, "occupation_codes": "5120, 0000"})
    assert bad.status_code == 400 and "no existen en la CNO-11: 0000" in bad.content.decode()
    foreign = tech_client.post(f"/demanda/personal/{citizen.pk}/corregir/", {**data, "nationality": "MA"})
    assert foreign.status_code == 400 and "Indique la autorización de trabajo." in foreign.content.decode()
    assert not DemandEvent.objects.filter(kind=DemandAction.CORRECT).exists()


# --- Renewal and registration in person ----------------------------------------------------------------


def test_renewal_in_person_inside_the_window_is_recorded_by_the_technician(tech_client, citizen, demand, technician):
    outside = tech_client.post(f"/demanda/personal/{citizen.pk}/renovar/")
    assert outside.status_code == 400 and "Todavía no puede renovar" in outside.content.decode()
    Demand.objects.filter(pk=demand.pk).update(next_renewal_date=timezone.localdate())
    response = tech_client.post(f"/demanda/personal/{citizen.pk}/renovar/")
    assert response.status_code == 302
    entry = RegistryEntry.objects.get(kind=EntryKind.DEMAND_RENEWAL)
    assert entry.submitter == citizen and entry.recorded_by == technician
    event = DemandEvent.objects.get(demand=demand, kind=DemandAction.RENEW)
    assert event.actor == technician and event.darde is not None
    assert fresh(demand).next_renewal_date > timezone.localdate()
    html = tech_client.get(f"/demanda/personal/{citizen.pk}/").content.decode()
    assert "Demanda renovada" in html and "Personal técnico: Lucía Martín" in html


def _register_data(office, **overrides):
    data = {"category": "unemployed", "office": office.pk, "occupation_codes": "5120", "education_level": "secondary",
            "nationality": "ES", "work_authorisation": "", "address": "Plaza Mayor 2", "municipality": "Valladolid",
            "postal_code": "47001", "working_time": "any", "travel_distance_km": "30"}
    data.update(overrides)
    return data


def test_register_in_person_creates_the_demand_recorded_by_the_technician(tech_client, citizen, office, technician):
    page = tech_client.get(f"/demanda/personal/{citizen.pk}/")
    assert "No está inscrito/a" in page.content.decode()
    assert tech_client.get(f"/demanda/personal/{citizen.pk}/inscribir/").status_code == 200
    assert accesses(citizen, "demand_registration_form").count() == 1
    bad = tech_client.post(f"/demanda/personal/{citizen.pk}/inscribir/", _register_data(office, occupation_codes=""))
    assert bad.status_code == 400 and "Escriba entre 1 y 6 códigos CNO-11" in bad.content.decode()
    assert 'value="Plaza Mayor 2"' in bad.content.decode()

    response = tech_client.post(f"/demanda/personal/{citizen.pk}/inscribir/", _register_data(office))
    assert response.status_code == 302
    demand = Demand.objects.get(citizen=citizen)
    assert demand.state == DemandState.ALTA and demand.office == office and demand.latest_darde is not None
    entry = RegistryEntry.objects.get(kind=EntryKind.DEMAND_REGISTRATION)
    assert entry.recorded_by == technician and entry.submitter == citizen
    assert DemandEvent.objects.get(demand=demand).actor == technician
    assert AuditRecord.objects.filter(event=AuditEvent.DEMAND_REGISTERED, actor_id=technician.pk).exists()
    again = tech_client.post(f"/demanda/personal/{citizen.pk}/inscribir/", _register_data(office))
    assert again.status_code == 400 and "ya tiene una demanda en situación de alta" in again.content.decode()


def test_register_in_person_only_in_an_office_the_technician_attends(tech_client, citizen, office):
    elsewhere = make_office()
    response = tech_client.post(f"/demanda/personal/{citizen.pk}/inscribir/", _register_data(elsewhere))
    assert response.status_code == 400 and not Demand.objects.exists()
    assert "id_office-error" in response.content.decode()


def test_register_again_after_a_baja(tech_client, citizen, demand):
    services.demand_voluntary_baja(demand=demand, actor=citizen)
    html = tech_client.get(f"/demanda/personal/{citizen.pk}/").content.decode()
    assert "Inscribir de nuevo como demandante" in html
    form = tech_client.get(f"/demanda/personal/{citizen.pk}/inscribir/").content.decode()
    assert 'value="Calle Mayor 1"' in form  # the last data, to confirm with the citizen
    response = tech_client.post(f"/demanda/personal/{citizen.pk}/inscribir/", _register_data(demand.office))
    assert response.status_code == 302 and fresh(demand).state == DemandState.ALTA
    assert fresh(demand).number == demand.number


def test_technician_acting_on_another_office_demand_is_refused_by_the_service(citizen, demand):
    """The services check the technician too, whatever the page: no change for another office's demand."""
    stranger = make_staff(username="otro", office=make_office())
    from oficina.demand.exceptions import DemandError

    with pytest.raises(DemandError):
        services.demand_correct(demand=demand, changes={"address": "X"}, reason="r", technician=stranger)
    with pytest.raises(DemandError):
        services.demand_renew(demand=demand, actor=stranger, today=demand.next_renewal_date + timedelta(days=0))


def test_staff_page_queries_do_not_grow_with_the_history(tech_client, citizen, demand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert tech_client.get(f"/demanda/personal/{citizen.pk}/").status_code == 200
        return len(queries)

    count()  # the first request of a session loads more (caches)
    few = count()
    services.demand_suspend(demand=demand, cause="training", actor=citizen)
    services.demand_resume(demand=fresh(demand), actor=citizen)
    assert count() == few
