"""API: client health scores, recompute, «под риском» proposals and the back-test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus
from tandem.health import services
from tandem.health.models import BacktestRun, ProposalStatus, RiskProposal
from tandem.health.tests.builders import interaction, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(org):
    today = timezone.localdate()
    a = org.client_a
    Client.objects.filter(pk__in=[a.pk, org.client_b.pk]).update(served_since=today - timedelta(days=400))
    inv = invoice(a, day=today - timedelta(days=80), due=today - timedelta(days=70), total="30000.00")
    interaction(a, day=today - timedelta(days=3), summary="Недовольны: нет результата")
    interaction(a, day=today - timedelta(days=9), summary="Хотят расторгнуть договор")
    services.health_recompute(agency=org.agency)
    return {"invoice": inv, "proposal": RiskProposal.objects.get()}


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("group_head", 200), ("head", 200), ("admin", 200),
    ("am2", 404), ("spec1", 404), ("finance", 404), ("outsider", 404),
])
def test_who_sees_a_clients_scores(org, scored, api_client_for, role, status):
    response = api_client_for(org.by_role_name(role)).get(f"/api/v1/clients/{org.client_a.pk}/health/")
    assert response.status_code == status


def test_client_scores_carry_factors_and_events(org, scored, api_client_for):
    body = api_client_for(org.am1).get(f"/api/v1/clients/{org.client_a.pk}/health/").json()
    assert body["count"] == 1 and set(body) == {"count", "next", "previous", "results"}
    score = body["results"][0]
    assert score["score"] == 55
    payment = next(f for f in score["factors"] if f["key"] == "payment")
    assert payment["points"] == 20
    assert payment["events"][0] == {"kind": "invoice", "id": scored["invoice"].pk, "label": payment["events"][0]["label"]}


def test_list_is_scoped_and_filtered(org, scored, api_client_for):
    head = api_client_for(org.head).get("/api/v1/health/scores/").json()
    assert [r["client"] for r in head["results"]] == [org.client_a.pk, org.client_b.pk]
    assert head["results"][0]["top_reason"]
    below = api_client_for(org.head).get("/api/v1/health/scores/", {"below": 60}).json()
    assert [r["client"] for r in below["results"]] == [org.client_a.pk]
    am2 = api_client_for(org.am2).get("/api/v1/health/scores/").json()
    assert [r["client"] for r in am2["results"]] == [org.client_b.pk]
    assert api_client_for(org.head).get("/api/v1/health/scores/", {"below": "x"}).status_code == 400


def test_recompute(org, scored, api_client_for):
    response = api_client_for(org.am1).post(f"/api/v1/clients/{org.client_a.pk}/health/recompute/")
    assert response.status_code == 200
    assert response.json()["score"] == 55
    assert api_client_for(org.am2).post(f"/api/v1/clients/{org.client_a.pk}/health/recompute/").status_code == 404


def test_accept_proposal(org, scored, api_client_for):
    pk = scored["proposal"].pk
    response = api_client_for(org.group_head).post(f"/api/v1/health/proposals/{pk}/accept/", {"comment": "Беру на контроль"},
                                                   format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert Client.objects.get(pk=org.client_a.pk).status == LifecycleStatus.AT_RISK


def test_dismiss_needs_a_comment(org, scored, api_client_for):
    pk = scored["proposal"].pk
    api = api_client_for(org.am1)
    assert api.post(f"/api/v1/health/proposals/{pk}/dismiss/", {}, format="json").status_code == 400
    assert api.post(f"/api/v1/health/proposals/{pk}/dismiss/", {"comment": " "}, format="json").status_code == 400
    response = api.post(f"/api/v1/health/proposals/{pk}/dismiss/", {"comment": "Оплатят в пятницу"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    assert api.post(f"/api/v1/health/proposals/{pk}/accept/", {}, format="json").status_code == 409


@pytest.mark.parametrize(("role", "status"), [("am2", 404), ("spec1", 404), ("finance", 404), ("outsider", 404)])
def test_others_cannot_decide(org, scored, api_client_for, role, status):
    pk = scored["proposal"].pk
    response = api_client_for(org.by_role_name(role)).post(f"/api/v1/health/proposals/{pk}/accept/", {}, format="json")
    assert response.status_code == status
    assert RiskProposal.objects.get().status == ProposalStatus.OPEN
    assert Client.objects.get(pk=org.client_a.pk).status == LifecycleStatus.ACTIVE


def test_proposal_list(org, scored, api_client_for):
    body = api_client_for(org.am1).get("/api/v1/health/proposals/", {"status": "open"}).json()
    assert [p["id"] for p in body["results"]] == [scored["proposal"].pk]
    assert body["results"][0]["reasons"][0]["points"] > 0
    assert api_client_for(org.am2).get("/api/v1/health/proposals/").json()["count"] == 0


@pytest.mark.parametrize(("role", "status"), [("head", 201), ("admin", 201), ("group_head", 404), ("am1", 404)])
def test_backtest_run_and_read(org, scored, api_client_for, role, status):
    api = api_client_for(org.by_role_name(role))
    today = timezone.localdate()
    response = api.post("/api/v1/health/backtest/", {"start": (today - timedelta(days=60)).isoformat(),
                                                     "end": today.isoformat(), "step_days": 14}, format="json")
    assert response.status_code == status
    if status == 201:
        got = api.get("/api/v1/health/backtest/").json()
        assert got["result"]["replay_days"] == 5
        assert set(got["result"]) >= {"churned", "churned_flagged", "precision", "flagged_not_churned", "churns"}
    else:
        assert not BacktestRun.objects.exists()


def test_backtest_bad_period(org, api_client_for):
    today = timezone.localdate()
    response = api_client_for(org.head).post("/api/v1/health/backtest/", {"start": today.isoformat(),
                                                                          "end": today.isoformat()}, format="json")
    assert response.status_code == 400 and "start" in response.json()
