"""XLSX exports of list and report pages: same rows, filters and visibility as the page, money
as numbers with the ruble format, dates as dates, bounded queries, large exports work."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tandem.billing.models import BillingSettings
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Client
from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.models import VatRate
from tandem.reports.exports import DATE_FORMAT, MONEY_FORMAT

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
MONEY_PAGES = ["/invoices/", "/payments/?show=all", "/receivables/", "/plans/", "/profitability/"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(BytesIO(b"".join(response.streaming_content))).active


def rows_of(ws):
    return list(ws.iter_rows(min_row=2, values_only=True))


def export(client, url):
    sep = "&" if "?" in url else "?"
    return client.get(f"{url}{sep}format=xlsx")


@pytest.fixture
def money(org):
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(agency=org.agency, bank_account="40702810200000000001", director_name="Иванов")
    org.invoice_a = issued_invoice(org.finance, org.client_a, "1000.00")
    org.invoice_b = issued_invoice(org.finance, org.client_b, "2500.50")
    return org


# --- clients -------------------------------------------------------------------------------------


def test_client_export_has_header_rows_dates_and_names(org, web_client_for):
    org.client_a.served_since = date(2024, 3, 5)
    org.client_a.save()

    ws = sheet(export(web_client_for(org.head), "/clients/"))

    header = [c.value for c in ws[1]]
    assert header[:3] == ["Юридическое название", "Бренд", "ИНН"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    rows = rows_of(ws)
    assert [r[0] for r in rows] == ['ООО "Альфа"', 'ООО "Бета"']
    assert rows[0][6] == "am1"  # the AM by full name
    assert rows[0][3] == org.client_a.get_status_display()
    served = ws.cell(row=2, column=9)
    assert served.value == dt.datetime(2024, 3, 5)
    assert served.number_format == DATE_FORMAT


def test_client_export_keeps_the_page_filter(org, web_client_for):
    rows = rows_of(sheet(export(web_client_for(org.head), "/clients/?q=Бета")))

    assert [r[1] for r in rows] == ["Бета"]


@pytest.mark.parametrize("role", ROLES)
def test_client_export_visibility_by_role(org, web_client_for, role):
    employee = org.by_role_name(role)
    expected = Client.objects.filter(pk__in=[org.client_a.pk, org.client_b.pk])
    from tandem.clients.permissions import clients_visible_to

    visible = set(clients_visible_to(employee.user).filter(pk__in=expected).values_list("legal_name", flat=True))

    rows = rows_of(sheet(export(web_client_for(employee), "/clients/")))

    assert {r[0] for r in rows} == visible
    if role == "am1":
        assert visible == {'ООО "Альфа"'}


def test_client_export_queries_do_not_grow_and_large_export_works(org, web_client_for, django_assert_max_num_queries):
    ClientFactory.create_batch(2000, agency=org.agency, account_manager=org.am1, group=org.seo1)
    client = web_client_for(org.head)

    with django_assert_max_num_queries(12):
        ws = sheet(export(client, "/clients/"))

    assert len(rows_of(ws)) == 2002


# --- money pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", MONEY_PAGES)
def test_money_exports_by_role(money, web_client_for, role, url):
    response = export(web_client_for(money.by_role_name(role)), url)

    assert response.status_code == (404 if role.startswith("spec") else 200)


def test_invoice_export_money_numbers_dates_and_filter(money, web_client_for):
    ws = sheet(export(web_client_for(money.finance), "/invoices/?q=Бета"))

    rows = rows_of(ws)
    assert len(rows) == 1
    header = [c.value for c in ws[1]]
    total = ws.cell(row=2, column=header.index("Сумма") + 1)
    assert total.value == pytest.approx(2500.50)
    assert total.number_format == MONEY_FORMAT
    issued = ws.cell(row=2, column=header.index("Дата") + 1)
    assert isinstance(issued.value, dt.datetime)
    assert issued.number_format == DATE_FORMAT
    assert rows[0][header.index("Статус")] == money.invoice_b.get_status_display()


def test_invoice_export_am_gets_only_their_clients(money, web_client_for):
    rows = rows_of(sheet(export(web_client_for(money.am1), "/invoices/")))

    assert [r[2] for r in rows] == [money.client_a.display_name]


def test_receivables_export_rows_and_total(money, web_client_for):
    ws = sheet(export(web_client_for(money.finance), "/receivables/"))

    rows = rows_of(ws)
    assert rows[-1][0] == "Итого"
    header = [c.value for c in ws[1]]
    col = header.index("Итого")
    assert rows[-1][col] == pytest.approx(3500.50)
    assert ws.cell(row=len(rows) + 1, column=col + 1).number_format == MONEY_FORMAT


def test_profitability_and_plans_exports_open(money, web_client_for):
    client = web_client_for(money.head)

    profit = sheet(export(client, "/profitability/"))
    plans = sheet(export(client, "/plans/"))

    assert [c.value for c in profit[1]][1] == "Выручка"
    assert [c.value for c in plans[1]][:3] == ["Сотрудник", "Группа", "План"]


def test_download_name_is_utf8_per_rfc_6266(org, web_client_for):
    response = export(web_client_for(org.head), "/clients/")

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "%D0%9A%D0%BB%D0%B8%D0%B5%D0%BD%D1%82%D1%8B" in disposition  # «Клиенты»
    assert int(response["Content-Length"]) > 0


@pytest.mark.parametrize(("url", "expected"), [
    ("/clients/?q=Альфа&page=1", "format=xlsx"),
    ("/invoices/?q=Альфа", "format=xlsx"),
    ("/payments/?show=all", "show=all&amp;format=xlsx"),
    ("/receivables/?by=am", "by=am&amp;format=xlsx"),
    ("/plans/", "?format=xlsx"),
    ("/profitability/?by=group", "by=group&amp;format=xlsx"),
    ("/work/hours/", "?format=xlsx"),
    ("/tasks/?scope=all", "scope=all&amp;format=xlsx"),
    ("/requests/?status=all", "status=all&amp;format=xlsx"),
    ("/interactions/", "?format=xlsx"),
    ("/contracts/", "?format=xlsx"),
])
def test_each_page_links_its_export_with_the_filters(money, web_client_for, url, expected):
    from tandem.work.tests.factories import TaskFactory, signed_project

    TaskFactory(project=signed_project(money))

    html = web_client_for(money.head).get(url).content.decode()

    assert "Экспорт в Excel" in html
    assert expected in html
    assert "page=1&amp;format" not in html


def test_invoice_export_queries_do_not_grow_with_rows(money, web_client_for, django_assert_max_num_queries):
    client = web_client_for(money.finance)
    with django_assert_max_num_queries(15) as few:
        export(client, "/invoices/")
    for _ in range(5):
        issued_invoice(money.finance, money.client_b, "10.00")

    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = rows_of(sheet(export(client, "/invoices/")))

    assert len(rows) == 7


def test_payment_export_queries_do_not_grow_with_rows(money, web_client_for, django_assert_max_num_queries):
    from tandem.billing.models import Payment

    client = web_client_for(money.finance)

    def pay(n: int) -> None:
        Payment.objects.bulk_create([
            Payment(agency=money.agency, date=date(2026, 2, 3), amount=Decimal("100.00"), payer_name=f"ООО {i}",
                    purpose="Оплата") for i in range(n)
        ])

    pay(1)
    with django_assert_max_num_queries(15) as few:
        export(client, "/payments/?show=all")
    pay(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        ws = sheet(export(client, "/payments/?show=all"))

    rows = rows_of(ws)
    assert len(rows) == 21
    amount = ws.cell(row=2, column=5)
    assert amount.value == 100
    assert amount.number_format == MONEY_FORMAT


def test_export_headers_and_choices_follow_the_users_language(money, web_client_for):
    web = web_client_for(money.finance)
    web.post("/i18n/setlang/", {"language": "en", "next": "/invoices/"})

    ws = sheet(export(web, "/invoices/"))

    header = [c.value for c in ws[1]]
    assert "Amount excl. VAT" in header
    assert "Сумма без НДС" not in header
    assert rows_of(ws)[0][4].isascii()  # the status in English


@pytest.mark.parametrize("role", ROLES)
def test_bonus_statement_export_by_role(money, web_client_for, role):
    from tandem.billing import services

    march = date(2026, 3, 1)
    services.bonus_rule_set(actor=money.head.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("60000"),
                            tiers=[(Decimal("80"), Decimal("5"))])
    for am in (money.am1, money.am2):
        services.payment_plan_set(actor=money.head.user, employee=am, month=march, amount=Decimal("100000"))
    services.bonus_statements_build_month(actor=money.head.user, month=march)

    response = export(web_client_for(money.by_role_name(role)), "/plans/bonus/?month=2026-03")

    if role.startswith("spec"):
        assert response.status_code == 404
        return
    ws = sheet(response)
    names = [r[0] for r in rows_of(ws)]
    expected = {"am1": ["am1"], "am2": ["am2"], "group_head": ["am1"]}.get(role, ["am1", "am2"])
    assert [n for n in names if n in {"am1", "am2"}] == ([] if role == "outsider" else expected)
    if names:
        assert ws.cell(row=2, column=2).value == dt.datetime(2026, 3, 1)
        assert ws.cell(row=2, column=9).number_format == MONEY_FORMAT
