"""XLSX exports of the work, communications, contract and act pages: the page's rows and
filters, visibility per role, hours as numbers, dates as dates, bounded queries."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tandem.billing import services as billing_services
from tandem.billing.models import BillingSettings
from tandem.billing.tests.helpers import issued_invoice
from tandem.comms.services import request_create
from tandem.comms.tests.factories import InteractionFactory
from tandem.contracts.models import VatRate
from tandem.reports.exports import DATE_FORMAT, DATETIME_FORMAT, HOURS_FORMAT, MONEY_FORMAT
from tandem.work.tests.factories import TaskFactory, TimeEntryFactory, signed_project

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}


def sheets(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def rows_of(ws):
    return list(ws.iter_rows(min_row=2, values_only=True))


def header(ws):
    return [c.value for c in ws[1]]


# --- tasks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_task_export_follows_visibility(org, web_client_for, role):
    TaskFactory(project=signed_project(org), title="Собрать ядро")

    ws = sheets(web_client_for(org.by_role_name(role)).get("/tasks/?scope=all&format=xlsx")).active

    assert [r[0] for r in rows_of(ws)] == (["Собрать ядро"] if role in SEES_A else [])


def test_task_export_filter_names_and_dates(org, web_client_for):
    project = signed_project(org)
    TaskFactory(project=project, title="Собрать ядро", deadline=date(2026, 5, 4))
    TaskFactory(project=project, title="Написать тексты")

    ws = sheets(web_client_for(org.head).get("/tasks/?scope=all&q=ядро&format=xlsx")).active

    rows = rows_of(ws)
    assert len(rows) == 1
    h = header(ws)
    assert rows[0][h.index("Исполнитель")] == "spec1"
    assert ws.cell(row=2, column=h.index("Срок") + 1).value == dt.datetime(2026, 5, 4)
    assert ws.cell(row=2, column=h.index("Срок") + 1).number_format == DATE_FORMAT


# --- hours ---------------------------------------------------------------------------------------


def test_hours_export_two_sheets_with_hours_as_numbers(org, web_client_for):
    project = signed_project(org, planned="40")
    TimeEntryFactory(project=project, employee=org.spec1, hours=Decimal("2.5"))
    month = timezone.localdate().strftime("%Y-%m")

    wb = sheets(web_client_for(org.head).get(f"/work/hours/?month={month}&format=xlsx"))

    by_project, by_employee = wb.worksheets
    h = header(by_project)
    row = rows_of(by_project)[0]
    assert row[h.index("План, ч")] == 40
    assert row[h.index("Факт, ч")] == 2.5
    assert by_project.cell(row=2, column=h.index("Факт, ч") + 1).number_format == HOURS_FORMAT
    assert "Себестоимость, ₽" in h
    assert {r[0] for r in rows_of(by_employee)} >= {"spec1"}


def test_hours_export_specialist_gets_no_cost_and_only_visible_projects(org, web_client_for):
    signed_project(org)
    signed_project(org, client=org.client_b, actor=org.head)

    ws = sheets(web_client_for(org.spec1).get("/work/hours/?format=xlsx")).worksheets[0]

    assert "Себестоимость, ₽" not in header(ws)
    assert [r[0] for r in rows_of(ws)] == [org.client_a.display_name]


def test_hours_export_queries_bounded(org, web_client_for, django_assert_max_num_queries):
    for _ in range(3):
        signed_project(org)
    client = web_client_for(org.head)
    client.get("/work/hours/")  # warm the session/user caches

    with django_assert_max_num_queries(12):
        sheets(client.get("/work/hours/?format=xlsx"))


# --- requests and interactions -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_request_export_follows_visibility(org, web_client_for, role):
    request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Упали позиции"})

    ws = sheets(web_client_for(org.by_role_name(role)).get("/requests/?status=all&format=xlsx")).active

    assert [r[4] for r in rows_of(ws)] == (["Упали позиции"] if role in SEES_A else [])


def test_request_export_datetimes_and_words(org, web_client_for):
    stored = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Упали позиции"})

    ws = sheets(web_client_for(org.am1).get("/requests/?format=xlsx")).active

    h = header(ws)
    received = ws.cell(row=2, column=h.index("Получено") + 1)
    assert isinstance(received.value, dt.datetime)
    assert received.number_format == DATETIME_FORMAT
    assert rows_of(ws)[0][h.index("Приоритет")] == stored.get_priority_display()
    assert rows_of(ws)[0][h.index("Аккаунт-менеджер")] == "am1"


@pytest.mark.parametrize("role", ROLES)
def test_interaction_export_follows_visibility_and_filter(org, web_client_for, role):
    InteractionFactory(client=org.client_a, summary="Созвон по отчёту")
    InteractionFactory(client=org.client_a, summary="Письмо про счёт")

    ws = sheets(web_client_for(org.by_role_name(role)).get("/interactions/?search=отчёт&format=xlsx")).active

    assert [r[7] for r in rows_of(ws)] == (["Созвон по отчёту"] if role in SEES_A else [])


def test_interaction_export_queries_do_not_grow(org, web_client_for, django_assert_max_num_queries):
    client = web_client_for(org.head)
    InteractionFactory(client=org.client_a)
    with django_assert_max_num_queries(12) as few:
        sheets(client.get("/interactions/?format=xlsx"))
    InteractionFactory.create_batch(30, client=org.client_a)

    with django_assert_max_num_queries(len(few.captured_queries)):
        wb = sheets(client.get("/interactions/?format=xlsx"))

    assert len(rows_of(wb.active)) == 31


# --- contracts and acts --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_contract_export_follows_visibility(org, web_client_for, role):
    signed_project(org)

    response = web_client_for(org.by_role_name(role)).get("/contracts/?format=xlsx")
    page = web_client_for(org.by_role_name(role)).get("/contracts/")

    assert response.status_code == page.status_code
    if page.status_code == 200:
        rows = rows_of(sheets(response).active)
        assert len(rows) == page.context["page"].paginator.count


@pytest.fixture
def acts(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    invoice = issued_invoice(org.finance, org.client_a, "1000.00")
    billing_services.act_create(actor=org.finance.user, invoice=invoice, date=date(2026, 2, 28))
    return org


@pytest.mark.parametrize("role", ROLES)
def test_act_export_by_role(acts, web_client_for, role):
    response = web_client_for(acts.by_role_name(role)).get("/acts/?format=xlsx")

    assert response.status_code == (404 if role.startswith("spec") else 200)
    if response.status_code == 200:
        expected = 1 if role in SEES_A else 0
        assert len(rows_of(sheets(response).active)) == expected


def test_act_export_money_and_dates(acts, web_client_for):
    ws = sheets(web_client_for(acts.finance).get("/acts/?format=xlsx")).active

    h = header(ws)
    total = ws.cell(row=2, column=h.index("Сумма") + 1)
    assert total.value == pytest.approx(1000.0)
    assert total.number_format == MONEY_FORMAT
    assert ws.cell(row=2, column=h.index("Дата") + 1).value == dt.datetime(2026, 2, 28)


def _tasks(org, n):
    project = signed_project(org)
    TaskFactory.create_batch(n, project=project)


def _requests(org, n):
    for i in range(n):
        request_create(actor=org.am1.user, client=org.client_a, data={"subject": f"Вопрос {i}"})


def _contracts(org, n):
    for _ in range(n):
        signed_project(org)


@pytest.mark.parametrize(("url", "build"), [
    ("/tasks/?scope=all&status=any", _tasks), ("/requests/?status=all", _requests), ("/contracts/", _contracts),
])
def test_export_queries_do_not_grow_with_rows(org, web_client_for, django_assert_max_num_queries, url, build):
    client = web_client_for(org.head)
    build(org, 1)
    with django_assert_max_num_queries(15) as few:
        first = len(rows_of(sheets(client.get(f"{url}&format=xlsx" if "?" in url else f"{url}?format=xlsx")).active))
    build(org, 6)

    with django_assert_max_num_queries(len(few.captured_queries)):
        wb = sheets(client.get(f"{url}&format=xlsx" if "?" in url else f"{url}?format=xlsx"))

    assert len(rows_of(wb.active)) > first
