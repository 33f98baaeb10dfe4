"""Retainer API (issue #13): balance, terms, expenses and over-service decisions."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tandem.billing.models import Invoice, RetainerOverageDecision
from tandem.contracts.models import RetainerExpense, RetainerTerms
from tandem.testing.retainers import log, month_ago, retainer_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}
DECIDES = {"head", "finance", "admin"}


@pytest.fixture
def line(money):
    project = retainer_project(money, hours="10", carry=1, start_ago=2, rate="3000")
    log(project, month_ago(2), "6")
    log(project, month_ago(1), "16")
    log(project, month_ago(0), "3")
    return project.contract_line


def test_balance_months_and_hours_left(money, api_client_for, line):
    body = api_client_for(money.am1).get(f"/api/v1/contract-lines/{line.pk}/retainer/").json()
    assert body["hours_left"] == "7.00"
    assert [(m["month"], m["carried_in"], m["used"], m["overage"], m["closing"]) for m in body["months"]] == [
        (month_ago(2).isoformat(), "0.00", "6.00", "0.00", "4.00"),
        (month_ago(1).isoformat(), "4.00", "16.00", "2.00", "0.00"),
        (month_ago(0).isoformat(), "0.00", "3.00", "0.00", "7.00"),
    ]
    assert body["terms"]["rollover_months"] == 1


def test_response_matches_the_documented_schema(money, api_client_for, line):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    body = api_client_for(money.head).get(f"/api/v1/contract-lines/{line.pk}/retainer/").json()
    assert set(body) == set(components["Retainer"]["properties"])
    assert set(body["months"][0]) == set(components["RetainerMonth"]["properties"])
    assert set(body["terms"]) == set(components["RetainerTerms"]["properties"])
    operation = schema["paths"]["/api/v1/contract-lines/{id}/retainer/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Retainer")


@pytest.mark.parametrize("role", ROLES)
def test_retainer_is_seen_by_who_sees_the_clients_money(money, api_client_for, line, role):
    api = api_client_for(money.by_role_name(role))
    expected = 200 if role in SEES_A else 404
    assert api.get(f"/api/v1/contract-lines/{line.pk}/retainer/").status_code == expected
    assert api.get(f"/api/v1/projects/{line.project.pk}/retainer/").status_code == expected
    assert api.get(f"/api/v1/contract-lines/{line.pk}/retainer/expenses/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_who_changes_terms(money, api_client_for, line, role):
    response = api_client_for(money.by_role_name(role)).put(
        f"/api/v1/contract-lines/{line.pk}/retainer/", {"hours_per_month": "25.00"}, format="json")
    expected = 200 if role in MANAGES_A else (403 if role in SEES_A else 404)
    assert response.status_code == expected
    assert RetainerTerms.objects.get(line=line).hours_per_month == (25 if role in MANAGES_A else 10)
    if expected == 200:
        assert response.json()["months"][-1]["budget"] == "25.00"


def test_bad_terms_are_a_400_with_field_messages(money, api_client_for, line):
    api = api_client_for(money.am1)
    url = f"/api/v1/contract-lines/{line.pk}/retainer/"
    response = api.put(url, {"rollover_months": 99, "hours_per_month": "-1"}, format="json")
    assert response.status_code == 400
    assert {"rollover_months", "hours_per_month"} <= set(response.json())
    assert set(api.put(url, {"colour": "red"}, format="json").json()) == {"colour"}
    both_zero = api.put(url, {"hours_per_month": "0"}, format="json")
    assert both_zero.status_code == 400 and "hours_per_month" in both_zero.json()
    assert RetainerTerms.objects.get(line=line).rollover_months == 1


def test_expenses_are_booked_and_listed_in_the_envelope(money, api_client_for, line):
    api = api_client_for(money.am1)
    created = api.post(f"/api/v1/contract-lines/{line.pk}/retainer/expenses/", {
        "kind": "ad_budget", "date": month_ago(0).isoformat(), "amount": "12000.00", "description": "Директ",
    }, format="json")
    assert created.status_code == 201
    listed = api.get(f"/api/v1/contract-lines/{line.pk}/retainer/expenses/").json()
    assert listed["count"] == 1 and listed["results"][0]["amount"] == "12000.00"
    body = api.get(f"/api/v1/contract-lines/{line.pk}/retainer/").json()
    assert body["months"][-1]["money_spent"] == "12000.00"
    assert api_client_for(money.am2).delete(f"/api/v1/retainer-expenses/{created.json()['id']}/").status_code == 404
    assert api.delete(f"/api/v1/retainer-expenses/{created.json()['id']}/").status_code == 204
    assert not RetainerExpense.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_decides_overage(money, api_client_for, line, role):
    response = api_client_for(money.by_role_name(role)).post(
        f"/api/v1/contract-lines/{line.pk}/retainer/overage/",
        {"month": month_ago(1).isoformat(), "decision": "written_off", "reason": "Наша ошибка"}, format="json")
    expected = 201 if role in DECIDES else (403 if role in SEES_A else 404)
    assert response.status_code == expected
    assert RetainerOverageDecision.objects.exists() is (role in DECIDES)


def test_overage_billed_once_over_the_api(money, api_client_for, line):
    api = api_client_for(money.finance)
    url = f"/api/v1/contract-lines/{line.pk}/retainer/overage/"
    first = api.post(url, {"month": month_ago(1).isoformat(), "decision": "billed"}, format="json")
    assert first.status_code == 201
    assert (first.json()["hours"], first.json()["amount"]) == ("2.00", "6000.00")
    again = api.post(url, {"month": month_ago(1).isoformat(), "decision": "billed"}, format="json")
    assert again.status_code == 400 and "month" in again.json()
    assert Invoice.objects.count() == 1
    months = api.get(f"/api/v1/contract-lines/{line.pk}/retainer/").json()["months"]
    assert months[1]["frozen"] is True and months[1]["overage_decision"]["decision"] == "billed"
    assert months[1]["overage_decision"]["invoice"] == first.json()["invoice"]


def test_line_without_terms_answers_null_terms(money, api_client_for):
    from tandem.work.tests.factories import signed_project

    project = signed_project(money)
    body = api_client_for(money.am1).get(f"/api/v1/projects/{project.pk}/retainer/").json()
    assert (body["terms"], body["hours_left"], body["months"]) == (None, None, [])


def test_terms_history_for_heads(money, api_client_for, line):
    api_client_for(money.am1).put(f"/api/v1/contract-lines/{line.pk}/retainer/", {"hours_per_month": "12.00"},
                                  format="json")
    body = api_client_for(money.head).get(f"/api/v1/history/retainer/{line.pk}/").json()
    assert any(c["old"] != c["new"] for entry in body for c in entry["changes"])
    assert api_client_for(money.am1).get(f"/api/v1/history/retainer/{line.pk}/").status_code == 403
    assert api_client_for(money.am2).get(f"/api/v1/history/retainer/{line.pk}/").status_code == 404


def test_a_year_of_balance_takes_the_same_queries_as_three_months(money, api_client_for,
                                                                  django_assert_max_num_queries):
    short = retainer_project(money, hours="10", carry=2, start_ago=2)
    long = retainer_project(money, hours="10", carry=2, start_ago=11)
    for k in range(12):
        log(long, month_ago(k), "7")
    api = api_client_for(money.head)
    with django_assert_max_num_queries(20) as small:
        api.get(f"/api/v1/contract-lines/{short.contract_line_id}/retainer/")
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = api.get(f"/api/v1/contract-lines/{long.contract_line_id}/retainer/").json()
    assert len(body["months"]) == 12


def test_logging_time_over_80_percent_alerts_the_am_after_commit(money, api_client_for,
                                                                 django_capture_on_commit_callbacks):
    from tandem.notifications.models import Notification

    project = retainer_project(money, hours="10", start_ago=0)
    log(project, month_ago(0), "7")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(money.spec1).post("/api/v1/time-entries/", {
            "project": project.pk, "date": month_ago(0).isoformat(), "hours": "1.5"}, format="json")
    assert response.status_code == 201
    assert Notification.objects.filter(kind="retainer_budget", recipient=money.am1).count() == 1
