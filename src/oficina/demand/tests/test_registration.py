"""The guided registration (alta): each step's checks, the server-side draft (saved, kept, resumed), the
submission (demand, registry entry, sealed DARDE), and who may do what."""

from __future__ import annotations


import pytest

from oficina.accounts.models import Role
from oficina.accounts.tests.conftest import CommittingClient, make_office, make_staff
from oficina.core.audit import AuditEvent
from oficina.core.models import AuditRecord
from oficina.demand import services
from oficina.demand.constants import DemandState
from oficina.demand.models import Demand, RegistrationDraft
from oficina.demand.registration import registration_draft_for
from oficina.registry.constants import EntryKind, SealedDocumentKind
from oficina.registry.models import RegistryEntry, SealedDocument

from .conftest import make_citizen, pdf_text, profile, squeeze

pytestmark = pytest.mark.django_db

ALTA = "/demanda/alta/"



@pytest.fixture
def client(citizen) -> CommittingClient:
    client = CommittingClient()
    client.force_login(citizen)
    client.session_user = citizen
    return client


ADDRESS = {"address": "Calle Mayor 1, 2º B", "municipality": "Valladolid", "postal_code": "47001", "office": ""}
NATIONALITY = {"nationality": "ES"}
EDUCATION = {"education_level": "fp_medium"}
EXPERIENCE = {"experience_1_occupation": "5120", "experience_1_months": "24", "experience_1_employer": "Bar Plaza",
              "language_1_language": "inglés", "language_1_level": "B1", "driving_licences": ["B"]}
AVAILABILITY = {"category": "unemployed", "working_time": "full", "shifts": ["morning", "afternoon"],
                "travel_distance_km": "25"}


def post(client, slug: str, data: dict | None = None, **extra):
    return client.post(f"{ALTA}{slug}/", {**(data or {}), **extra})


def fill_until(client, last: str) -> None:
    """Save the steps in order up to `last` (a step key), the way the pages do; steps already completed
    are left as they are."""
    draft = registration_draft_for(client.session_user) if hasattr(client, "session_user") else None
    steps = [("personal", lambda: post(client, "datos-personales")),
             ("address", lambda: post(client, "domicilio", ADDRESS)),
             ("nationality", lambda: post(client, "nacionalidad", NATIONALITY)),
             ("education", lambda: post(client, "estudios", EDUCATION)),
             ("occupations", lambda: (post(client, "ocupaciones", {"add": "5120"}),
                                      post(client, "ocupaciones", EXPERIENCE))),
             ("availability", lambda: post(client, "disponibilidad", AVAILABILITY))]
    done = draft.completed_steps if draft else []
    for key, action in steps:
        if key in done:
            if key == last:
                return
            continue
        result = action()
        response = result[-1] if isinstance(result, tuple) else result
        assert response.status_code == 302, (key, response.content.decode()[:3000])
        if key == last:
            return


def draft_of(citizen) -> RegistrationDraft:
    return RegistrationDraft.objects.get(citizen=citizen)


# --- Start, order, progress ----------------------------------------------------------------------


def test_start_page_explains_the_steps_and_leads_to_step_one(client):
    html = client.get(ALTA).content.decode()
    assert "Inscribirse como demandante de empleo" in html
    assert f'href="{ALTA}datos-personales/"' in html
    page = client.get(f"{ALTA}datos-personales/").content.decode()
    assert "Paso 1 de 7" in page and "María García López" in page and "12345678Z" in page
    assert "maria@example.org" in page


def test_steps_are_filled_in_order(client):
    response = client.get(f"{ALTA}estudios/")
    assert response.status_code == 302 and response["Location"] == f"{ALTA}datos-personales/"
    assert client.get(f"{ALTA}revision/")["Location"] == f"{ALTA}datos-personales/"
    assert client.get(f"{ALTA}no-existe/").status_code == 404


def test_each_step_save_is_stored_and_audited_without_its_values(client, citizen):
    response = post(client, "datos-personales")
    assert response.status_code == 302 and response["Location"] == f"{ALTA}domicilio/"
    response = post(client, "domicilio", ADDRESS)
    assert response["Location"] == f"{ALTA}nacionalidad/"
    draft = draft_of(citizen)
    assert draft.completed_steps == ["personal", "address"]
    assert draft.current_step == "nationality"
    assert draft.data["address"] == {"address": "Calle Mayor 1, 2º B", "municipality": "Valladolid",
                                     "postal_code": "47001", "office": None}
    records = AuditRecord.objects.filter(event=AuditEvent.DEMAND_REGISTRATION_DRAFT_SAVED, actor_id=citizen.pk)
    assert [r.details["step"] for r in records.order_by("id")] == ["personal", "address"]
    assert "Calle Mayor" not in str([r.details for r in records])


# --- Step checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("postal_code", "message"), [
    ("4700", "El código postal tiene cinco cifras"),
    ("28001", "Escriba un código postal de Castilla y León"),
    ("", "Escriba el código postal de su domicilio"),
])
def test_bad_postal_code_is_refused_next_to_the_field_and_keeps_what_was_typed_and_saved(
        client, citizen, postal_code, message):
    fill_until(client, "address")
    response = post(client, "domicilio", {**ADDRESS, "address": "Calle Nueva 9", "postal_code": postal_code})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html and 'id="id_postal_code-error"' in html
    assert 'value="Calle Nueva 9"' in html
    if postal_code:
        assert f'value="{postal_code}"' in html
    assert 'aria-invalid="true"' in html
    assert draft_of(citizen).data["address"]["address"] == "Calle Mayor 1, 2º B"  # the saved step is kept


def test_postal_code_sets_the_office_and_the_citizen_may_choose_another(client, citizen, office):
    other = make_office(province_code="24", postal_codes_served="24001")
    fill_until(client, "personal")
    page = client.get(f"{ALTA}domicilio/").content.decode()
    assert f"Por su código postal le corresponde la oficina <strong>{office}</strong>" in page
    assert f'<option value="{other.pk}">' in page
    post(client, "domicilio", {**ADDRESS, "office": str(other.pk)})
    assert draft_of(citizen).data["address"]["office"] == other.pk
    fill_until(client, "availability")
    review = client.get(f"{ALTA}revision/").content.decode()
    assert str(other) in review
    client.post(f"{ALTA}revision/")
    assert Demand.objects.get(citizen=citizen).office == other


def test_postal_code_without_office_asks_to_choose_one(client):
    fill_until(client, "personal")
    response = post(client, "domicilio", {**ADDRESS, "postal_code": "09001"})
    assert response.status_code == 400
    assert "No encontramos una oficina para ese código postal" in response.content.decode()


def test_non_eu_national_needs_a_work_authorisation(client, citizen):
    fill_until(client, "address")
    response = post(client, "nacionalidad", {"nationality": "MA"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_work_authorisation-error"' in html and "autorización de residencia y trabajo" in html
    assert '<option value="MA" selected>Marruecos</option>' in html
    response = post(client, "nacionalidad", {"nationality": "MA", "work_authorisation": "TIE cuenta ajena X1234567L",
                                              "work_authorisation_expires": "31/12/2027"})
    assert response.status_code == 302
    assert draft_of(citizen).data["nationality"] == {"nationality": "MA", "work_authorisation": "TIE cuenta ajena "
                                                     "X1234567L", "work_authorisation_expires": "2027-12-31"}
    page = client.get(f"{ALTA}nacionalidad/").content.decode()
    assert 'value="31/12/2027"' in page  # going back shows the saved values


def test_eu_national_needs_no_authorisation_and_a_stray_one_is_dropped(client, citizen):
    fill_until(client, "address")
    assert post(client, "nacionalidad", {"nationality": "FR", "work_authorisation": "algo"}).status_code == 302
    assert draft_of(citizen).data["nationality"]["work_authorisation"] == ""
    assert post(client, "nacionalidad", {"nationality": "XX"}).status_code == 400


def test_education_level_is_required(client):
    fill_until(client, "nationality")
    response = post(client, "estudios", {})
    assert response.status_code == 400 and "Elija su nivel de estudios." in response.content.decode()


def test_no_occupations_is_refused(client, citizen):
    fill_until(client, "education")
    response = post(client, "ocupaciones", EXPERIENCE)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Elija entre 1 y 6 ocupaciones." in html and 'href="#id_occupations"' in html
    assert 'value="Bar Plaza"' in html  # what was typed is shown again
    assert "occupations" not in draft_of(citizen).completed_steps


def test_search_finds_occupations_with_or_without_accents(client):
    fill_until(client, "education")
    for query in ["camarero", "CAMARERO", "camaréro"]:
        html = client.get(f"{ALTA}ocupaciones/", {"q": query}).content.decode()
        assert "Camareros asalariados" in html and 'name="add" value="5120"' in html, query
    for query in ["electricista", "electricísta", "Electricistas"]:
        html = client.get(f"{ALTA}ocupaciones/", {"q": query}).content.decode()
        assert "Electricistas de la construcción y afines" in html and 'value="7510"' in html, query
    assert "No hay ninguna ocupación" in client.get(f"{ALTA}ocupaciones/", {"q": "zzzz"}).content.decode()


def test_occupations_are_added_and_removed_one_at_a_time_and_at_most_six(client, citizen):
    fill_until(client, "education")
    response = post(client, "ocupaciones", {"add": "5120", "q": "camarero"})
    assert response.status_code == 302 and response["Location"] == f"{ALTA}ocupaciones/?q=camarero#ocupaciones-elegidas"
    for code in ["5000", "5821", "7510", "9210", "9700"]:
        assert post(client, "ocupaciones", {"add": code}).status_code == 302
    assert draft_of(citizen).data["occupations"]["occupation_codes"] == ["5120", "5000", "5821", "7510", "9210",
                                                                          "9700"]
    response = post(client, "ocupaciones", {"add": "5110"})
    assert response.status_code == 400
    assert "Puede elegir como mucho 6 ocupaciones" in response.content.decode()
    assert len(draft_of(citizen).data["occupations"]["occupation_codes"]) == 6
    assert post(client, "ocupaciones", {"add": "0000"}).status_code == 400  # not in the CNO-11
    post(client, "ocupaciones", {"remove": "5000"})
    assert "5000" not in draft_of(citizen).data["occupations"]["occupation_codes"]
    response = post(client, "ocupaciones", EXPERIENCE)
    assert response.status_code == 302 and response["Location"] == f"{ALTA}disponibilidad/"
    occupations = draft_of(citizen).data["occupations"]
    assert occupations["experience"] == [{"occupation": "5120", "months": 24, "employer": "Bar Plaza"}]
    assert occupations["languages"] == [{"language": "inglés", "level": "B1"}]
    assert occupations["driving_licences"] == ["B"]
    for code in ["5120", "5821", "7510", "9210", "9700"]:
        post(client, "ocupaciones", {"remove": code})
    assert "occupations" not in draft_of(citizen).completed_steps  # an empty list is not a finished step


def test_half_filled_experience_or_language_rows_are_refused(client):
    fill_until(client, "education")
    post(client, "ocupaciones", {"add": "5120"})
    response = post(client, "ocupaciones", {"experience_1_employer": "Bar Plaza", "language_1_level": "B2",
                                            "experience_2_occupation": "9999"})
    html = response.content.decode()
    assert response.status_code == 400
    for message in ["Elija la ocupación de esta experiencia.", "Escriba cuántos meses trabajó.",
                    "Escriba el idioma.", "Elija una de las ocupaciones que busca."]:
        assert message in html


def test_disability_degree_needs_explicit_consent(client, citizen):
    fill_until(client, "occupations")
    response = post(client, "disponibilidad", {**AVAILABILITY, "disability_degree": "45"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_disability_consent-error"' in html and "necesitamos su consentimiento" in html
    assert 'value="45"' in html
    assert "availability" not in draft_of(citizen).completed_steps
    response = post(client, "disponibilidad", {**AVAILABILITY, "disability_degree": "45", "disability_consent": "on"})
    assert response.status_code == 302 and response["Location"] == f"{ALTA}revision/"
    assert draft_of(citizen).data["availability"]["disability_degree"] == 45


def test_travel_distance_must_be_a_sensible_number(client):
    fill_until(client, "occupations")
    response = post(client, "disponibilidad", {**AVAILABILITY, "travel_distance_km": "mucho"})
    assert response.status_code == 400 and "Escriba los kilómetros en cifras" in response.content.decode()


# --- Draft: save and exit, resume, back, discard ---------------------------------------------------------


def test_save_and_exit_then_resume_at_the_saved_step(client, citizen):
    fill_until(client, "address")
    response = post(client, "nacionalidad", NATIONALITY, action="exit")
    assert response.status_code == 302 and response["Location"] == "/cuenta/"
    client.logout()
    client.force_login(citizen)  # days later, a new session
    home = client.get("/cuenta/").content.decode()
    assert "Continuar su inscripción" in home
    demand_page = client.get("/demanda/").content.decode()
    assert "Continuar su inscripción" in demand_page and 'href="/demanda/alta/"' in demand_page
    response = client.get(ALTA)
    assert response.status_code == 302 and response["Location"] == f"{ALTA}estudios/"
    back = client.get(f"{ALTA}domicilio/").content.decode()  # going back shows what was saved
    assert 'value="Calle Mayor 1, 2º B"' in back and 'value="Valladolid"' in back


def test_change_from_the_review_returns_to_the_review(client, citizen):
    fill_until(client, "availability")
    review = client.get(f"{ALTA}revision/").content.decode()
    assert "Paso 7 de 7" in review and f'href="{ALTA}estudios/?desde=revision"' in review
    assert "Camareros asalariados" in review and "Bar Plaza" in review and "inglés (B1)" in review
    page = client.get(f"{ALTA}estudios/", {"desde": "revision"}).content.decode()
    assert "Guardar y volver a la revisión" in page
    response = post(client, "estudios", {"education_level": "university", "desde": "revision"})
    assert response["Location"] == f"{ALTA}revision/"
    assert "Grado universitario o equivalente" in client.get(f"{ALTA}revision/").content.decode()


def test_discarding_the_draft_deletes_it_and_is_audited(client, citizen):
    fill_until(client, "address")
    response = client.post(f"{ALTA}borrar/")
    assert response.status_code == 302
    assert not RegistrationDraft.objects.filter(citizen=citizen).exists()
    assert AuditRecord.objects.filter(event=AuditEvent.DEMAND_REGISTRATION_DRAFT_DISCARDED,
                                      actor_id=citizen.pk).count() == 1


def test_a_draft_belongs_to_its_citizen_only(client, citizen):
    fill_until(client, "education")
    other = make_citizen(document_number="00000000T", email="otra@example.org", first_name="Ana")
    other_client = CommittingClient()
    other_client.force_login(other)
    other_client.session_user = other
    assert other_client.get(ALTA).status_code == 200  # their own start page, not the other's draft
    assert "Continuar su inscripción" not in other_client.get("/demanda/").content.decode()
    assert other_client.get(f"{ALTA}ocupaciones/")["Location"] == f"{ALTA}datos-personales/"
    post(other_client, "datos-personales")
    assert registration_draft_for(other).completed_steps == ["personal"]
    assert draft_of(citizen).completed_steps == ["personal", "address", "nationality", "education"]


# --- Submission -------------------------------------------------------------------------------------------


def test_submission_creates_the_demand_registry_entry_and_darde_and_deletes_the_draft(client, citizen, office):
    fill_until(client, "availability")
    response = client.post(f"{ALTA}revision/")
    assert response.status_code == 302 and response["Location"] == f"{ALTA}enviada/"
    demand = Demand.objects.get(citizen=citizen)
    assert demand.state == DemandState.ALTA and demand.office == office
    assert demand.address == "Calle Mayor 1, 2º B" and demand.education_level == "fp_medium"
    assert list(demand.occupations.values_list("code", flat=True)) == ["5120"]
    assert demand.experience == [{"occupation": "5120", "months": 24, "employer": "Bar Plaza"}]
    assert demand.shifts == ["morning", "afternoon"] and demand.travel_distance_km == 25
    assert not RegistrationDraft.objects.filter(citizen=citizen).exists()
    entry = RegistryEntry.objects.get(submitter=citizen, kind=EntryKind.DEMAND_REGISTRATION)
    assert entry.receipt is not None
    darde = SealedDocument.objects.get(owner=citizen, kind=SealedDocumentKind.DARDE)
    assert demand.latest_darde == darde
    assert AuditRecord.objects.filter(event=AuditEvent.DEMAND_REGISTERED, actor_id=citizen.pk).count() == 1

    done = client.get(f"{ALTA}enviada/").content.decode()
    assert demand.number in done and demand.next_renewal_date.strftime("%d/%m/%Y") in done
    assert 'href="/demanda/darde.pdf"' in done
    download = client.get("/demanda/darde.pdf")
    content = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    assert demand.number in squeeze(pdf_text(content))


def test_the_registration_receipt_is_in_the_citizens_file(client, citizen):
    fill_until(client, "availability")
    client.post(f"{ALTA}revision/")
    entry = RegistryEntry.objects.get(submitter=citizen, kind=EntryKind.DEMAND_REGISTRATION)
    html = client.get("/expediente/").content.decode()
    assert entry.number in html


def test_a_value_the_service_refuses_is_shown_on_its_step(client, citizen):
    other = make_office(province_code="24", postal_codes_served="24001")
    fill_until(client, "personal")
    post(client, "domicilio", {**ADDRESS, "office": str(other.pk)})
    fill_until(client, "availability")
    other.is_active = False
    other.save()
    response = client.post(f"{ALTA}revision/")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Paso 2 de 7" in html and "La oficina elegida ya no atiende" in html and 'id="id_office-error"' in html
    assert not Demand.objects.filter(citizen=citizen).exists()
    assert RegistrationDraft.objects.filter(citizen=citizen).exists()


def test_a_citizen_with_a_demand_cannot_start_another_registration(client, citizen):
    demand = services.demand_register(citizen=citizen, profile=profile())
    response = client.get(ALTA)
    assert response.status_code == 409
    html = response.content.decode()
    assert "No puede empezar otra inscripción" in html and demand.number in html
    assert post(client, "datos-personales").status_code == 409
    assert client.post(f"{ALTA}revision/").status_code == 409
    assert not RegistrationDraft.objects.filter(citizen=citizen).exists()
    assert "Continuar su inscripción" not in client.get("/cuenta/").content.decode()


def test_a_citizen_whose_demand_is_in_baja_may_register_again(client, citizen):
    demand = services.demand_voluntary_baja(demand=services.demand_register(citizen=citizen, profile=profile()),
                                            actor=citizen)
    assert client.get(ALTA).status_code == 200
    fill_until(client, "availability")
    client.post(f"{ALTA}revision/")
    demand.refresh_from_db()
    assert demand.state == DemandState.ALTA


def test_anonymous_go_to_sign_in_and_staff_are_refused(citizen, office):
    anonymous = CommittingClient()
    for url in [ALTA, f"{ALTA}datos-personales/", f"{ALTA}revision/", f"{ALTA}enviada/"]:
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/"), url
    staff = CommittingClient()
    staff.force_login(make_staff(office=office, role=Role.TECHNICIAN))
    for url in [ALTA, f"{ALTA}datos-personales/", f"{ALTA}revision/"]:
        assert staff.get(url).status_code == 403, url
    assert staff.post(f"{ALTA}datos-personales/").status_code == 403
    assert not RegistrationDraft.objects.exists()


def test_done_page_without_demand_goes_back_to_the_start(client):
    response = client.get(f"{ALTA}enviada/")
    assert response.status_code == 302 and response["Location"] == ALTA


def test_submit_service_refuses_a_missing_or_unfinished_draft(citizen):
    from oficina.demand.exceptions import DemandError
    from oficina.demand.registration import STEPS, registration_draft_save_step, registration_submit

    with pytest.raises(DemandError) as missing:
        registration_submit(citizen=citizen)
    assert missing.value.code == "no_draft"
    registration_draft_save_step(citizen=citizen, step=STEPS[0], values={"confirmed": True})
    with pytest.raises(DemandError) as unfinished:
        registration_submit(citizen=citizen)
    assert unfinished.value.code == "incomplete" and "Su domicilio y su oficina" in unfinished.value.message
    assert not Demand.objects.filter(citizen=citizen).exists()


def test_submitting_an_unfinished_draft_sends_the_citizen_to_the_missing_step(client, citizen):
    fill_until(client, "availability")
    RegistrationDraft.objects.filter(citizen=citizen).update(completed_steps=["personal", "address"])
    response = client.get(f"{ALTA}revision/")
    assert response.status_code == 302 and response["Location"] == f"{ALTA}nacionalidad/"
