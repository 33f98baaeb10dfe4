"""Payments: manual entry, partial and over-payments, manual matching, statement import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from tandem.billing import services
from tandem.billing.models import BillingSettings, InvoiceStatus, Payment, PaymentAllocation, StatementImport

from .helpers import issued_invoice, statement

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "integrations" / "tests" / "data"


def test_partial_payment_leaves_invoice_partly_paid(money):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")

    payment = services.payment_record(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 5), amount=Decimal("400.00")
    )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PARTLY_PAID and invoice.paid_amount == Decimal("400.00")
    assert invoice.outstanding == Decimal("600.00")
    assert payment.allocated_amount == Decimal("400.00")


def test_overpayment_pays_invoice_and_rest_stays_credit(money):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")

    payment = services.payment_record(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 5), amount=Decimal("1500.00")
    )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert payment.unallocated == Decimal("500.00")
    assert services.credit_of(money.client_a) == Decimal("500.00")
    assert not invoice.reminders.filter(status="planned").exists()


def test_one_payment_pays_several_cited_invoices_in_order(money):
    a = issued_invoice(money.finance, money.client_a, "300.00")
    b = issued_invoice(money.finance, money.client_a, "200.00")
    c = issued_invoice(money.finance, money.client_a, "100.00")

    services.payment_record(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 5), amount=Decimal("350.00"),
        purpose=f"Оплата сч.{c.number}, {a.number} за февраль",
    )

    for inv in (a, b, c):
        inv.refresh_from_db()
    assert (c.paid_amount, a.paid_amount, b.paid_amount) == (Decimal("100.00"), Decimal("250.00"), Decimal("0.00"))


def test_manual_matching_from_queue(money):
    invoice = issued_invoice(money.finance, money.client_b, "700.00")
    payment = services.payment_record(
        actor=money.finance.user, date=date(2026, 2, 5), amount=Decimal("700.00"), payer_name="Неизвестный"
    )
    assert payment.client_id is None

    services.payment_allocate(actor=money.finance.user, payment=payment, invoice=invoice)

    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.client_id == money.client_b.pk and invoice.status == InvoiceStatus.PAID


def test_cannot_allocate_more_than_outstanding(money):
    invoice = issued_invoice(money.finance, money.client_b, "100.00")
    payment = services.payment_record(actor=money.finance.user, date=date(2026, 2, 5), amount=Decimal("700.00"))

    with pytest.raises(ValidationError):
        services.payment_allocate(actor=money.finance.user, payment=payment, invoice=invoice, amount=Decimal("150"))
    assert not PaymentAllocation.objects.exists()


def test_allocation_remove_reopens_invoice(money):
    invoice = issued_invoice(money.finance, money.client_a, "100.00")
    services.payment_record(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 5), amount=Decimal("100"))

    services.allocation_remove(actor=money.finance.user, allocation=PaymentAllocation.objects.get())

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and Payment.objects.get().allocated_amount == 0


# --- statement import -----------------------------------------------------------------------------


def test_import_matches_by_inn_and_invoice_numbers(money):
    inv1 = issued_invoice(money.finance, money.client_a, "25000.00")
    inv2 = issued_invoice(money.finance, money.client_a, "3416.95")
    inv_b = issued_invoice(money.finance, money.client_b, "1000.00")
    data = statement(
        {"amount": "28416.95", "inn": "7702070139", "purpose": f"Оплата по счетам № {inv1.number} и {inv2.number}"},
        {"amount": "600.00", "inn": "", "purpose": f"Оплата N{inv_b.number} от 02.02.2026"},
        {"amount": "5000-00", "inn": "7712345678", "purpose": "Оплата услуг"},
        {"amount": "30000", "inn": "7702070139", "purpose": "Аванс"},
    )

    report = services.statement_import(actor=money.finance.user, data=data, file_name="feb.txt")

    assert [r.outcome for r in report.rows] == ["matched", "unmatched", "unmatched", "partly_matched"]
    assert report.rows[0].invoices == [inv1.number, inv2.number]
    # Without the payer's INN a cited invoice only suggests its client: a person confirms it.
    assert report.rows[1].review and report.rows[1].suggested_invoice == inv_b.number
    assert "третье лицо" in report.rows[1].reason
    assert any("контрольного" in w for w in report.rows[2].warnings)
    inv_b.refresh_from_db()
    assert inv_b.status == InvoiceStatus.ISSUED and inv_b.paid_amount == Decimal("0.00")
    assert sorted(Payment.objects.filter(client__isnull=True).values_list("amount", flat=True)) == [
        Decimal("600.00"), Decimal("5000.00")]
    assert services.credit_of(money.client_a) == Decimal("30000.00")


def test_same_file_twice_changes_nothing(money):
    issued_invoice(money.finance, money.client_a, "25000.00")
    data = statement({"amount": "10000.00", "inn": "7702070139", "purpose": "Оплата"})
    services.statement_import(actor=money.finance.user, data=data)
    before = (
        list(Payment.objects.values_list("pk", "allocated_amount")),
        list(PaymentAllocation.objects.values_list("pk", "amount")),
        StatementImport.objects.count(),
    )

    again = services.statement_import(actor=money.finance.user, data=data)

    assert again.duplicate_file and again.counts["matched"] == 1
    after = (
        list(Payment.objects.values_list("pk", "allocated_amount")),
        list(PaymentAllocation.objects.values_list("pk", "amount")),
        StatementImport.objects.count(),
    )
    assert after == before


def test_loser_of_two_simultaneous_imports_gets_the_already_imported_report(money, monkeypatch):
    """Both requests passed the «imported before?» check before either committed: the loser's
    insert of the (agency, sha256) row fails and it answers with the winner's report."""
    issued_invoice(money.finance, money.client_a, "25000.00")
    data = statement({"amount": "10000.00", "inn": "7702070139", "purpose": "Оплата"})
    winner = services.statement_import(actor=money.finance.user, data=data)
    before = (list(Payment.objects.values_list("pk", "allocated_amount")), StatementImport.objects.count())
    monkeypatch.setattr("tandem.billing.services.statements._previous_import", lambda agency, digest: None)

    loser = services.statement_import(actor=money.finance.user, data=data)

    assert loser.duplicate_file and loser.import_id == winner.import_id
    assert loser.counts == winner.counts
    assert (list(Payment.objects.values_list("pk", "allocated_amount")), StatementImport.objects.count()) == before


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00garbage", "1CClientBankExchange\nИ".encode()[:-1]])
def test_unreadable_file_is_a_400_on_file_and_nothing_is_stored(money, data):
    with pytest.raises(ValidationError) as caught:
        services.statement_import(actor=money.finance.user, data=data)

    assert "file" in caught.value.message_dict
    assert not StatementImport.objects.exists() and not Payment.objects.exists()


def test_document_already_imported_from_another_file_is_skipped(money):
    doc = {"amount": "10000.00", "inn": "7702070139", "purpose": "Оплата"}
    services.statement_import(actor=money.finance.user, data=statement(doc))

    report = services.statement_import(
        actor=money.finance.user, data=statement(doc, {"amount": "1.00", "inn": "", "purpose": "x", "number": 9})
    )

    assert [r.outcome for r in report.rows] == ["skipped", "unmatched"]
    assert Payment.objects.count() == 2


def test_malformed_file_changes_nothing_and_names_the_line(money):
    data = statement({"amount": "10 000 руб", "inn": "7702070139", "purpose": "Оплата"})

    with pytest.raises(ValidationError) as info:
        services.statement_import(actor=money.finance.user, data=data)

    assert "Строка 13: Сумма" in info.value.message_dict["file"][0]
    assert not Payment.objects.exists() and not StatementImport.objects.exists()


def test_failure_while_writing_rolls_back_the_whole_file(money, monkeypatch):
    from tandem.billing.services import statements as mod

    calls = {"n": 0}
    real = mod.match_payment

    def flaky(**kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return real(**kw)

    monkeypatch.setattr(mod, "match_payment", flaky)
    data = statement({"amount": "1.00", "inn": "7702070139"}, {"amount": "2.00", "inn": "7702070139"})

    with pytest.raises(RuntimeError):
        services.statement_import(actor=money.finance.user, data=data)

    assert not Payment.objects.exists() and not StatementImport.objects.exists()


@pytest.mark.parametrize("name", ["kilylabs_one_day_cp1251.txt", "kilylabs_one_day_utf8.txt"])
def test_kilylabs_import_three_incoming_unmatched_fees_skipped(money, name):
    report = services.statement_import(actor=money.finance.user, data=(FIXTURES / name).read_bytes(), file_name=name)

    assert report.counts["unmatched"] == 3
    assert sum(Payment.objects.values_list("amount", flat=True)) == Decimal("40000.00")
    fee_rows = [r for r in report.rows if "комиссия" in r.reason]
    assert fee_rows and all(r.outcome == "skipped" for r in fee_rows)
    assert report.counts["rejected"] + report.counts["skipped"] == 10


def test_dronm_import_bank_fee_and_inn_warnings(money):
    BillingSettings.objects.filter(agency=money.agency).update(bank_account="40702810267020000630")

    report = services.statement_import(
        actor=money.finance.user, data=(FIXTURES / "dronm_clbnk_kl_to_1c.txt").read_bytes()
    )

    fee, first, second = report.rows
    assert fee.outcome == "skipped" and "ВидОплаты=17" in fee.reason
    assert first.outcome == "unmatched" and second.outcome == "unmatched"
    assert any("13 симв" in w for w in first.warnings)
    assert Payment.objects.count() == 2
    assert "контрольного" in Payment.objects.get(amount=Decimal("13056.00")).warnings


def test_import_of_the_same_kilylabs_statement_in_two_encodings_creates_payments_once(money):
    services.statement_import(actor=money.finance.user, data=(FIXTURES / "kilylabs_one_day_cp1251.txt").read_bytes())

    report = services.statement_import(
        actor=money.finance.user, data=(FIXTURES / "kilylabs_one_day_utf8.txt").read_bytes()
    )

    assert not report.duplicate_file and report.counts["unmatched"] == 0
    assert Payment.objects.count() == 3


def _money_state(invoices):
    rows = []
    for inv in invoices:
        inv.refresh_from_db()
        rows.append((inv.number, inv.status, inv.paid_amount, sorted(inv.reminders.values_list("status", flat=True))))
    payments = [
        (p.amount, p.client_id, p.allocated_amount, [(a.invoice.number, a.amount) for a in p.allocations.order_by("id")],
         p.needs_review, p.match_basis, p.review_reason, p.suggested_client_id, p.suggested_invoice_id)
        for p in Payment.objects.order_by("id")
    ]
    return rows, payments


def test_batched_import_allocates_exactly_like_recording_each_document(money):
    """The statement import loads and locks everything once and allocates in memory; the result
    must be the one of matching each document in turn against the database."""
    from django.db import transaction

    from tandem.billing.models import CollectionReminder
    from tandem.clients.tests.factories import ClientFactory

    twin1 = ClientFactory(agency=money.agency, inn="7701234567")
    ClientFactory(agency=money.agency, inn="7701234567")
    a2 = issued_invoice(money.finance, money.client_a, "3416.95", on=date(2026, 1, 5))
    a1 = issued_invoice(money.finance, money.client_a, "25000.00", on=date(2026, 1, 10))
    a3 = issued_invoice(money.finance, money.client_a, "1000.00")
    b1 = issued_invoice(money.finance, money.client_b, "1000.00")
    b2 = issued_invoice(money.finance, money.client_b, "500.00")
    t1 = issued_invoice(money.finance, twin1, "700.00")
    invoices = [a1, a2, a3, b1, b2, t1]
    for inv in (a2, b1):
        CollectionReminder.objects.create(invoice=inv, kind=CollectionReminder.Kind.choices[0][0], due_on=date(2026, 3, 1))
    docs = [
        {"amount": "20000.00", "inn": "7702070139", "purpose": "Оплата услуг"},
        {"amount": "9000.00", "inn": "7702070139", "purpose": f"по счету № {a3.number}, {a1.number}"},
        {"amount": "600.00", "inn": "", "purpose": f"Оплата N{b1.number}"},
        {"amount": "900.00", "inn": "7702070139", "purpose": f"сч.{b2.number}"},
        {"amount": "400.00", "inn": "", "purpose": f"Оплата N{b1.number} и {b2.number}"},
        {"amount": "300.00", "inn": "7701234567", "purpose": "Оплата"},
        {"amount": "800.00", "inn": "7701234567", "purpose": f"№ {t1.number}"},
        {"amount": "5000.00", "inn": "7702070139", "purpose": "Оплата"},
        {"amount": "50.00", "inn": "", "purpose": f"№ {a1.number} и {b2.number}"},
    ]
    with transaction.atomic():
        for doc in docs:
            services.payment_record(
                actor=money.finance.user, date=date(2026, 2, 10), amount=Decimal(doc["amount"]),
                payer_inn=doc["inn"], purpose=doc["purpose"],
            )
        expected = _money_state(invoices)
        transaction.set_rollback(True)

    report = services.statement_import(actor=money.finance.user, data=statement(*docs))

    assert _money_state(invoices) == expected
    assert [r.payment_id for r in report.rows] == list(Payment.objects.order_by("id").values_list("id", flat=True))


def test_statement_import_queries_do_not_grow_with_the_documents(money, django_assert_max_num_queries):
    issued_invoice(money.finance, money.client_a, "25000.00")
    data = statement(*[{"amount": "10.00", "inn": "7702070139", "purpose": "Оплата", "number": i}
                       for i in range(1, 301)])

    # Field history's bulk inserts plus the INSERT batches SQLite needs for 300 payments
    # (999 parameters a statement; PostgreSQL inserts 1000 rows per statement), and one lookup of
    # webhook endpoints per event kind (payment received / unmatched, invoice paid).
    with django_assert_max_num_queries(41):
        report = services.statement_import(actor=money.finance.user, data=data)

    assert report.counts["partly_matched"] == 0 and report.counts["matched"] == 300
