"""Web pages of revenue per project (issue 10): the contract line of each invoice line in the
editor (htmx-reloaded choices, a field error when the contract has several), «Счёт по часам за
месяц», the «без проекта» list with attribution, profitability by project."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import BilledTime, Invoice, InvoiceLine
from tandem.billing.tests.factories import ContractLineFactory
from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.models import ContractStatus
from tandem.work.models import Project

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
SEES_A = WRITERS | {"group_head", "am1"}


def _editor_payload(org, **rows) -> dict:
    data = {
        "client": org.client_a.pk, "contract": org.contract_h.pk, "date": "2026-03-05", "notes": "",
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-name": "SEO за март", "lines-0-quantity": "1", "lines-0-unit": "усл.", "lines-0-price": "90000",
        "lines-1-name": "Часы", "lines-1-quantity": "2", "lines-1-unit": "ч", "lines-1-price": "2500",
    }
    data.update(rows)
    return data


def test_editor_saves_the_chosen_contract_lines(hourly, web_client_for):
    response = web_client_for(hourly.finance).post("/invoices/new/", _editor_payload(
        hourly, **{"lines-0-contract_line": hourly.seo_line.pk, "lines-1-contract_line": hourly.hourly_line.pk}))

    invoice = Invoice.objects.get(contract=hourly.contract_h)
    assert response.status_code == 302
    assert [ln.contract_line for ln in invoice.lines.all()] == [hourly.seo_line, hourly.hourly_line]


def test_editor_requires_a_contract_line_when_the_contract_has_several(hourly, web_client_for):
    response = web_client_for(hourly.finance).post("/invoices/new/", _editor_payload(
        hourly, **{"lines-0-contract_line": hourly.seo_line.pk}))

    assert response.status_code == 200
    rows = response.context["lines"].forms
    assert not rows[0].errors
    assert rows[1].errors["contract_line"] == [
        "Выберите услугу договора: в договоре их несколько, а выручка считается по проектам."]
    assert "в договоре их несколько" in response.content.decode()
    assert not Invoice.objects.filter(contract=hourly.contract_h).exists()


def test_editor_defaults_the_only_contract_line(hourly, web_client_for):
    data = _editor_payload(hourly, contract=hourly.contract_a.pk, **{"lines-TOTAL_FORMS": "1"})
    for key in [k for k in data if k.startswith("lines-1-")]:
        del data[key]

    web_client_for(hourly.finance).post("/invoices/new/", data)

    assert Invoice.objects.get(contract=hourly.contract_a).lines.get().contract_line == hourly.contract_a.lines.get()


def test_editing_a_draft_shows_its_contract_lines(hourly, web_client_for):
    invoice = services.invoice_create(actor=hourly.finance.user, client=hourly.client_a, contract=hourly.contract_h,
                                      date=date(2026, 3, 5), lines=[services.LineInput(
                                          name="Часы", price=Decimal("2500"), contract_line_id=hourly.hourly_line.pk)])

    response = web_client_for(hourly.finance).get(f"/invoices/{invoice.pk}/edit/")

    row = response.context["lines"].forms[0]
    assert row.initial["contract_line"] == hourly.hourly_line.pk
    assert set(row.fields["contract_line"].queryset) == {hourly.seo_line, hourly.hourly_line}


def test_contract_line_choices_follow_the_contract(hourly, web_client_for):
    client = web_client_for(hourly.finance)

    several = client.get(f"/invoices/new/contract-lines/?contract={hourly.contract_h.pk}").content.decode()
    only = client.get(f"/invoices/new/contract-lines/?contract={hourly.contract_a.pk}").content.decode()
    hourly_only = client.get(f"/invoices/new/contract-lines/?contract={hourly.contract_h.pk}&hourly=1").content.decode()
    row = client.get(f"/invoices/new/line/?lines-TOTAL_FORMS=1&contract={hourly.contract_h.pk}").content.decode()

    assert "SEO-продвижение" in several and "Доп. работы" in several and "без проекта" in several
    assert "selected" in only and "без проекта" not in only
    assert "Доп. работы" in hourly_only and "SEO-продвижение" not in hourly_only
    assert f'value="{hourly.hourly_line.pk}"' in row and 'name="lines-1-contract_line"' in row


def test_contract_line_choices_of_an_invisible_contract_are_empty(hourly, web_client_for):
    other = ClientFactory.create(agency=hourly.outsider.agency)
    foreign = ContractLineFactory(contract=hourly.contract_h.__class__.objects.create(
        agency=other.agency, client=other, number="X-1", date=date(2026, 1, 1), start_date=date(2026, 1, 1),
        status=ContractStatus.SIGNED))

    body = web_client_for(hourly.finance).get(f"/invoices/new/contract-lines/?contract={foreign.contract_id}")

    assert f'value="{foreign.pk}"' not in body.content.decode()
    assert web_client_for(hourly.am1).get(f"/invoices/new/contract-lines/?contract={hourly.contract_h.pk}"
                                          ).status_code == 404


def test_invoice_detail_shows_the_project_of_each_line(hourly, web_client_for):
    invoice = services.invoice_create(actor=hourly.finance.user, client=hourly.client_a, contract=hourly.contract_h,
                                      date=date(2026, 3, 5), lines=[services.LineInput(
                                          name="Часы", price=Decimal("2500"), contract_line_id=hourly.hourly_line.pk)])

    body = web_client_for(hourly.finance).get(f"/invoices/{invoice.pk}/").content.decode()

    assert f"/projects/{hourly.hourly_project.pk}/" in body and hourly.hourly_project.name in body


# --- «Счёт по часам за месяц» ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_invoice_from_time_page_only_money_managers(hourly, web_client_for, role):
    client = web_client_for(hourly.by_role_name(role))

    page = client.get(f"/invoices/from-time/?contract={hourly.contract_h.pk}")
    response = client.post("/invoices/from-time/", {
        "client": hourly.client_a.pk, "contract": hourly.contract_h.pk, "month": "2026-03", "date": "2026-04-01"})

    if role in WRITERS:
        invoice = Invoice.objects.get(contract=hourly.contract_h)
        assert page.status_code == 200 and page.context["form"].initial["contract"] == hourly.contract_h.pk
        assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
        assert invoice.total == Decimal("16250.00") and BilledTime.objects.count() == 3
    else:
        # others: 404; a money manager of another agency sees an empty form and cannot pick these
        expected = (200, 400) if role == "outsider" else (404, 404)
        assert (page.status_code, response.status_code) == expected
        assert not Invoice.objects.filter(contract=hourly.contract_h).exists()
        assert not BilledTime.objects.exists()


def test_invoice_from_time_twice_shows_why(hourly, web_client_for):
    client = web_client_for(hourly.finance)
    data = {"client": hourly.client_a.pk, "contract": hourly.contract_h.pk, "month": "2026-03"}
    client.post("/invoices/from-time/", data)

    response = client.post("/invoices/from-time/", data)

    assert response.status_code == 400
    assert response.context["form"].errors["month"] == [
        "За март 2026 нет невыставленного времени по почасовым услугам договора."]
    assert Invoice.objects.filter(contract=hourly.contract_h).count() == 1


def test_contract_page_offers_invoicing_time_to_money_managers(hourly, web_client_for):
    url = f"/contracts/{hourly.contract_h.pk}/"

    assert "invoice-from-time" in web_client_for(hourly.finance).get(url).content.decode()
    assert "invoice-from-time" not in web_client_for(hourly.am1).get(url).content.decode()
    assert "invoice-from-time" not in web_client_for(hourly.finance).get(
        f"/contracts/{hourly.contract_a.pk}/").content.decode()


# --- lines without project and profitability by project ---------------------------------------------


def _issued_with_loose_line(org):
    invoice = services.invoice_create(actor=org.finance.user, client=org.client_a, contract=org.contract_h,
                                      date=date(2026, 3, 5), lines=[
                                          services.LineInput(name="Хостинг", price=Decimal("1220"),
                                                             contract_line_id=org.seo_line.pk)])
    InvoiceLine.objects.filter(invoice=invoice).update(contract_line=None)
    invoice = services.invoice_issue(actor=org.finance.user, invoice=invoice)
    services.act_create(actor=org.finance.user, invoice=invoice, date=date(2026, 3, 31))
    return invoice


PERIOD = "start=2026-03-01&end=2026-03-31"


def test_profitability_by_project_links_to_the_lines_without_project(hourly, web_client_for):
    invoice = _issued_with_loose_line(hourly)
    client = web_client_for(hourly.finance)

    profit = client.get(f"/profitability/?{PERIOD}&by=project").content.decode()
    listing = client.get(f"/profitability/without-project/?{PERIOD}&client={hourly.client_a.pk}")

    assert "Альфа — Без проекта" in profit and f"without-project/?{PERIOD}&basis=acts&client={hourly.client_a.pk}" in profit
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Хостинг" in body and f"/invoices/{invoice.pk}/" in body
    assert f'value="{hourly.seo_line.pk}"' in body  # the choices of its contract


@pytest.mark.parametrize("role", ROLES)
def test_attributing_a_line_from_the_list(hourly, web_client_for, role):
    invoice = _issued_with_loose_line(hourly)
    line = invoice.lines.get()
    client = web_client_for(hourly.by_role_name(role))

    response = client.post(f"/invoices/{invoice.pk}/lines/{line.pk}/project/", {
        "contract_line": hourly.seo_line.pk, "next": f"/profitability/without-project/?{PERIOD}"})

    line.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 302 and response["Location"] == f"/profitability/without-project/?{PERIOD}"
        assert line.contract_line == hourly.seo_line
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert line.contract_line is None


def test_without_project_list_is_money_only(hourly, web_client_for):
    _issued_with_loose_line(hourly)

    assert web_client_for(hourly.spec1).get(f"/profitability/without-project/?{PERIOD}").status_code == 404
    am2_page = web_client_for(hourly.am2).get(f"/profitability/without-project/?{PERIOD}")
    assert am2_page.status_code == 200 and "Хостинг" not in am2_page.content.decode()


def _many_projects(org, n=12):
    """n clients with a signed two-line contract each, both lines billed and closed by acts."""
    from tandem.billing.tests.factories import ContractFactory
    from tandem.work.services import contract_sign

    for i in range(n):
        c = ClientFactory.create(agency=org.agency, legal_name=f"ООО Клиент {i}", brand_name=f"Клиент {i}",
                                 account_manager=org.am1, group=org.seo1)
        contract = ContractFactory(client=c, status=ContractStatus.IN_APPROVAL)
        lines = [ContractLineFactory(contract=contract), ContractLineFactory(contract=contract)]
        contract_sign(actor=org.head.user, contract=contract, on_date=date(2026, 1, 15))
        contract.refresh_from_db()
        invoice = services.invoice_issue(actor=org.finance.user, invoice=services.invoice_create(
            actor=org.finance.user, client=c, contract=contract, date=date(2026, 3, 2), lines=[
                services.LineInput(name=f"Услуга {k}", price=Decimal("12200"), contract_line_id=line.pk)
                for k, line in enumerate(lines)]))
        services.act_create(actor=org.finance.user, invoice=invoice, date=date(2026, 3, 31))


@pytest.mark.parametrize("basis", ["acts", "payments"])
def test_profitability_by_project_query_count_is_bounded(hourly, web_client_for, django_assert_max_num_queries,
                                                          basis):
    _many_projects(hourly)
    _issued_with_loose_line(hourly)
    client = web_client_for(hourly.head)

    with django_assert_max_num_queries(14):
        response = client.get(f"/profitability/?{PERIOD}&by=project&basis={basis}")
    with django_assert_max_num_queries(14):
        listing = client.get(f"/profitability/without-project/?{PERIOD}&basis={basis}")

    assert response.status_code == 200 and listing.status_code == 200
    if basis == "acts":
        billed = [r for r in response.context["rows"] if isinstance(r.key, int) and r.revenue]
        assert len(billed) == 24 and all(r.revenue == Decimal("10000.00") for r in billed)
        assert Project.objects.count() == 26


def test_task_and_client_pages_show_the_project_without_the_client_again(hourly, web_client_for):
    body = web_client_for(hourly.head).get(f"/clients/{hourly.client_a.pk}/work/").content.decode()

    assert ">Доп. работы</a>" in body


def test_billed_time_is_not_changed_from_the_timesheet(hourly, web_client_for):
    services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=date(2026, 3, 1))
    entry = hourly.march_entries[1]

    response = web_client_for(hourly.spec1).post("/timesheet/cell/", {
        "project": hourly.hourly_project.pk, "date": entry.date.isoformat(), "hours": "1"})

    entry.refresh_from_db()
    assert response.status_code == 200
    assert "уже выставлено клиенту в счёте" in response.content.decode()
    assert entry.hours == Decimal("4.00")


def test_billed_cells_are_read_only_in_the_timesheet(hourly, web_client_for):
    services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=date(2026, 3, 1))

    response = web_client_for(hourly.spec1).get("/timesheet/?week=2026-03-09")

    cells = {c.day: c for row in response.context["week"].rows if row.project == hourly.hourly_project
             for c in row.cells}
    assert cells[date(2026, 3, 10)].billed and not cells[date(2026, 3, 11)].billed
    assert "Выставлено клиенту в счёте" in response.content.decode()
