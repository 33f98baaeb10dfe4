"""Retainer pages (issue #13): balance on the contract and project pages, the line's retainer
page (terms, expenses, over-service), the My day section; bounded queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.billing.models import RetainerOverageDecision
from tandem.contracts.models import RetainerExpense, RetainerTerms
from tandem.testing.retainers import log, month_ago, retainer_project

pytestmark = pytest.mark.django_db


def _project(money, months: int):
    project = retainer_project(money, hours="10", carry=2, start_ago=months - 1)
    for k in range(months):
        log(project, month_ago(k), "9" if k else "8.5")
    return project


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_contract_page_shows_the_balance_in_constant_queries(money, web_client_for, django_assert_max_num_queries):
    # given a line with 3 months and one with 12
    short, long = _project(money, 3), _project(money, 12)
    client = web_client_for(money.am1)
    short_url = f"/contracts/{short.contract_line.contract_id}/"
    long_url = f"/contracts/{long.contract_line.contract_id}/"
    # then both pages take the same number of queries
    assert _queries(client, short_url) == _queries(client, long_url)
    with django_assert_max_num_queries(30):
        body = client.get(long_url).content.decode()
    assert "retainer-balance" in body and "осталось" in body
    assert body.count("<tr") >= 12


def test_project_page_shows_the_balance_in_constant_queries(money, web_client_for, django_assert_max_num_queries):
    short, long = _project(money, 2), _project(money, 12)
    client = web_client_for(money.am1)
    assert _queries(client, f"/projects/{short.pk}/") == _queries(client, f"/projects/{long.pk}/")
    with django_assert_max_num_queries(40):
        assert "retainer-balance" in client.get(f"/projects/{long.pk}/").content.decode()


def test_specialist_sees_the_project_without_the_balance(money, web_client_for):
    project = _project(money, 2)
    body = web_client_for(money.spec1).get(f"/projects/{project.pk}/").content.decode()
    assert "retainer-balance" not in body


@pytest.mark.parametrize("role,status", [("am1", 200), ("group_head", 200), ("finance", 200), ("am2", 404),
                                         ("spec1", 404), ("outsider", 404)])
def test_line_retainer_page_follows_money_visibility(money, web_client_for, role, status):
    project = _project(money, 3)
    response = web_client_for(money.by_role_name(role)).get(f"/contracts/lines/{project.contract_line_id}/retainer/")
    assert response.status_code == status


def test_am_edits_terms_and_errors_sit_next_to_fields(money, web_client_for):
    project = _project(money, 2)
    client = web_client_for(money.am1)
    url = f"/contracts/lines/{project.contract_line_id}/retainer/"
    bad = client.post(url, {"start_month": f"{month_ago(1):%Y-%m}", "hours_per_month": "0", "rollover_months": "30"})
    assert bad.status_code == 400
    assert 'class="field has-error"' in bad.content.decode()
    assert RetainerTerms.objects.get(line=project.contract_line).rollover_months == 2
    ok = client.post(url, {"start_month": f"{month_ago(1):%Y-%m}", "hours_per_month": "12,5", "rollover_months": "1",
                           "overage_allowed": "on", "overage_rate": "2500"})
    assert ok.status_code == 302
    terms = RetainerTerms.objects.get(line=project.contract_line)
    assert (terms.hours_per_month, terms.rollover_months, terms.overage_rate) == (Decimal("12.5"), 1, 2500)


def test_finance_cannot_edit_terms(money, web_client_for):
    project = _project(money, 2)
    response = web_client_for(money.finance).post(
        f"/contracts/lines/{project.contract_line_id}/retainer/", {"hours_per_month": "99", "rollover_months": "0"})
    assert response.status_code == 403
    assert RetainerTerms.objects.get(line=project.contract_line).hours_per_month == 10


def test_expense_is_added_and_counted(money, web_client_for):
    project = _project(money, 1)
    RetainerTerms.objects.filter(line=project.contract_line).update(money_per_month=Decimal("100000"))
    client = web_client_for(money.am1)
    response = client.post(f"/contracts/lines/{project.contract_line_id}/retainer/expenses/", {
        "kind": "ad_budget", "date": month_ago(0).strftime("%d.%m.%Y"), "amount": "85000,00", "description": "Директ"})
    assert response.status_code == 302
    assert RetainerExpense.objects.get().amount == 85000
    body = client.get(f"/contracts/lines/{project.contract_line_id}/retainer/").content.decode()
    assert "Директ" in body


def test_overage_decision_by_finance_only(money, web_client_for):
    project = retainer_project(money, hours="10", start_ago=1)
    log(project, month_ago(1), "12")
    url = f"/contracts/lines/{project.contract_line_id}/retainer/overage/"
    data = {"month": month_ago(1).isoformat(), "decision": "written_off", "reason": "Гарантийные работы"}
    assert web_client_for(money.am1).post(url, data).status_code == 403
    assert not RetainerOverageDecision.objects.exists()
    page = web_client_for(money.finance).get(f"/contracts/lines/{project.contract_line_id}/retainer/")
    assert "overage-decision" in page.content.decode()
    assert web_client_for(money.finance).post(url, data).status_code == 302
    again = web_client_for(money.finance).post(url, data)
    assert again.status_code == 400 and "уже принято" in again.content.decode()
    assert RetainerOverageDecision.objects.count() == 1


def test_my_day_shows_retainers_near_budget(money, web_client_for, django_assert_max_num_queries):
    near = retainer_project(money, hours="10", start_ago=0)
    log(near, month_ago(0), "8.5")
    calm = retainer_project(money, hours="40", start_ago=0)
    log(calm, month_ago(0), "3")
    client = web_client_for(money.am1)
    body = client.get("/my-day/").content.decode()
    assert "Ретейнер близко к бюджету" in body
    assert f"/contracts/lines/{near.contract_line_id}/retainer/" in body
    assert f"/contracts/lines/{calm.contract_line_id}/retainer/" not in body
    assert "85.0 %" in body or "85,0 %" in body
