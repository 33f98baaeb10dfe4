"""API of issue 12: churn and retention, the win-back list, the head's dashboard."""

from __future__ import annotations

import pytest

from tandem.reports.tests.retention_data import build_history

Q1 = {"to": "2026-03-15", "months": 3}


@pytest.fixture
def history(org):
    return build_history(org)


@pytest.mark.parametrize("url", ["/api/v1/reports/retention/", "/api/v1/reports/win-back/", "/api/v1/reports/dashboard/"])
@pytest.mark.parametrize(("role", "status"), [
    ("head", 200), ("admin", 200), ("group_head", 200), ("am1", 404), ("spec1", 404), ("finance", 404),
])
def test_who_reads_the_management_reports(org, api_client_for, url, role, status):
    assert api_client_for(org.by_role_name(role)).get(url).status_code == status


def test_retention_report_numbers(org, history, api_client_for, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = api_client_for(org.head).get("/api/v1/reports/retention/", {**Q1, "by": "service"})
    body = response.json()
    assert response.status_code == 200
    assert body["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
    assert [(m["month"], m["active_at_start"], m["new"], m["churned"], m["rate"]) for m in body["months"]] == [
        ("2026-01-01", 2, 2, 0, "0.00"), ("2026-02-01", 4, 1, 1, "20.00"), ("2026-03-01", 4, 0, 1, "25.00")]
    assert body["total"]["rate"] == "40.00"
    assert {s["key"]: s["churned"] for s in body["slices"]} == {"seo": 1, "context": 1, "": 1}
    assert [(r["reason"], r["lifetime_revenue"]) for r in body["reasons"]] == [("results", "200.00"), ("budget", "450.00")]
    assert body["cohorts"][0]["revenue_percents"] == ["100.00", "225.00", "50.00"]
    assert (body["revenue_retention"]["grr"], body["revenue_retention"]["nrr"]) == ("76.92", "153.85")
    assert [(m["grr"], m["nrr"]) for m in body["revenue_retention_by_month"]] == [
        ("76.92", "76.92"), ("60.53", "60.53"), ("51.28", "64.10")]


def test_retention_report_rejects_bad_parameters(org, api_client_for):
    api = api_client_for(org.head)
    response = api.get("/api/v1/reports/retention/", {"months": 5, "by": "colour", "to": "0001-01-01"})
    assert response.status_code == 400
    assert set(response.json()) >= {"months", "by", "to"}


def test_winback_list_is_paginated_and_scoped(org, history, api_client_for):
    body = api_client_for(org.head).get("/api/v1/reports/win-back/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [(c["name"], c["churned_on"], c["churn_reason"], c["lifetime_revenue"]) for c in body["results"]] == [
        ("C3", "2026-03-05", "results", "200.00"), ("C2", "2026-02-10", "budget", "450.00"),
        ("C5", "2025-12-20", "other_agency", "90.00")]
    assert body["results"][1]["lifetime_months"] == "3.9"
    assert body["results"][1]["account_manager"] == org.am1.pk
    mine = api_client_for(org.group_head).get("/api/v1/reports/win-back/", {"reason": "budget"}).json()
    assert [c["name"] for c in mine["results"]] == ["C2"]


def test_dashboard(org, history, api_client_for):
    body = api_client_for(org.head).get("/api/v1/reports/dashboard/", Q1).json()
    assert [m["revenue"] for m in body["money"]] == ["380.00", "390.00", "250.00"]
    assert body["churn_total"]["churned"] == 2 and body["new_count"] == 3
    assert [m["month"] for m in body["profit"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert body["receivables_total"]["label"] == "Итого"
