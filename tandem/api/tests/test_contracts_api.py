"""REST API for contracts, catalogue, VAT rates and subcontractors (issue #3)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.contracts.models import Contract, ContractStatus, Service, VatRate
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory, ServiceFactory
from tandem.work.models import OnboardingChecklist, Project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}


@pytest.mark.parametrize("role", ROLES)
def test_contract_list_follows_client_visibility(org, api_client_for, role):
    ca = ContractFactory(client=org.client_a)
    ContractFactory(client=org.client_b)
    response = api_client_for(org.by_role_name(role)).get("/api/v1/contracts/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert (ca.pk in ids) == (role in SEES_A)
    detail = api_client_for(org.by_role_name(role)).get(f"/api/v1/contracts/{ca.pk}/")
    assert detail.status_code == (200 if role in SEES_A else 404)


@pytest.mark.parametrize("role", ROLES)
def test_create_contract_permissions(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/contracts/", {"client": org.client_a.pk, "date": "2026-02-01"}, format="json")
    if role in MANAGES_A:
        assert response.status_code == 201, response.json()
        assert response.json()["number"] == "2026-0001"
        assert response.json()["status"] == "draft"
    else:
        # a client the actor cannot see is an unknown reference (400); a visible one is 403
        assert response.status_code == (403 if role in SEES_A else 400)
        assert not Contract.objects.exists()


def _in_approval(org):
    day = timezone.localdate() - timedelta(days=5)
    c = ContractFactory(client=org.client_a, status=ContractStatus.IN_APPROVAL, date=day, start_date=day)
    ContractLineFactory(contract=c, service=ServiceFactory(agency=org.agency))
    return c


@pytest.mark.parametrize("role", ROLES)
def test_sign_contract_permissions_and_effects(org, api_client_for, role):
    c = _in_approval(org)
    response = api_client_for(org.by_role_name(role)).post(
        f"/api/v1/contracts/{c.pk}/transition/", {"to_status": "signed"}, format="json")
    c.refresh_from_db()
    if role in MANAGES_A:
        assert response.status_code == 200, response.json()
        assert c.status == ContractStatus.SIGNED
        assert Project.objects.filter(contract_line__contract=c).count() == 1
        assert OnboardingChecklist.objects.filter(client=org.client_a).exists()
        assert response.json()["status_changes"][0]["to_status"] == "signed"
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert c.status == ContractStatus.IN_APPROVAL
        assert not Project.objects.exists()


@pytest.mark.parametrize("start,target", [("draft", "signed"), ("draft", "closed"), ("signed", "draft"),
                                          ("closed", "signed"), ("in_approval", "closed")])
def test_invalid_contract_transition_is_400_with_message(org, api_client_for, start, target):
    c = ContractFactory(client=org.client_a, status=start)
    ContractLineFactory(contract=c)
    response = api_client_for(org.am1).post(f"/api/v1/contracts/{c.pk}/transition/", {"to_status": target},
                                            format="json")
    assert response.status_code == 400
    assert "Нельзя перевести договор" in response.json()["to_status"][0]
    c.refresh_from_db()
    assert c.status == start


def test_contract_detail_shows_vat_rate_from_history(org, api_client_for):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("20"))
    VatRate.objects.create(agency=org.agency, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))
    old = ContractFactory(client=org.client_a, date=date(2025, 5, 1))
    new = ContractFactory(client=org.client_a, date=date(2026, 5, 1))
    no_vat = ContractFactory(client=org.client_a, date=date(2026, 5, 1), vat_mode="no_vat")
    api = api_client_for(org.am1)
    assert api.get(f"/api/v1/contracts/{old.pk}/").json()["vat_rate"] == "20.00"
    assert api.get(f"/api/v1/contracts/{new.pk}/").json()["vat_rate"] == "22.00"
    assert api.get(f"/api/v1/contracts/{no_vat.pk}/").json()["vat_rate"] == "0"


def test_lines_and_edit_only_while_editable(org, api_client_for):
    api = api_client_for(org.am1)
    c = api.post("/api/v1/contracts/", {"client": org.client_a.pk}, format="json").json()
    service = ServiceFactory(agency=org.agency)
    r = api.post(f"/api/v1/contracts/{c['id']}/lines/", {
        "service": service.pk, "billing_model": "monthly_retainer", "amount": "90000",
        "planned_hours_per_month": "30"}, format="json")
    assert r.status_code == 201
    r = api.patch(f"/api/v1/contracts/{c['id']}/", {"status": "signed"}, format="json")
    assert r.status_code == 400 and "status" in r.json()
    Contract.objects.filter(pk=c["id"]).update(status=ContractStatus.SIGNED)
    r = api.patch(f"/api/v1/contracts/{c['id']}/", {"notes": "x"}, format="json")
    assert r.status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_catalogue_edit_permissions(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/services/", {"name": "SEO", "kind": "seo"}, format="json")
    allowed = role in {"head", "admin", "outsider"}  # outsider is a head in their own agency
    assert response.status_code == (201 if allowed else 403)
    assert Service.objects.filter(agency=org.agency).exists() == (role in {"head", "admin"})


@pytest.mark.parametrize("role", ROLES)
def test_vat_rate_permissions(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/vat-rates/", {"valid_from": "2026-01-01", "rate_percent": "22"}, format="json")
    allowed = role in {"finance", "admin"}
    assert response.status_code == (201 if allowed else 403)
    assert VatRate.objects.exists() == allowed


def test_subcontractor_rating_via_api(org, api_client_for):
    api = api_client_for(org.am1)
    sub = api.post("/api/v1/subcontractors/", {"name": "Студия"}, format="json").json()
    c = ContractFactory(client=org.client_a, status="signed", subcontractor_id=sub["id"],
                        account_functions="shared")
    r = api.post(f"/api/v1/contracts/{c.pk}/rate-subcontractor/", {"rating": 11}, format="json")
    assert r.status_code == 400 and "rating" in r.json()
    r = api.post(f"/api/v1/contracts/{c.pk}/rate-subcontractor/", {"rating": 7, "comment": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["subcontractor_rating"] == 7
    listed = api.get("/api/v1/subcontractors/").json()
    assert listed[0]["avg_rating"] == "7.00"
    r = api_client_for(org.spec1).post(f"/api/v1/contracts/{c.pk}/rate-subcontractor/", {"rating": 1},
                                       format="json")
    assert r.status_code == 403


def test_number_pattern_setting(org, api_client_for):
    r = api_client_for(org.am1).put("/api/v1/contract-settings/", {"number_pattern": "{seq}"}, format="json")
    assert r.status_code == 403
    r = api_client_for(org.admin).put("/api/v1/contract-settings/", {"number_pattern": "{year}"}, format="json")
    assert r.status_code == 400 and "number_pattern" in r.json()
    r = api_client_for(org.admin).put("/api/v1/contract-settings/", {"number_pattern": "ТД-{seq:05d}"},
                                      format="json")
    assert r.status_code == 200
    c = api_client_for(org.am1).post("/api/v1/contracts/", {"client": org.client_a.pk}, format="json").json()
    assert c["number"] == "ТД-00001"


def test_contract_list_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries):
    for _ in range(15):
        ContractLineFactory(contract=ContractFactory(client=org.client_a))
    api = api_client_for(org.head)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/contracts/")
    assert response.json()["count"] == 15
