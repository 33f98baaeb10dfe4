"""API of revenue per project (issue 10): the contract line of invoice lines (400 messages),
invoicing a month's time of hourly lines, attributing lines, the «без проекта» list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import BilledTime, Invoice, InvoiceLine

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
SEES_A = {"head", "finance", "admin", "group_head", "am1"}


def _payload(org, lines):
    return {"client": org.client_a.pk, "contract": org.contract_h.pk, "date": "2026-03-05", "lines": lines}


def test_invoice_lines_name_their_contract_line_and_project(hourly, api_client_for):
    api = api_client_for(hourly.finance)

    response = api.post("/api/v1/invoices/", _payload(hourly, [
        {"name": "SEO", "price": "90000", "contract_line": hourly.seo_line.pk},
        {"name": "Часы", "price": "2500", "quantity": "2", "contract_line": hourly.hourly_line.pk},
    ]), format="json")

    assert response.status_code == 201
    lines = response.json()["lines"]
    assert [(ln["contract_line"], ln["project"]) for ln in lines] == [
        (hourly.seo_line.pk, hourly.seo_project.pk), (hourly.hourly_line.pk, hourly.hourly_project.pk)]


def test_several_contract_lines_and_no_choice_is_a_400_naming_the_line(hourly, api_client_for):
    response = api_client_for(hourly.finance).post("/api/v1/invoices/", _payload(hourly, [
        {"name": "SEO", "price": "90000"}]), format="json")

    assert response.status_code == 400
    assert response.json() == {"lines": [
        "Строка 1: выберите услугу договора (проект) — в договоре их несколько, а выручка считается по проектам."]}
    assert not Invoice.objects.filter(contract=hourly.contract_h).exists()


def test_a_contract_line_of_another_contract_is_a_400(hourly, api_client_for):
    response = api_client_for(hourly.finance).post("/api/v1/invoices/", _payload(hourly, [
        {"name": "SEO", "price": "1", "contract_line": hourly.contract_a.lines.get().pk}]), format="json")

    assert response.status_code == 400
    assert "услуга не из договора этого счёта" in response.json()["lines"][0]


def test_the_only_contract_line_is_the_default(hourly, api_client_for):
    response = api_client_for(hourly.finance).post("/api/v1/invoices/", {
        "client": hourly.client_a.pk, "contract": hourly.contract_a.pk, "date": "2026-03-05",
        "lines": [{"name": "SEO", "price": "1000"}]}, format="json")

    assert response.status_code == 201
    assert response.json()["lines"][0]["contract_line"] == hourly.contract_a.lines.get().pk


@pytest.mark.parametrize("role", ROLES)
def test_invoice_from_time_only_money_managers(hourly, api_client_for, role):
    response = api_client_for(hourly.by_role_name(role)).post(
        "/api/v1/invoices/from-time/", {"contract": hourly.contract_h.pk, "month": "2026-03-01"}, format="json")

    if role in WRITERS:
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "draft" and body["total"] == "16250.00"
        assert body["lines"][0]["quantity"] == "6.500" and body["lines"][0]["project"] == hourly.hourly_project.pk
        assert BilledTime.objects.count() == 3
    else:
        assert response.status_code == (400 if role == "outsider" else 403)  # outsider: contract not in scope
        assert not Invoice.objects.filter(contract=hourly.contract_h).exists()
        assert not BilledTime.objects.exists()


def test_invoice_from_time_twice_is_a_400(hourly, api_client_for):
    api = api_client_for(hourly.finance)
    api.post("/api/v1/invoices/from-time/", {"contract": hourly.contract_h.pk, "month": "2026-03-01"}, format="json")

    response = api.post("/api/v1/invoices/from-time/",
                        {"contract": hourly.contract_h.pk, "month": "2026-03-15", "contract_line": hourly.hourly_line.pk},
                        format="json")

    assert response.status_code == 400
    assert response.json() == {"month": ["За март 2026 нет невыставленного времени по почасовым услугам договора."]}
    assert Invoice.objects.filter(contract=hourly.contract_h).count() == 1


def test_invoice_from_time_of_a_non_hourly_line_is_a_400(hourly, api_client_for):
    response = api_client_for(hourly.finance).post(
        "/api/v1/invoices/from-time/",
        {"contract": hourly.contract_h.pk, "month": "2026-03-01", "contract_line": hourly.seo_line.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"contract_line": ["Услуга оплачивается не почасово."]}


def _issued_with_loose_line(org):
    invoice = services.invoice_create(actor=org.finance.user, client=org.client_a, contract=org.contract_h,
                                      date=date(2026, 3, 5), lines=[
                                          services.LineInput(name="Хостинг", price=Decimal("1220"),
                                                             contract_line_id=org.seo_line.pk)])
    InvoiceLine.objects.filter(invoice=invoice).update(contract_line=None)
    invoice = services.invoice_issue(actor=org.finance.user, invoice=invoice)
    services.act_create(actor=org.finance.user, invoice=invoice, date=date(2026, 3, 31))
    return invoice


@pytest.mark.parametrize("role", ROLES)
def test_attributing_a_line_only_money_managers(hourly, api_client_for, role):
    invoice = _issued_with_loose_line(hourly)
    line = invoice.lines.get()

    response = api_client_for(hourly.by_role_name(role)).patch(
        f"/api/v1/invoices/{invoice.pk}/lines/{line.pk}/", {"contract_line": hourly.seo_line.pk}, format="json")

    line.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 200 and response.json()["project"] == hourly.seo_project.pk
        assert line.contract_line == hourly.seo_line
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert line.contract_line is None


def test_attributing_a_line_to_another_contract_is_a_400(hourly, api_client_for):
    invoice = _issued_with_loose_line(hourly)
    line = invoice.lines.get()

    response = api_client_for(hourly.finance).patch(
        f"/api/v1/invoices/{invoice.pk}/lines/{line.pk}/", {"contract_line": hourly.contract_a.lines.get().pk},
        format="json")

    assert response.status_code == 400
    assert response.json() == {"contract_line": ["Услуга не из договора этого счёта."]}


@pytest.mark.parametrize("role", ROLES)
def test_lines_without_project_are_listed_to_who_sees_the_money(hourly, api_client_for, role):
    invoice = _issued_with_loose_line(hourly)

    response = api_client_for(hourly.by_role_name(role)).get(
        "/api/v1/profitability/without-project/?start=2026-03-01&end=2026-03-31")

    assert response.status_code == 200
    results = response.json()["results"]
    if role in SEES_A:
        assert [(r["invoice"], r["name"], r["amount"]) for r in results] == [(invoice.pk, "Хостинг", "1220.00")]
    else:
        assert results == []


def test_profitability_by_project_shows_revenue_and_flags_the_without_project_row(hourly, api_client_for):
    _issued_with_loose_line(hourly)
    invoice = services.invoice_issue(actor=hourly.finance.user, invoice=services.invoice_create(
        actor=hourly.finance.user, client=hourly.client_a, contract=hourly.contract_h, date=date(2026, 3, 6),
        lines=[services.LineInput(name="SEO", price=Decimal("122000"), contract_line_id=hourly.seo_line.pk)]))
    services.act_create(actor=hourly.finance.user, invoice=invoice, date=date(2026, 3, 31))

    response = api_client_for(hourly.head).get("/api/v1/profitability/?start=2026-03-01&end=2026-03-31&by=project")

    rows = {r["label"]: r for r in response.json()}
    assert rows["Альфа — SEO-продвижение"]["revenue"] == "100000.00"
    assert rows["Альфа — Без проекта"]["revenue"] == "1000.00" and rows["Альфа — Без проекта"]["without_project"]


def test_act_lines_carry_the_project_of_the_invoice_line_they_close(hourly, api_client_for):
    invoice = services.invoice_issue(actor=hourly.finance.user, invoice=services.invoice_create(
        actor=hourly.finance.user, client=hourly.client_a, contract=hourly.contract_h, date=date(2026, 3, 6),
        lines=[services.LineInput(name="Часы", price=Decimal("2500"), contract_line_id=hourly.hourly_line.pk)]))
    act = services.act_create(actor=hourly.finance.user, invoice=invoice, date=date(2026, 3, 31))

    response = api_client_for(hourly.finance).get(f"/api/v1/acts/{act.pk}/")

    assert [ln["project"] for ln in response.json()["lines"]] == [hourly.hourly_project.pk]
