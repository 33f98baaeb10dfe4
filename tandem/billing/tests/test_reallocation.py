"""Re-allocation, confirmation and refunds (issue 10): who may, the audit record, closed months,
invoice statuses and the client's credit follow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.billing import selectors, services
from tandem.billing.models import (
    InvoiceStatus,
    MatchBasis,
    Payment,
    PaymentAllocation,
    PaymentReallocation,
    Refund,
)
from tandem.core.errors import ApplicationError
from tandem.testing.billing import OWN_ACCOUNT
from tandem.work.models import ClosedMonth

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db
INN_B = "7728168971"


@pytest.fixture
def placed(money):
    """Client A pays 700 without an invoice number: placed on the earliest due, «на проверку»."""
    money.early = issued_invoice(money.finance, money.client_a, "500.00", on=date(2026, 1, 5))
    money.late = issued_invoice(money.finance, money.client_a, "500.00", on=date(2026, 1, 20))
    money.payment = services.payment_record(
        actor=money.finance.user, date=date(2026, 2, 10), amount=Decimal("700.00"), payer_inn="7702070139",
        purpose="Оплата по договору",
    )
    assert money.payment.needs_review and money.payment.match_basis == MatchBasis.EARLIEST_DUE
    return money


def _state(m):
    for inv in (m.early, m.late):
        inv.refresh_from_db()
    p = Payment.objects.get(pk=m.payment.pk)
    return (p.client_id, p.allocated_amount, p.needs_review, m.early.paid_amount, m.late.paid_amount,
            list(PaymentAllocation.objects.values_list("invoice_id", "amount")), PaymentReallocation.objects.count())


@pytest.mark.parametrize("role", ["head", "finance", "admin"])
def test_money_managers_reallocate_and_the_change_is_recorded(placed, role):
    actor = placed.by_role_name(role).user

    services.payment_reallocate(
        actor=actor, payment=placed.payment, reason="Клиент написал: это оплата второго счёта",
        allocations=[services.AllocationInput(invoice=placed.late, amount=Decimal("500.00"))],
    )

    placed.early.refresh_from_db()
    placed.late.refresh_from_db()
    payment = Payment.objects.get(pk=placed.payment.pk)
    assert placed.early.status == InvoiceStatus.ISSUED and placed.early.paid_amount == 0
    assert placed.late.status == InvoiceStatus.PAID
    assert payment.unallocated == Decimal("200.00") and not payment.needs_review
    assert payment.reviewed_by == actor and payment.match_basis == MatchBasis.MANUAL
    log = PaymentReallocation.objects.get()
    assert (log.kind, log.actor, log.reason) == ("reallocated", actor, "Клиент написал: это оплата второго счёта")
    assert log.allocations_before == [
        {"invoice": placed.early.pk, "number": placed.early.number, "amount": "500.00"},
        {"invoice": placed.late.pk, "number": placed.late.number, "amount": "200.00"},
    ]
    assert log.allocations_after == [{"invoice": placed.late.pk, "number": placed.late.number, "amount": "500.00"}]
    assert services.credit_of(placed.client_a) == Decimal("200.00")


@pytest.mark.parametrize("role", ["group_head", "am1", "am2", "spec1", "outsider"])
def test_others_may_not_reallocate_and_nothing_changes(placed, role):
    before = _state(placed)

    with pytest.raises(ApplicationError):
        services.payment_reallocate(actor=placed.by_role_name(role).user, payment=placed.payment, reason="x",
                                    allocations=[])
    with pytest.raises(ApplicationError):
        services.payment_confirm(actor=placed.by_role_name(role).user, payment=placed.payment)

    assert _state(placed) == before


def test_reallocation_needs_a_reason(placed):
    before = _state(placed)

    with pytest.raises(ValidationError) as info:
        services.payment_reallocate(actor=placed.finance.user, payment=placed.payment, reason="  ", allocations=[])

    assert "reason" in info.value.message_dict and _state(placed) == before


def test_closed_month_is_refused_with_a_clear_message(placed):
    ClosedMonth.objects.create(agency=placed.agency, month=date(2026, 2, 1), closed_by=placed.finance.user,
                               closed_at=timezone.now())
    before = _state(placed)

    with pytest.raises(ValidationError) as info:
        services.payment_reallocate(actor=placed.finance.user, payment=placed.payment, reason="ошибка", allocations=[])
    with pytest.raises(ValidationError):
        services.allocation_remove(actor=placed.finance.user, allocation=PaymentAllocation.objects.first())

    assert "закрытому месяцу 02.2026" in info.value.message_dict["payment"][0]
    assert _state(placed) == before


def test_confirm_is_allowed_in_a_closed_month_since_no_money_moves(placed):
    ClosedMonth.objects.create(agency=placed.agency, month=date(2026, 2, 1), closed_by=placed.finance.user,
                               closed_at=timezone.now())

    services.payment_confirm(actor=placed.head.user, payment=placed.payment, note="Сверено с клиентом")

    payment = Payment.objects.get(pk=placed.payment.pk)
    assert not payment.needs_review and payment.reviewed_by == placed.head.user
    assert payment.allocated_amount == Decimal("700.00")
    assert PaymentReallocation.objects.get().kind == "confirmed"
    assert not selectors.payment_list(actor=placed.finance.user,
                                      filters=selectors.PaymentFilters(needs_review=True)).exists()


def test_reallocate_to_nothing_leaves_all_as_credit_and_reopens_invoices(placed):
    services.payment_reallocate(actor=placed.finance.user, payment=placed.payment, reason="Это аванс", allocations=[])

    assert _state(placed)[:5] == (placed.client_a.pk, Decimal("0.00"), False, Decimal("0.00"), Decimal("0.00"))
    assert services.credit_of(placed.client_a) == Decimal("700.00")


def test_reallocation_to_another_clients_invoice_moves_the_payment(placed):
    placed.client_b.inn = INN_B
    placed.client_b.save()
    b_invoice = issued_invoice(placed.finance, placed.client_b, "300.00")

    services.payment_reallocate(
        actor=placed.finance.user, payment=placed.payment, reason="Оплата за третье лицо (письмо от 11.02)",
        allocations=[services.AllocationInput(invoice=b_invoice)],
    )

    payment = Payment.objects.get(pk=placed.payment.pk)
    b_invoice.refresh_from_db()
    assert payment.client_id == placed.client_b.pk and b_invoice.status == InvoiceStatus.PAID
    assert services.credit_of(placed.client_b) == Decimal("400.00") and services.credit_of(placed.client_a) == 0
    log = PaymentReallocation.objects.get()
    assert (log.client_before_id, log.client_after_id) == (placed.client_a.pk, placed.client_b.pk)


def test_mixing_invoices_of_two_clients_is_refused(placed):
    b_invoice = issued_invoice(placed.finance, placed.client_b, "300.00")
    before = _state(placed)

    with pytest.raises(ValidationError):
        services.payment_reallocate(
            actor=placed.finance.user, payment=placed.payment, reason="x",
            allocations=[services.AllocationInput(invoice=b_invoice), services.AllocationInput(invoice=placed.late)],
        )

    assert _state(placed) == before


def test_allocation_remove_is_audited(placed):
    allocation = PaymentAllocation.objects.order_by("id").first()

    services.allocation_remove(actor=placed.finance.user, allocation=allocation, reason="не тот счёт")

    log = PaymentReallocation.objects.get()
    assert log.kind == "removed" and log.reason == "не тот счёт" and len(log.allocations_after) == 1


def test_confirm_refuses_a_payment_without_a_client(money):
    payment = services.payment_record(actor=money.finance.user, date=date(2026, 2, 10), amount=Decimal("5"),
                                      payer_inn="5001007329")

    with pytest.raises(ValidationError):
        services.payment_confirm(actor=money.finance.user, payment=payment)

    assert Payment.objects.get(pk=payment.pk).needs_review


# --- refunds -------------------------------------------------------------------------------------


def _outgoing_file(*docs: dict) -> bytes:
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", f"РасчСчет={OWN_ACCOUNT}",
             "СекцияРасчСчет", f"РасчСчет={OWN_ACCOUNT}", "КонецРасчСчет"]
    for i, doc in enumerate(docs, start=1):
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={i}", "Дата=15.02.2026", f"Сумма={doc['amount']}",
                  f"ПлательщикСчет={OWN_ACCOUNT}", "ПлательщикИНН=7707083893", "Плательщик1=ООО Тандем",
                  "ПолучательСчет=40702810900000000777", f"ПолучательИНН={doc['inn']}",
                  f"Получатель1={doc.get('name', 'ООО Альфа')}", "ДатаСписано=15.02.2026",
                  f"НазначениеПлатежа={doc.get('purpose', 'Возврат излишне уплаченных средств')}", "ВидОплаты=01",
                  "КонецДокумента"]
    lines.append("КонецФайла")
    return "\r\n".join(lines).encode("cp1251")


def test_refund_to_a_client_reduces_its_credit(money):
    services.payment_record(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1),
                            amount=Decimal("1000.00"), purpose="Аванс")

    report = services.statement_import(actor=money.finance.user, data=_outgoing_file(
        {"amount": "400.00", "inn": "7702070139"}, {"amount": "99.00", "inn": "5001007329", "name": "ООО Подрядчик"}))

    refund_row, other = report.rows
    assert refund_row.outcome == "refunded" and "Альфа" in refund_row.reason and refund_row.refund_id
    assert refund_row.warnings == []
    assert other.outcome == "skipped"
    refund = Refund.objects.get()
    assert (refund.client, refund.amount, refund.date) == (money.client_a, Decimal("400.00"), date(2026, 2, 15))
    assert services.credit_of(money.client_a) == Decimal("600.00")
    assert selectors.client_credit(client=money.client_a) == Decimal("600.00")


def test_refund_document_is_imported_once(money):
    data = _outgoing_file({"amount": "400.00", "inn": "7702070139"})
    services.statement_import(actor=money.finance.user, data=data)

    report = services.statement_import(actor=money.finance.user, data=data + b"\r\n")

    assert report.rows[0].outcome == "skipped" and Refund.objects.count() == 1


def test_refund_larger_than_the_credit_is_recorded_with_a_warning(money):
    report = services.statement_import(actor=money.finance.user, data=_outgoing_file(
        {"amount": "400.00", "inn": "7702070139"}))

    assert report.rows[0].outcome == "refunded"
    assert any("больше аванса" in w for w in report.rows[0].warnings)
    assert services.credit_of(money.client_a) == Decimal("-400.00")


def test_real_statement_outgoing_documents_that_are_no_refunds_stay_skipped(money):
    """kilylabs (real sample): the payer's and recipient's INN are the same on every document; with
    a client of that INN the three incoming payments are its credit, the ten outgoing ones (bank
    orders and transfers to the payer's own INN) are not refunds."""
    from .test_payments import FIXTURES

    money.client_b.inn = "123123123123"
    money.client_b.save()

    report = services.statement_import(actor=money.finance.user,
                                       data=(FIXTURES / "kilylabs_one_day_cp1251.txt").read_bytes())

    assert report.counts["refunded"] == 0 and not Refund.objects.exists()
    assert report.counts["partly_matched"] == 3 and services.credit_of(money.client_b) == Decimal("40000.00")
    assert all(r.basis == "no_open_invoices" and not r.review for r in report.rows if r.outcome == "partly_matched")


def test_real_statement_bank_fee_to_a_clients_inn_is_not_a_refund(money):
    """dronm (real sample): the bank fee goes to VTB, whose INN the fixture's client_a has."""
    from tandem.billing.models import BillingSettings

    from .test_payments import FIXTURES

    BillingSettings.objects.filter(agency=money.agency).update(bank_account="40702810267020000630")

    report = services.statement_import(actor=money.finance.user,
                                       data=(FIXTURES / "dronm_clbnk_kl_to_1c.txt").read_bytes())

    assert report.rows[0].outcome == "skipped" and not Refund.objects.exists()


def test_credit_refunded_in_full_leaves_the_payments_queue(money):
    services.payment_record(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1),
                            amount=Decimal("400.00"), purpose="Аванс")
    assert selectors.payment_queue(actor=money.finance.user).count() == 1

    services.statement_import(actor=money.finance.user, data=_outgoing_file({"amount": "400.00", "inn": "7702070139"}))

    assert selectors.payment_queue(actor=money.finance.user).count() == 0
