"""Pages of issue 12: the head's dashboard, churn and retention, the win-back list — who opens
them, what they show, bounded queries, XLSX exports of each table, the head's landing page."""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tandem.clients.models import LifecycleStatus
from tandem.clients.services import client_change_status
from tandem.reports.tests.retention_data import build_history

Q1 = {"to": "2026-03", "months": "3"}


@pytest.fixture
def history(org):
    return build_history(org)


def _sheets(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


@pytest.mark.parametrize("url_name", ["web:dashboard", "web:retention", "web:winback"])
@pytest.mark.parametrize(("role", "status"), [
    ("head", 200), ("admin", 200), ("group_head", 200), ("am1", 404), ("spec1", 404), ("finance", 404),
])
def test_who_opens_the_management_pages(org, web_client_for, url_name, role, status):
    response = web_client_for(org.by_role_name(role)).get(reverse(url_name))
    assert response.status_code == status


def test_retention_page_shows_the_hand_computed_figures(org, history, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.head)
    with django_assert_max_num_queries(20):
        response = web.get(reverse("web:retention"), Q1)
    html = response.content.decode()
    assert response.status_code == 200
    # the quarter's churn 2 / 5, GRR 76,9 % and NRR 153,9 % (153,85 rounded) against October–December
    assert "40,0 %" in html and "76,9 %" in html and "153,9 %" in html
    assert 'id="cohort-clients"' in html and "heat-10" in html and "heat-5" in html
    assert 'data-chart-source="chart-churn"' in html and 'id="chart-churn"' in html
    assert "<script>" not in html  # charts come from static/web/report-charts.js
    by_service = web.get(reverse("web:retention"), {**Q1, "by": "service"}).content.decode()
    assert "Контекстная реклама" in by_service


def test_retention_tables_export_to_xlsx(org, history, web_client_for):
    web = web_client_for(org.head)
    months = _sheets(web.get(reverse("web:retention"), {**Q1, "format": "xlsx", "table": "months"})).active
    assert [c.value for c in months[1]] == ["Месяц", "На начало месяца", "Новые", "Ушли", "Отток, %"]
    assert [c.value for c in months[3]] == ["02.2026", 4, 1, 1, 20]
    workbook = _sheets(web.get(reverse("web:retention"), {**Q1, "format": "xlsx"}))
    assert len(workbook.sheetnames) == 6
    cohorts = workbook[workbook.sheetnames[3]]
    assert [c.value for c in cohorts[2]] == ["01.2026", 2, 100, 100, 50]


def test_winback_list_filters_pages_and_exports(org, history, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.head)
    with django_assert_max_num_queries(12):
        response = web.get(reverse("web:winback"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(">C3</a>") < html.index(">C2</a>") < html.index(">C5</a>")  # newest churn first
    assert reverse("web:client_detail", args=[history.c2.pk]) in html
    only_budget = web.get(reverse("web:winback"), {"reason": "budget"}).content.decode()
    assert ">C2</a>" in only_budget and ">C3</a>" not in only_budget  # names as links: a CSRF token may hold "C3"
    sheet = _sheets(web.get(reverse("web:winback"), {"format": "xlsx"})).active
    assert [sheet.cell(row=n, column=1).value for n in (2, 3, 4)] == ["C3", "C2", "C5"]
    assert sheet.cell(row=3, column=2).value == dt.datetime(2026, 2, 10)
    assert sheet.cell(row=3, column=9).value == 450


def test_group_head_sees_only_their_group(org, history, web_client_for):
    web = web_client_for(org.group_head)
    html = web.get(reverse("web:winback")).content.decode()
    assert ">C2</a>" in html and ">C3</a>" not in html and ">C5</a>" not in html
    retention = web.get(reverse("web:retention"), Q1).content.decode()
    assert "33,3 %" in retention  # seo1: C2 of C1, C2, C7


def test_dashboard_shows_at_risk_with_reason_and_exports_each_table(
    org, history, web_client_for, django_assert_max_num_queries,
):
    client_change_status(actor=org.head.user, client=history.c4, to_status=LifecycleStatus.AT_RISK,
                         reason="Не отвечает на звонки")
    web = web_client_for(org.head)
    with django_assert_max_num_queries(70):
        response = web.get(reverse("web:dashboard"), Q1)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Не отвечает на звонки" in html
    assert reverse("web:client_detail", args=[history.c4.pk]) in html
    assert 'id="chart-money"' in html and 'id="chart-profit"' in html
    money = _sheets(web.get(reverse("web:dashboard"), {**Q1, "format": "xlsx", "table": "money"})).active
    assert [c.value for c in money[2]][:2] == ["01.2026", 380]
    at_risk = _sheets(web.get(reverse("web:dashboard"), {**Q1, "format": "xlsx", "table": "at_risk"})).active
    assert at_risk.cell(row=2, column=1).value == "C4"
    assert at_risk.cell(row=2, column=5).value == "Не отвечает на звонки"
    workbook = _sheets(web.get(reverse("web:dashboard"), {**Q1, "format": "xlsx"}))
    assert len(workbook.sheetnames) == 9


def test_dashboard_queries_do_not_grow_with_the_number_of_clients(org, history, web_client_for):
    web = web_client_for(org.head)
    with CaptureQueriesContext(connection) as before:
        web.get(reverse("web:dashboard"), Q1)
    build_history(org, suffix="b")  # seven more clients with their invoices
    with CaptureQueriesContext(connection) as after:
        web.get(reverse("web:dashboard"), Q1)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_head_lands_on_the_dashboard_others_on_my_day(org, web_client_for):
    assert web_client_for(org.head).get("/").url == reverse("web:dashboard")
    assert web_client_for(org.group_head).get("/").url == reverse("web:my_day")


def test_menu_lists_the_pages_for_those_who_may_open_them(org, web_client_for):
    head_html = web_client_for(org.head).get(reverse("web:client_list")).content.decode()
    assert reverse("web:dashboard") in head_html and reverse("web:winback") in head_html
    am_html = web_client_for(org.am1).get(reverse("web:client_list")).content.decode()
    assert reverse("web:dashboard") not in am_html and reverse("web:retention") not in am_html


@pytest.mark.parametrize(("url_name", "english", "russian"), [
    ("web:dashboard", ["Head of accounts dashboard", "Revenue and payments against plan", "Receivables by group"],
     ["Дашборд руководителя", "Выручка и оплаты к плану"]),
    ("web:retention", ["Churn and retention", "Churn by month", "Cohorts: how many clients stay"],
     ["Отток по месяцам", "Когорты: сколько клиентов остаётся"]),
    ("web:winback", ["Win-back", "Lifetime revenue"], ["Вернуть ушедших", "Выручка за всё время"]),
])
def test_pages_in_english(org, history, web_client_for, url_name, english, russian):
    web = web_client_for(org.head)
    assert web.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    html = web.get(reverse(url_name)).content.decode()
    assert all(text in html for text in english), [t for t in english if t not in html]
    assert not any(text in html for text in russian), [t for t in russian if t in html]


def test_dashboard_labels_the_current_month_instead_of_a_zero_result(org, history, web_client_for):
    # given a period ending with the current month, whose acts are not issued yet
    today = timezone.localdate()
    web = web_client_for(org.head)
    # when the head opens the dashboard
    html = web.get(reverse("web:dashboard"), {"to": f"{today:%Y-%m}", "months": "3"}).content.decode()
    # then the current month is labelled as not closed (only it, in its own row), with no revenue or margin
    table = html.split('id="dash-profit"', 1)[1].split("</table>", 1)[0]
    rows = [row for row in table.split("<tbody>", 1)[1].split("</tr>") if "<tr>" in row]
    assert len(rows) == 3 and f"{today:%m.%Y}" in rows[-1]
    assert "месяц не закрыт: акты ещё не выставлены" in rows[-1] and rows[-1].count("—") == 3
    assert not any("месяц не закрыт" in row for row in rows[:-1])
    # and the chart shows a gap for it, not a drop to zero
    chart = json.loads(html.split('id="chart-profit" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert [ds["data"][-1] for ds in chart["datasets"]] == [None, None]
