"""The citizen's work-situation pages and timeline: what /demanda/ offers in each state, each change through
its page (registry entry with receipt, new state, history), bad input kept and explained next to the field,
refused transitions with the Spanish reason, and nobody else's demand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oficina.accounts.tests.conftest import CommittingClient, make_staff
from oficina.core.calendar import to_madrid
from oficina.demand import services
from oficina.demand.constants import DemandAction, DemandState, SuspensionCause
from oficina.demand.models import Demand, DemandEvent, Occupation
from oficina.registry.models import RegistryEntry

from .conftest import make_citizen, profile

pytestmark = pytest.mark.django_db



@pytest.fixture
def client() -> CommittingClient:
    return CommittingClient()


@pytest.fixture
def demand(citizen):
    return services.demand_register(citizen=citizen, profile=profile())


@pytest.fixture
def citizen_client(client, citizen):
    client.force_login(citizen)
    return client


def today():
    return to_madrid(timezone.now()).date()


def iso(d) -> str:
    return d.isoformat()


def fresh(demand) -> Demand:
    return Demand.objects.get(pk=demand.pk)


def suspended_by_work(demand, citizen) -> Demand:
    return services.demand_report_work_start(demand=demand, start_date=today(), contract_type="temporary",
                                             end_date=today() + timedelta(days=60), actor=citizen)


def last_event(demand) -> DemandEvent:
    return DemandEvent.objects.filter(demand=demand).order_by("-at", "-id").first()


# --- /demanda/ offers what the state allows ---------------------------------------------------------


def test_alta_demand_page_offers_the_alta_actions_only(citizen_client, demand):
    html = citizen_client.get("/demanda/").content.decode()
    for url in ["/demanda/trabajo/inicio/", "/demanda/suspension/", "/demanda/categoria/", "/demanda/datos/",
                "/demanda/baja/", "/demanda/historial/"]:
        assert f'href="{url}"' in html
    assert 'href="/demanda/trabajo/fin/"' not in html and 'href="/demanda/reactivacion/"' not in html
    assert "Inscribirme de nuevo" not in html


def test_demand_suspended_for_work_offers_the_end_of_the_job_not_a_resume(citizen_client, citizen, demand):
    suspended_by_work(demand, citizen)
    html = citizen_client.get("/demanda/").content.decode()
    assert 'href="/demanda/trabajo/fin/"' in html and 'href="/demanda/datos/"' in html
    for url in ["/demanda/reactivacion/", "/demanda/trabajo/inicio/", "/demanda/suspension/", "/demanda/categoria/"]:
        assert f'href="{url}"' not in html


def test_demand_in_baja_offers_no_change(citizen_client, citizen, demand):
    services.demand_voluntary_baja(demand=demand, actor=citizen)
    html = citizen_client.get("/demanda/").content.decode()
    assert "situation-actions" not in html and 'href="/demanda/historial/"' in html
    assert 'href="/demanda/alta/"' in html and "Inscribirme de nuevo" in html


# --- Work start ----------------------------------------------------------------------------------


def test_work_start_page_explains_the_rule_with_the_state_machine_limit(citizen_client, demand):
    from oficina.demand.state_machine import SHORT_CONTRACT_MAX_DAYS

    html = citizen_client.get("/demanda/trabajo/inicio/").content.decode()
    assert f"contrato temporal de hasta {SHORT_CONTRACT_MAX_DAYS} días" in html and 'name="contract_type"' in html


def test_short_temporary_job_shows_the_suspension_then_suspends_with_a_receipt(citizen_client, demand):
    data = {"start_date": iso(today()), "contract_type": "temporary", "end_date": iso(today() + timedelta(days=90))}
    response = citizen_client.post("/demanda/trabajo/inicio/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Confirme el inicio del trabajo" in html and "Su demanda pasará a <strong>Suspensión</strong>" in html
    assert fresh(demand).state == DemandState.ALTA  # nothing happens before the confirmation

    response = citizen_client.post("/demanda/trabajo/inicio/", {**data, "confirm": "1"})
    event = last_event(demand)
    assert response.status_code == 302 and response["Location"] == f"/demanda/historial/{event.pk}/"
    demand = fresh(demand)
    assert demand.state == DemandState.SUSPENSION and demand.suspension_cause == SuspensionCause.WORK
    assert event.kind == DemandAction.WORK_START_SUSPENSION and event.registry_entry.receipt is not None
    html = citizen_client.get(response["Location"]).content.decode()
    assert "Suspensión" in html and event.registry_entry.number in html
    assert f'href="/registro/{event.registry_entry.number}/justificante.pdf"' in html
    receipt = citizen_client.get(f"/registro/{event.registry_entry.number}/justificante.pdf")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"


def test_indefinite_contract_shows_the_baja_then_ends_the_demand(citizen_client, demand):
    data = {"start_date": iso(today() + timedelta(days=3)), "contract_type": "indefinite", "end_date": ""}
    html = citizen_client.post("/demanda/trabajo/inicio/", data).content.decode()
    assert "Su demanda pasará a <strong>Baja</strong>" in html and "baja por colocación" in html
    citizen_client.post("/demanda/trabajo/inicio/", {**data, "confirm": "1"})
    demand = fresh(demand)
    assert demand.state == DemandState.BAJA and demand.baja_reason == "work"


def test_change_the_data_from_the_confirmation_keeps_what_was_typed(citizen_client, demand):
    data = {"start_date": iso(today()), "contract_type": "self_employed", "end_date": "", "edit": "1"}
    html = citizen_client.post("/demanda/trabajo/inicio/", data).content.decode()
    assert f'value="{iso(today())}"' in html and 'value="self_employed" ' in html and "checked" in html
    assert fresh(demand).state == DemandState.ALTA


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"start_date": "today", "contract_type": ""}, "contract_type", "Indique el tipo de contrato."),
    ({"start_date": "+31", "contract_type": "indefinite"}, "start_date", "no puede ser posterior al"),
    ({"start_date": "-1", "contract_type": "indefinite"}, "start_date", "anterior a su inscripción"),
    ({"start_date": "", "contract_type": "indefinite"}, "start_date", "Indique la fecha."),
    ({"start_date": "31/02/2026", "contract_type": "indefinite"}, "start_date", "Escriba la fecha como"),
    ({"start_date": "today", "contract_type": "indefinite", "end_date": "+10"}, "end_date",
     "Solo los contratos temporales tienen fecha de fin"),
    ({"start_date": "today", "contract_type": "temporary", "end_date": "-1"}, "end_date",
     "no puede ser anterior a la de inicio"),
])
def test_bad_work_start_input_is_explained_next_to_the_field(citizen_client, demand, data, field, message):
    def value(text: str) -> str:
        if text == "today":
            return iso(today())
        if text[:1] in "+-" and text[1:].isdigit():
            return iso(today() + timedelta(days=int(text)))
        return text

    posted = {key: value(text) for key, text in data.items()}
    response = citizen_client.post("/demanda/trabajo/inicio/", {**posted, "confirm": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in html and message in html
    assert "Hay un problema" in html
    if posted.get("start_date") and field != "start_date":
        assert f'value="{posted["start_date"]}"' in html  # nothing typed is lost
    assert fresh(demand).state == DemandState.ALTA
    assert not DemandEvent.objects.filter(demand=demand).exclude(kind=DemandAction.REGISTER).exists()


def test_work_start_on_a_demand_in_baja_is_refused_with_the_reason(citizen_client, citizen, demand):
    services.demand_voluntary_baja(demand=demand, actor=citizen)
    page = citizen_client.get("/demanda/trabajo/inicio/").content.decode()
    assert "Su demanda de empleo está de baja" in page and 'name="contract_type"' not in page
    response = citizen_client.post("/demanda/trabajo/inicio/", {
        "start_date": iso(today()), "contract_type": "indefinite", "confirm": "1"})
    assert response.status_code == 400
    assert "Su demanda de empleo está de baja" in response.content.decode()
    assert last_event(demand).kind == DemandAction.VOLUNTARY_BAJA


def test_without_a_demand_the_pages_say_to_register_first(citizen_client):
    for url in ["/demanda/trabajo/inicio/", "/demanda/suspension/", "/demanda/baja/", "/demanda/datos/"]:
        response = citizen_client.get(url)
        assert "primero debe darse de alta" in response.content.decode(), url
    assert citizen_client.post("/demanda/suspension/", {"cause": "illness"}).status_code == 400
    assert not Demand.objects.exists()


# --- Work end, suspension, reactivation ---------------------------------------------------------------


def test_work_end_reactivates_with_a_new_darde(citizen_client, citizen, demand):
    suspended_by_work(demand, citizen)
    response = citizen_client.post("/demanda/trabajo/fin/", {"end_date": iso(today())})
    event = last_event(demand)
    assert response.status_code == 302 and event.kind == DemandAction.WORK_END
    demand = fresh(demand)
    assert demand.state == DemandState.ALTA and demand.next_renewal_date > today()
    assert event.darde is not None and demand.latest_darde_id == event.darde_id
    html = citizen_client.get(response["Location"]).content.decode()
    assert "Alta" in html and f'href="/demanda/historial/{event.pk}/darde.pdf"' in html
    assert demand.next_renewal_date.strftime("%d/%m/%Y") in html
    darde = citizen_client.get(f"/demanda/historial/{event.pk}/darde.pdf")
    assert darde.status_code == 200 and darde["Content-Type"] == "application/pdf"


def test_work_end_in_the_future_or_before_the_job_is_refused(citizen_client, citizen, demand):
    suspended_by_work(demand, citizen)
    tomorrow = citizen_client.post("/demanda/trabajo/fin/", {"end_date": iso(today() + timedelta(days=1))})
    assert tomorrow.status_code == 400 and "no puede ser posterior a hoy" in tomorrow.content.decode()
    before = citizen_client.post("/demanda/trabajo/fin/", {"end_date": iso(today() - timedelta(days=1))})
    assert before.status_code == 400 and "anterior al inicio del trabajo" in before.content.decode()
    assert fresh(demand).state == DemandState.SUSPENSION


def test_work_end_on_an_alta_demand_is_refused(citizen_client, demand):
    response = citizen_client.post("/demanda/trabajo/fin/", {"end_date": iso(today())})
    assert response.status_code == 400
    assert "No se puede hacer «fin de trabajo (reactivación)» con la demanda en situación de alta." in \
        response.content.decode()


def test_suspend_for_illness_then_resume(citizen_client, demand):
    missing = citizen_client.post("/demanda/suspension/", {})
    assert missing.status_code == 400 and "Indique la causa de la suspensión." in missing.content.decode()
    work = citizen_client.post("/demanda/suspension/", {"cause": "work"})  # the work cause has its own page
    assert work.status_code == 400

    response = citizen_client.post("/demanda/suspension/", {"cause": "illness"})
    assert response.status_code == 302
    demand = fresh(demand)
    assert demand.state == DemandState.SUSPENSION and demand.suspension_cause == SuspensionCause.ILLNESS
    assert last_event(demand).registry_entry.subject == "Solicitud de suspensión de la demanda"
    assert 'href="/demanda/reactivacion/"' in citizen_client.get("/demanda/").content.decode()
    # The end of a job is not how an illness ends.
    refused = citizen_client.post("/demanda/trabajo/fin/", {"end_date": iso(today())})
    assert refused.status_code == 400 and "suspendida por otra causa" in refused.content.decode()

    response = citizen_client.post("/demanda/reactivacion/")
    assert response.status_code == 302
    assert fresh(demand).state == DemandState.ALTA and last_event(demand).kind == DemandAction.RESUME


def test_resume_of_a_suspension_for_work_is_refused(citizen_client, citizen, demand):
    suspended_by_work(demand, citizen)
    response = citizen_client.post("/demanda/reactivacion/")
    assert response.status_code == 400 and "comunique el fin del trabajo" in response.content.decode()
    assert fresh(demand).state == DemandState.SUSPENSION


# --- Voluntary baja, category, profile ------------------------------------------------------------------


def test_voluntary_baja_needs_the_confirmation_box(citizen_client, demand):
    page = citizen_client.get("/demanda/baja/").content.decode()
    assert "dejará de estar inscrito/a" in page
    response = citizen_client.post("/demanda/baja/", {"reason": "Me mudo fuera de España"})
    html = response.content.decode()
    assert response.status_code == 400 and "Marque la casilla" in html and "Me mudo fuera de España" in html
    assert fresh(demand).state == DemandState.ALTA

    response = citizen_client.post("/demanda/baja/", {"reason": "Me mudo fuera de España", "understood": "on"})
    assert response.status_code == 302
    assert fresh(demand).state == DemandState.BAJA
    assert last_event(demand).details["reason"] == "Me mudo fuera de España"
    again = citizen_client.post("/demanda/baja/", {"understood": "on"})
    assert again.status_code == 400 and "está de baja" in again.content.decode()


def test_category_change_to_employed_looking_for_a_better_job(citizen_client, demand):
    page = citizen_client.get("/demanda/categoria/").content.decode()
    assert "Ocupado/a que busca mejorar de empleo" in page and 'value="unemployed"' not in page
    same = citizen_client.post("/demanda/categoria/", {"category": "unemployed"})  # crafted: the current one
    assert same.status_code == 400 and "Indique su situación laboral." in same.content.decode()
    response = citizen_client.post("/demanda/categoria/", {"category": "employed_improvement"})
    assert response.status_code == 302
    assert fresh(demand).category == "employed_improvement"
    assert RegistryEntry.objects.filter(subject="Cambio de categoría de la demanda de empleo").count() == 1


def test_category_change_while_suspended_is_refused(citizen_client, citizen, demand):
    suspended_by_work(demand, citizen)
    response = citizen_client.post("/demanda/categoria/", {"category": "employed_improvement"})
    assert response.status_code == 400 and "situación de suspensión" in response.content.decode()
    assert fresh(demand).category == "unemployed"


def _profile_data(**overrides):
    data = {"occupations": ["5120", "5110"], "education_level": "fp_medium", "working_time": "full",
            "shifts": ["morning"], "travel_distance_km": "25", "occupation_query": ""}
    data.update(overrides)
    return data


def test_profile_search_adds_matches_and_keeps_what_was_ticked(citizen_client, demand):
    response = citizen_client.post("/demanda/datos/", _profile_data(
        action="search", occupation_query="electricista", travel_distance_km="40"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Electricistas de la construcción" in html and "encontrada" in html
    assert 'value="40"' in html  # nothing typed is lost
    assert fresh(demand).travel_distance_km == 25


def test_profile_update_saves_occupations_and_availability(citizen_client, demand):
    electricista = Occupation.objects.filter(name__icontains="electricistas de la construcción").first().code
    response = citizen_client.post("/demanda/datos/", _profile_data(
        action="save", occupations=["5120", electricista], working_time="part", shifts=["afternoon", "weekend"],
        education_level="fp_higher", travel_distance_km="60"))
    assert response.status_code == 302
    demand = fresh(demand)
    assert sorted(demand.occupations.values_list("code", flat=True)) == sorted(["5120", electricista])
    assert (demand.working_time, demand.shifts, demand.education_level, demand.travel_distance_km) == (
        "part", ["afternoon", "weekend"], "fp_higher", 60)
    event = last_event(demand)
    assert event.kind == DemandAction.UPDATE_PROFILE and event.registry_entry.receipt is not None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"occupations": []}, "Elija entre 1 y 6 ocupaciones."),
    ({"occupations": ["9999"]}, "no existe en la CNO-11"),
    ({"travel_distance_km": "5000"}, "de 0 a 1000"),
    ({}, "No ha cambiado ningún dato."),
])
def test_bad_profile_input_is_explained(citizen_client, demand, overrides, message):
    response = citizen_client.post("/demanda/datos/", _profile_data(action="save", **overrides))
    assert response.status_code == 400 and message in response.content.decode()
    assert last_event(demand).kind == DemandAction.REGISTER


# --- Timeline and privacy --------------------------------------------------------------------------


def test_timeline_lists_every_change_in_order_with_states_who_receipt_and_darde(citizen_client, citizen, demand,
                                                                                 technician):
    suspended_by_work(demand, citizen)
    services.demand_report_work_end(demand=demand, end_date=today(), actor=citizen)
    services.demand_correct(demand=fresh(demand), changes={"travel_distance_km": 50}, reason="Dato mal copiado",
                            technician=technician)
    html = citizen_client.get("/demanda/historial/").content.decode()
    titles = ["Alta de la demanda", "Inicio de trabajo (suspensión)", "Fin de trabajo (reactivación)",
              "Corrección por personal técnico"]
    positions = [html.index(title) for title in titles]
    assert positions == sorted(positions)
    assert "Alta → Suspensión" in html and "Suspensión → Alta" in html
    assert "Usted" in html and "Personal técnico: Lucía Martín" in html and "Dato mal copiado" in html
    events = list(DemandEvent.objects.filter(demand=demand).order_by("at", "id"))
    for event in events:
        if event.registry_entry:
            assert f'href="/registro/{event.registry_entry.number}/justificante.pdf"' in html
        if event.darde:
            assert f'href="/demanda/historial/{event.pk}/darde.pdf"' in html
    assert events[1].registry_entry and not events[-1].registry_entry  # corrections are not registry entries


def test_another_citizen_sees_neither_the_timeline_nor_its_documents(client, citizen, demand):
    suspended_by_work(demand, citizen)
    event = last_event(demand)
    darde_event = DemandEvent.objects.get(demand=demand, kind=DemandAction.REGISTER)
    other = make_citizen(document_number="X1234567L", email="eusebio@example.org", first_name="Eusebio")
    client.force_login(other)
    html = client.get("/demanda/historial/").content.decode()
    assert demand.number not in html and "Todavía no está inscrito/a" in html
    assert client.get(f"/demanda/historial/{event.pk}/").status_code == 404
    assert client.get(f"/demanda/historial/{darde_event.pk}/darde.pdf").status_code == 404
    # With a demand of their own, the other citizen's event numbers are still not theirs.
    services.demand_register(citizen=other, profile=profile())
    assert client.get(f"/demanda/historial/{event.pk}/").status_code == 404
    assert demand.number not in client.get("/demanda/historial/").content.decode()


def test_pages_are_for_signed_in_citizens(client, demand):
    response = client.get("/demanda/trabajo/inicio/")
    assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/")
    client.force_login(make_staff(username="otra"))
    assert client.get("/demanda/historial/").status_code in {302, 403}


def test_timeline_queries_do_not_grow_with_the_history(citizen_client, citizen, demand):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert citizen_client.get("/demanda/historial/").status_code == 200
        return len(queries)

    suspended_by_work(demand, citizen)
    count()  # the first request of a session loads more (caches)
    few = count()
    services.demand_report_work_end(demand=demand, end_date=today(), actor=citizen)
    services.demand_suspend(demand=fresh(demand), cause="training", actor=citizen)
    services.demand_resume(demand=fresh(demand), actor=citizen)
    assert count() == few
