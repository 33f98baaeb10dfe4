"""The client card's money panel: who sees it, that its numbers are right, and that the card
stays O(1) in queries however much money history the client has."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.billing import selectors, services
from tandem.billing.models import Invoice
from tandem.billing.tests.helpers import issued_invoice

pytestmark = pytest.mark.django_db


def _invoice(money, amount: str, due_days_ago: int) -> Invoice:
    """An issued invoice of client_a (dated 150 days ago: numbering keeps dates in order) whose
    due date is `due_days_ago` days before today."""
    today = timezone.localdate()
    invoice = issued_invoice(money.finance, money.client_a, amount, on=today - timedelta(days=150))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=today - timedelta(days=due_days_ago))
    invoice.refresh_from_db()
    return invoice


def _pay(money, invoice: Invoice | None, amount: str, days_ago: int):  # type: ignore[no-untyped-def]
    return services.payment_record(
        actor=money.finance.user, client=money.client_a, date=timezone.localdate() - timedelta(days=days_ago),
        amount=Decimal(amount), purpose=f"Оплата по счету № {invoice.number}" if invoice else "Аванс",
        auto_allocate=invoice is not None,
    )


@pytest.fixture
def history(money):
    """client_a: a paid invoice, one not yet due, one 10 days overdue and half paid, one 45 days
    overdue; an advance of 5 000 not set against anything (the last payment)."""
    paid = _invoice(money, "10000", 100)
    _pay(money, paid, paid.total, 95)
    not_due = _invoice(money, "20000", -5)
    half = _invoice(money, "30000", 10)
    _pay(money, half, str(half.total / 2), 8)
    old = _invoice(money, "40000", 45)
    _pay(money, None, "5000", 2)
    money.invoices = {"paid": paid, "not_due": not_due, "half": half, "old": old}
    return money


def test_numbers_are_right(history):
    inv = history.invoices

    panel = selectors.client_money(actor=history.finance.user, client=history.client_a)

    assert panel is not None
    assert [i.pk for i in panel.open_invoices] == [inv["old"].pk, inv["half"].pk, inv["not_due"].pk]
    assert panel.debt_by_age["not_due"] == inv["not_due"].total
    assert panel.debt_by_age["d1_30"] == inv["half"].total - inv["half"].total / 2
    assert panel.debt_by_age["d31_60"] == inv["old"].total
    assert panel.debt_by_age["d61_90"] == panel.debt_by_age["d90_plus"] == Decimal("0")
    assert panel.debt == inv["not_due"].total + inv["half"].total / 2 + inv["old"].total
    assert panel.overdue == panel.debt - inv["not_due"].total
    assert panel.last_payment is not None
    assert (panel.last_payment.amount, panel.last_payment.date) == (
        Decimal("5000.00"), timezone.localdate() - timedelta(days=2))
    assert panel.credit == Decimal("5000.00")


def test_a_client_without_money_history_has_an_empty_panel(money):
    panel = selectors.client_money(actor=money.head.user, client=money.client_b)

    assert panel is not None
    assert panel.open_invoices == [] and panel.debt == 0 and panel.last_payment is None and panel.credit == 0


@pytest.mark.parametrize("role, sees", [
    ("head", True), ("finance", True), ("admin", True), ("group_head", True), ("am1", True), ("spec1", False),
])
def test_panel_per_role(history, web_client_for, role, sees):
    web = web_client_for(history.by_role_name(role))

    response = web.get(reverse("web:client_detail", args=[history.client_a.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert ('id="client-money"' in html) is sees
    assert (f"№ {history.invoices['old'].number}</a>" in html) is sees
    assert (response.context["money"] is not None) is sees


def test_an_am_sees_no_money_of_another_ams_client(money):
    # am1 sees nothing of client_b's money (the card itself may be hidden too).
    assert selectors.client_money(actor=money.am1.user, client=money.client_b) is None
    assert selectors.client_money(actor=money.spec1.user, client=money.client_a) is None


def test_panel_shows_amounts_and_dates(history, web_client_for):
    response = web_client_for(history.head).get(reverse("web:client_detail", args=[history.client_a.pk]))

    html = response.content.decode()
    old = history.invoices["old"]
    assert old.due_date.strftime("%d.%m.%Y") in html
    assert html.count("5\u00a0000,00 ₽") >= 2  # the last payment and the credit (non-breaking space)
    assert (timezone.localdate() - timedelta(days=2)).strftime("%d.%m.%Y") in html


CARD_QUERIES = 20


@pytest.mark.parametrize("extra", [1, 8])
def test_card_queries_do_not_grow_with_invoices(money, web_client_for, django_assert_max_num_queries, extra):
    for i in range(extra):
        invoice = _invoice(money, str(1000 * (i + 1)), i * 20)
        _pay(money, invoice, "100", 1)
    web = web_client_for(money.head)

    with django_assert_max_num_queries(CARD_QUERIES):
        response = web.get(reverse("web:client_detail", args=[money.client_a.pk]))

    assert len(response.context["money"].open_invoices) == extra
