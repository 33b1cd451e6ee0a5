"""The citizen's demand page: what it shows, renewing inside the window, the DARDE download, and who
gets what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oficina.accounts.tests.conftest import CommittingClient, sign_in_citizen
from oficina.demand import services
from oficina.demand.models import Demand
from oficina.demand.renewal import renewal_window
from oficina.registry.constants import EntryKind
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


def due(demand, days: int = 0) -> Demand:
    """Move the demand's renewal date so that today is `days` after it (negative: before)."""
    Demand.objects.filter(pk=demand.pk).update(next_renewal_date=timezone.localdate() - timedelta(days=days))
    return Demand.objects.get(pk=demand.pk)


def test_page_shows_the_demand_window_and_darde_link(citizen_client, demand):
    html = citizen_client.get("/demanda/").content.decode()
    first, last = renewal_window(demand)
    for expected in [demand.number, "Alta", demand.office.name, timezone.localdate().strftime("%d/%m/%Y"),
                     demand.next_renewal_date.strftime("%d/%m/%Y"), first.strftime("%d/%m/%Y"),
                     last.strftime("%d/%m/%Y"), 'href="/demanda/darde.pdf"', "Descargar mi DARDE",
                     "Todavía no puede renovar su demanda"]:
        assert expected in html
    assert "Renovar ahora" not in html


def test_without_demand_the_page_offers_registration(citizen_client):
    response = citizen_client.get("/demanda/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Todavía no está inscrito/a" in html and "Inscribirme como demandante de empleo" in html
    assert "Renovar ahora" not in html and 'action="/demanda/renovar/"' not in html
    assert citizen_client.get("/demanda/darde.pdf").status_code == 404
    assert citizen_client.post("/demanda/renovar/").status_code == 404


def test_renew_inside_the_window_issues_a_new_darde_and_moves_the_date(citizen_client, demand):
    demand = due(demand)
    old_darde, old_date = demand.latest_darde, demand.next_renewal_date
    html = citizen_client.get("/demanda/").content.decode()
    assert "Renovar ahora" in html and 'action="/demanda/renovar/"' in html
    response = citizen_client.post("/demanda/renovar/")
    assert response.status_code == 302 and response["Location"] == "/demanda/"
    demand.refresh_from_db()
    assert demand.latest_darde != old_darde and demand.next_renewal_date > old_date + timedelta(days=60)
    assert RegistryEntry.objects.filter(kind=EntryKind.DEMAND_RENEWAL, submitter=demand.citizen).count() == 1
    new_date = demand.next_renewal_date.strftime("%d/%m/%Y")
    html = citizen_client.get("/demanda/").content.decode()
    assert f"Hemos renovado su demanda. Su próxima fecha de renovación es el {new_date}." in html


def test_renew_outside_the_window_is_refused_and_changes_nothing(citizen_client, demand):
    demand = due(demand, days=-60)
    before = (demand.latest_darde_id, demand.next_renewal_date)
    response = citizen_client.post("/demanda/renovar/")
    assert response.status_code == 400
    assert "Todavía no puede renovar su demanda" in response.content.decode()
    demand.refresh_from_db()
    assert (demand.latest_darde_id, demand.next_renewal_date) == before
    assert not RegistryEntry.objects.filter(kind=EntryKind.DEMAND_RENEWAL).exists()


def test_renew_after_the_window_explains_the_deadline(citizen_client, demand):
    demand = due(demand, days=40)
    response = citizen_client.post("/demanda/renovar/")
    assert response.status_code == 400
    assert "El plazo para renovar su demanda terminó el" in response.content.decode()


def test_renew_needs_post(citizen_client, demand):
    assert citizen_client.get("/demanda/renovar/").status_code == 405


def test_darde_download(citizen_client, demand):
    response = citizen_client.get("/demanda/darde.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="DARDE-{demand.number}.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_each_citizen_only_gets_their_own_darde(client, mailbox, demand):
    other = make_citizen(document_number="87654321X", email="pedro@example.org", first_name="Pedro")
    sign_in_citizen(client, mailbox, other)
    assert client.get("/demanda/darde.pdf").status_code == 404
    html = client.get("/demanda/").content.decode()
    assert demand.number not in html and "Todavía no está inscrito/a" in html
    assert client.post("/demanda/renovar/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, demand):
    for url in ["/demanda/", "/demanda/darde.pdf"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/")
    response = client.post("/demanda/renovar/")
    assert response.status_code == 302 and response["Location"].startswith("/cuenta/acceso/")


def test_home_card_links_to_the_demand_with_the_next_date(citizen_client, demand):
    html = citizen_client.get("/cuenta/").content.decode()
    assert '<a href="/demanda/">Renovar la demanda (DARDE)</a>' in html
    assert f"Su próxima renovación: {demand.next_renewal_date.strftime('%d/%m/%Y')}." in html


def test_every_darde_is_in_the_citizens_file_and_only_theirs(client, mailbox, citizen, demand):
    """Issue 4: the DARDE is found in the personal file (issued documents), by its CSV, by its owner only."""
    sign_in_citizen(client, mailbox, citizen)
    html = client.get("/expediente/").content.decode()
    assert "Documentos emitidos por la oficina" in html
    url = f"/expediente/emitidos/{demand.latest_darde.csv}/"
    assert url in html and demand.latest_darde.display_csv in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == demand.latest_darde.file.open("rb").read()

    other = make_citizen(document_number="87654321X", email="pedro@example.org", first_name="Pedro")
    stranger = CommittingClient()
    sign_in_citizen(stranger, mailbox, other)
    assert stranger.get(url).status_code == 404
    assert url not in stranger.get("/expediente/").content.decode()
    assert stranger.get("/expediente/emitidos/NOEXISTE/").status_code == 404
