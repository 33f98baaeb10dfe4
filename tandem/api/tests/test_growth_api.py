"""Growth API: opportunities (CRUD, move, history), pipeline totals, suggestions (list, accept,
dismiss), «no results» recommendations (list, decide), monthly marks; permissions by role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.clients.models import ServiceKind
from tandem.growth.models import (
    NoResultsRecommendation,
    Opportunity,
    RuleKind,
    ServiceMark,
    Stage,
    StageChange,
    Suggestion,
    SuggestionStatus,
)
from tandem.growth.tests.factories import OpportunityFactory, client_service, service

BASE = "/api/v1/growth"


@pytest.fixture
def smm(org):
    return service(org.agency, ServiceKind.SMM, "SMM")


def _suggestion(org, client=None) -> Suggestion:
    client = client or org.client_a
    return Suggestion.objects.create(
        agency=org.agency, client=client, kind=RuleKind.SEO_NO_CONTEXT, service=service(org.agency, ServiceKind.CONTEXT),
        monthly_value=Decimal("40000"), evidence=[{"label": "SEO", "value": "SEO-продвижение"}], evidence_key="seo=1",
    )


def _recommendation(org) -> NoResultsRecommendation:
    line = client_service(org.client_a, ServiceKind.CONTEXT)
    return NoResultsRecommendation.objects.create(
        agency=org.agency, client=org.client_a, contract_line=line, basis="analytics",
        evidence=[{"label": "10.2026", "value": "98 заявок"}], evidence_key="analytics:2026-09..2026-11",
        spent=Decimal("150000"),
    )


def test_am_creates_an_opportunity_and_it_starts_its_history(org, api_client_for, smm):
    # when
    response = api_client_for(org.am1).post(f"{BASE}/opportunities/", {
        "client": org.client_a.pk, "service": smm.pk, "monthly_value": "45000.00", "next_step": "Позвонить ЛПР",
        "next_step_date": "2026-12-10",
    }, format="json")
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["stage"], body["probability"], body["weighted_value"], body["owner"]["id"]) == (
        "idea", 10, "4500.00", org.am1.pk)
    assert [h["to_stage"] for h in body["history"]] == ["idea"]


def test_moving_through_stages_keeps_the_history_and_lost_needs_a_reason(org, api_client_for, smm):
    # given
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    api = api_client_for(org.am1)
    # when moved to «КП отправлено»
    sent = api.post(f"{BASE}/opportunities/{opp.pk}/move/", {"stage": "proposal_sent", "next_step_date": "2026-12-08"},
                    format="json")
    # and to «проиграно» without a reason
    refused = api.post(f"{BASE}/opportunities/{opp.pk}/move/", {"stage": "lost"}, format="json")
    # then the first took 50 %, the second is a 400 on lost_reason and changed nothing
    assert sent.status_code == 200 and sent.json()["probability"] == 50
    assert refused.status_code == 400 and "lost_reason" in refused.json()
    opp.refresh_from_db()
    assert opp.stage == Stage.PROPOSAL_SENT and opp.next_step_date == date(2026, 12, 8)
    # when lost with a reason
    lost = api.post(f"{BASE}/opportunities/{opp.pk}/move/", {"stage": "lost", "lost_reason": "price"}, format="json")
    # then closed at 0 %, the history lists both moves newest first
    assert lost.status_code == 200
    assert [(h["from_stage"], h["to_stage"]) for h in lost.json()["history"]] == [
        ("proposal_sent", "lost"), ("idea", "proposal_sent")]
    assert lost.json()["probability"] == 0 and lost.json()["closed_at"]


def test_patch_changes_fields_but_not_the_stage(org, api_client_for, smm):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    response = api_client_for(org.am1).patch(f"{BASE}/opportunities/{opp.pk}/", {"stage": "won"}, format="json")
    assert response.status_code == 400 and "stage" in response.json()
    response = api_client_for(org.am1).patch(f"{BASE}/opportunities/{opp.pk}/", {"probability": 35}, format="json")
    assert response.status_code == 200 and response.json()["weighted_value"] == "17500.00"


def test_pipeline_totals_weigh_open_stages(org, api_client_for, smm):
    # given 50 000 at 10 %, 100 000 at 50 %, and a won 80 000
    OpportunityFactory.create(client=org.client_a, service=smm)
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.PROPOSAL_SENT, probability=50,
                              monthly_value=Decimal("100000"))
    OpportunityFactory.create(client=org.client_a, service=smm, stage=Stage.WON, probability=100,
                              monthly_value=Decimal("80000"))
    # when
    body = api_client_for(org.head).get(f"{BASE}/pipeline/").json()
    # then
    assert (body["open_count"], body["open_value"], body["weighted_value"]) == (2, "150000.00", "55000.00")
    assert {s["stage"]: s["count"] for s in body["stages"]} == {
        "idea": 1, "offered": 0, "proposal_sent": 1, "won": 1, "lost": 0}


@pytest.mark.parametrize(("name", "sees"), [
    ("am1", True), ("am2", False), ("group_head", True), ("head", True), ("admin", True),
    ("spec1", False), ("finance", False), ("outsider", False),
])
def test_who_sees_an_opportunity(org, api_client_for, smm, name, sees):
    # given an opportunity of client_a (am1, group seo1)
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    api = api_client_for(org.by_role_name(name))
    # when
    detail = api.get(f"{BASE}/opportunities/{opp.pk}/")
    listed = api.get(f"{BASE}/opportunities/").json()["count"]
    moved = api.post(f"{BASE}/opportunities/{opp.pk}/move/", {"stage": "offered"}, format="json")
    # then the others get 404 and nothing moved
    assert (detail.status_code, listed, moved.status_code) == ((200, 1, 200) if sees else (404, 0, 404))
    opp.refresh_from_db()
    assert opp.stage == (Stage.OFFERED if sees else Stage.IDEA)


def test_am_cannot_create_for_another_ams_client(org, api_client_for, smm):
    response = api_client_for(org.am2).post(f"{BASE}/opportunities/", {
        "client": org.client_a.pk, "service": smm.pk, "monthly_value": "1000"}, format="json")
    assert response.status_code == 400 and "client" in response.json()
    assert not Opportunity.objects.exists()


def test_delete_opportunity(org, api_client_for, smm):
    opp = OpportunityFactory.create(client=org.client_a, service=smm)
    assert api_client_for(org.am2).delete(f"{BASE}/opportunities/{opp.pk}/").status_code == 404
    assert api_client_for(org.am1).delete(f"{BASE}/opportunities/{opp.pk}/").status_code == 204
    assert not Opportunity.objects.exists()


def test_accept_a_suggestion_in_one_call(org, api_client_for):
    # given
    s = _suggestion(org)
    # when
    response = api_client_for(org.am1).post(f"{BASE}/suggestions/{s.pk}/accept/", {}, format="json")
    # then an opportunity at «идея» with the suggested service and value; the suggestion is taken
    assert response.status_code == 201
    opp = Opportunity.objects.get()
    assert (opp.service, opp.monthly_value, opp.stage, opp.owner) == (s.service, Decimal("40000.00"), Stage.IDEA, org.am1)
    s.refresh_from_db()
    assert (s.status, s.opportunity) == (SuggestionStatus.ACCEPTED, opp)
    # and the open list no longer has it
    assert api_client_for(org.am1).get(f"{BASE}/suggestions/").json()["count"] == 0


def test_dismiss_needs_a_reason(org, api_client_for):
    s = _suggestion(org)
    api = api_client_for(org.am1)
    assert api.post(f"{BASE}/suggestions/{s.pk}/dismiss/", {"reason": ""}, format="json").status_code == 400
    response = api.post(f"{BASE}/suggestions/{s.pk}/dismiss/", {"reason": "Клиент против"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    listed = api.get(f"{BASE}/suggestions/?status=dismissed").json()
    assert listed["results"][0]["dismiss_reason"] == "Клиент против"
    assert listed["results"][0]["evidence"] == [{"label": "SEO", "value": "SEO-продвижение"}]


@pytest.mark.parametrize("name", ["am2", "spec1", "finance", "outsider"])
def test_others_cannot_accept_or_dismiss(org, api_client_for, name):
    s = _suggestion(org)
    api = api_client_for(org.by_role_name(name))
    assert api.post(f"{BASE}/suggestions/{s.pk}/accept/", {}, format="json").status_code == 404
    assert api.post(f"{BASE}/suggestions/{s.pk}/dismiss/", {"reason": "x"}, format="json").status_code == 404
    s.refresh_from_db()
    assert s.status == SuggestionStatus.OPEN and not Opportunity.objects.exists()


def test_generate_runs_the_rules_for_the_actor(org, api_client_for):
    client_service(org.client_a, ServiceKind.SEO)
    service(org.agency, ServiceKind.CONTEXT)
    response = api_client_for(org.am1).post(f"{BASE}/suggestions/generate/")
    assert response.status_code == 200 and response.json()["suggestions_created"] == 1
    assert Suggestion.objects.get().client == org.client_a


def test_decide_a_recommendation_and_the_group_head_sees_it(org, api_client_for):
    # given
    rec = _recommendation(org)
    # when am1 decides «stop»
    response = api_client_for(org.am1).post(f"{BASE}/recommendations/{rec.pk}/decide/", {
        "decision": "stop", "comment": "Клиент согласен остановить контекст"}, format="json")
    # then the group head finds it among the decided ones
    assert response.status_code == 200 and response.json()["decision"] == "stop"
    decided = api_client_for(org.group_head).get(f"{BASE}/recommendations/?decided=true").json()
    assert [r["id"] for r in decided["results"]] == [rec.pk]
    assert decided["results"][0]["decided_by"]["username"] == "am1"
    assert api_client_for(org.am2).get(f"{BASE}/recommendations/").json()["count"] == 0


def test_replace_needs_the_service(org, api_client_for):
    rec = _recommendation(org)
    response = api_client_for(org.am1).post(f"{BASE}/recommendations/{rec.pk}/decide/", {"decision": "replace"},
                                            format="json")
    assert response.status_code == 400 and "replacement_service" in response.json()
    rec.refresh_from_db()
    assert rec.decision == ""


def test_marks_api(org, api_client_for):
    # given
    line = client_service(org.client_a, ServiceKind.SMM)
    # when
    response = api_client_for(org.am1).post(f"{BASE}/marks/", {
        "contract_line": line.pk, "month": "2026-10-15", "mark": "worse", "comment": "Охваты упали"}, format="json")
    foreign = api_client_for(org.am2).post(f"{BASE}/marks/", {
        "contract_line": line.pk, "month": "2026-10-01", "mark": "same"}, format="json")
    # then
    assert response.status_code == 201 and response.json()["month"] == "2026-10-01"
    assert foreign.status_code == 400 and "contract_line" in foreign.json()
    assert ServiceMark.objects.get().mark == "worse"
    assert api_client_for(org.am1).get(f"{BASE}/marks/").json()["count"] == 1


def test_unknown_query_values_are_400(org, api_client_for):
    api = api_client_for(org.head)
    assert api.get(f"{BASE}/opportunities/?stage=nope").status_code == 400
    assert api.get(f"{BASE}/suggestions/?kind=nope").status_code == 400
    assert api.get(f"{BASE}/recommendations/?decided=maybe").status_code == 400


def test_list_queries_are_bounded(org, api_client_for, smm, django_assert_max_num_queries):
    for _ in range(15):
        OpportunityFactory.create(client=org.client_a, service=smm)
    StageChange.objects.all().delete()
    api = api_client_for(org.head)
    with django_assert_max_num_queries(8):
        assert api.get(f"{BASE}/opportunities/").json()["count"] == 15
