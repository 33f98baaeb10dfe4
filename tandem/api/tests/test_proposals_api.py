"""API: commercial proposals — create, move, contract, document, visibility."""

from __future__ import annotations

import pytest

from tandem.clients.models import ServiceKind
from tandem.contracts.models import Contract
from tandem.growth.tests.factories import service

pytestmark = pytest.mark.django_db


@pytest.fixture
def seo(org):
    return service(org.agency, ServiceKind.SEO, "SEO-продвижение")


def create(api, org, seo, **extra):
    body = {"client": org.client_a.pk, "lines": [{"service": seo.pk, "price": "50000.00"}], "discount_percent": "10",
            **extra}
    return api.post("/api/v1/proposals/", body, format="json")


def test_am_drafts_sends_accepts_and_makes_a_contract(org, seo, api_client_for):
    api = api_client_for(org.am1)
    response = create(api, org, seo)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["totals"] == {"subtotal": "50000.00", "discount": "5000.00", "total": "45000.00"}
    pk = body["id"]
    for status in ("sent", "accepted"):
        assert api.post(f"/api/v1/proposals/{pk}/status/", {"status": status}, format="json").status_code == 200
    detail = api.get(f"/api/v1/proposals/{pk}/").json()
    assert [h["to_status"] for h in detail["history"]] == ["draft", "sent", "accepted"]
    made = api.post(f"/api/v1/proposals/{pk}/contract/", {}, format="json")
    assert made.status_code == 201
    assert Contract.objects.get(pk=made.json()["contract"]).lines.get().amount == 45000
    assert api.post(f"/api/v1/proposals/{pk}/contract/", {}, format="json").status_code == 409
    document = api.get(f"/api/v1/proposals/{pk}/document/docx/")
    assert document.status_code == 200 and document["Content-Type"].startswith("application/vnd.openxml")


def test_a_wrong_move_is_409(org, seo, api_client_for):
    api = api_client_for(org.am1)
    pk = create(api, org, seo).json()["id"]
    assert api.post(f"/api/v1/proposals/{pk}/status/", {"status": "accepted"}, format="json").status_code == 409


@pytest.mark.parametrize(("role", "status"), [("group_head", 200), ("head", 200), ("am2", 404), ("finance", 404), ("spec1", 404)])
def test_who_sees_a_proposal(org, seo, api_client_for, role, status):
    pk = create(api_client_for(org.am1), org, seo).json()["id"]
    assert api_client_for(org.by_role_name(role)).get(f"/api/v1/proposals/{pk}/").status_code == status
    listed = api_client_for(org.by_role_name(role)).get("/api/v1/proposals/").json()["results"]
    assert bool(listed) == (status == 200)


def test_others_may_not_create(org, seo, api_client_for):
    assert create(api_client_for(org.am2), org, seo).status_code == 400  # the client is not in their scope
