"""Matching an incoming payment (issue 10): one rule for statement import and manual entry.

Table tests per rule with real wording variants, run through both entry points; statement files
in cp1251 and UTF-8, LF and CRLF, purposes split over several lines; and a property test that no
automatic decision ever allocates money to a client other than the one the payer's INN identifies.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.billing import services
from tandem.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceStatus,
    MatchBasis,
    Payment,
    PaymentAllocation,
)
from tandem.clients.tests.factories import ClientFactory
from tandem.testing.billing import OWN_ACCOUNT

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db

INN_A = "7702070139"  # the money fixture's client_a
INN_B = "7728168971"
INN_UNKNOWN = "5001007329"


@pytest.fixture
def world(money):
    money.client_b.inn = INN_B
    money.client_b.save()
    return money


def bank_file(*docs: dict, encoding: str = "cp1251", newline: str = "\r\n") -> bytes:
    """A statement with incoming documents: amount, inn, purpose (a str, or a list: one line each
    in НазначениеПлатежа, НазначениеПлатежа1…), payer, payer_account."""
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", f"РасчСчет={OWN_ACCOUNT}",
             "СекцияРасчСчет", f"РасчСчет={OWN_ACCOUNT}", "КонецРасчСчет"]
    for i, doc in enumerate(docs, start=1):
        purpose = doc.get("purpose", "")
        parts = purpose if isinstance(purpose, list) else [purpose]
        lines += [
            "СекцияДокумент=Платежное поручение", f"Номер={doc.get('number', i)}", "Дата=10.02.2026",
            f"Сумма={doc['amount']}", f"ПлательщикСчет={doc.get('payer_account', '40702810900000000777')}",
            f"ПлательщикИНН={doc.get('inn', '')}", f"Плательщик1={doc.get('payer', 'ООО Плательщик')}",
            f"ПолучательСчет={OWN_ACCOUNT}", "ДатаПоступило=10.02.2026", "ПолучательИНН=7707083893",
            f"НазначениеПлатежа={parts[0]}",
        ]
        lines += [f"НазначениеПлатежа{n}={p}" for n, p in enumerate(parts[1:], start=1)]
        lines += ["ВидОплаты=01", "КонецДокумента"]
    lines.append("КонецФайла")
    return newline.join(lines).encode(encoding)


def decide(world, via: str, *, amount: str, inn: str = "", purpose: str | list[str] = "", payer: str = "ООО Плательщик",
           payer_account: str = "40702810900000000777") -> Payment:
    """Enter one payment through the statement import or by hand; return it as stored."""
    if via == "statement":
        report = services.statement_import(actor=world.finance.user, data=bank_file(
            {"amount": amount, "inn": inn, "purpose": purpose, "payer": payer, "payer_account": payer_account}))
        return Payment.objects.get(pk=report.rows[0].payment_id or 0)
    text = "\n".join(purpose) if isinstance(purpose, list) else purpose
    return services.payment_record(
        actor=world.finance.user, date=date(2026, 2, 10), amount=Decimal(amount), payer_inn=inn, purpose=text,
        payer_name=payer, payer_account=payer_account,
    )


def paid(payment: Payment) -> list[tuple[str, Decimal]]:
    return [(a.invoice.number, a.amount) for a in payment.allocations.select_related("invoice").order_by("id")]


VIA = pytest.mark.parametrize("via", ["statement", "manual"])


# --- rule 1: the payer's own cited invoices, certain ---------------------------------------------


@VIA
@pytest.mark.parametrize("template", [
    "Оплата по счету № {n} от 02.02.2026, в т.ч. НДС 22%",
    "Оплата сч.{n} за услуги",
    "Опл. счета {n} от 02.02.2026",
    "Оплата по договору, счет N{n}",
    "Оплата N {n}. НДС не облагается",
    "Оплата по счёту №{n}",
    ["Оплата по счету", "№ {n} от 02.02.2026", "в т.ч. НДС"],
])
def test_rule1_cited_invoice_of_the_payer_is_paid_without_review(world, via, template):
    other = issued_invoice(world.finance, world.client_a, "700.00")
    invoice = issued_invoice(world.finance, world.client_a, "1000.00")
    purpose = [t.format(n=invoice.number) for t in template] if isinstance(template, list) else template.format(
        n=invoice.number)

    payment = decide(world, via, amount="1000.00", inn=INN_A, purpose=purpose)

    assert paid(payment) == [(invoice.number, Decimal("1000.00"))]
    assert payment.client_id == world.client_a.pk and not payment.needs_review
    assert payment.match_basis == MatchBasis.CITED
    other.refresh_from_db()
    assert other.status == InvoiceStatus.ISSUED


@VIA
@pytest.mark.parametrize("cite", ["сч. {seq}", "№ {seq4}", "№ {full}", "сч. {yy}-{seq}", "Опл. счета N{seq4}",
                                  ["Оплата по сч. № {year}-", "{seq4} от 02.02.2026"]])
def test_rule1_numbers_with_and_without_year_prefix(world, via, cite):
    BillingSettings.objects.filter(agency=world.agency).update(invoice_number_pattern="{year}-{seq:04d}")
    first = issued_invoice(world.finance, world.client_a, "300.00")
    invoice = issued_invoice(world.finance, world.client_a, "500.00")
    assert invoice.number == "2026-0002" and first.number == "2026-0001"
    values = {"seq": "2", "seq4": "0002", "full": "2026-0002", "yy": "26", "year": "2026"}
    purpose = [c.format(**values) for c in cite] if isinstance(cite, list) else cite.format(**values)

    payment = decide(world, via, amount="500.00", inn=INN_A, purpose=purpose)

    assert paid(payment) == [("2026-0002", Decimal("500.00"))] and not payment.needs_review


@VIA
def test_rule1_pays_in_the_order_cited_and_the_rest_is_credit(world, via):
    a = issued_invoice(world.finance, world.client_a, "300.00", on=date(2026, 1, 5))
    b = issued_invoice(world.finance, world.client_a, "200.00", on=date(2026, 1, 20))

    payment = decide(world, via, amount="600.00", inn=INN_A, purpose=f"Оплата сч. {b.number}, {a.number}")

    assert paid(payment) == [(b.number, Decimal("200.00")), (a.number, Decimal("300.00"))]
    assert payment.unallocated == Decimal("100.00") and not payment.needs_review
    report_reason = services.match_payment(agency=world.agency, amount=Decimal("1"), payer_inn=INN_A,
                                           purpose="x").reason
    assert "нет номера счёта" in report_reason


# --- rule 2: another client's invoice cited → queue with a suggestion ------------------------------


@VIA
@pytest.mark.parametrize("inn", [INN_A, INN_UNKNOWN, ""])
def test_rule2_invoice_of_another_client_is_never_allocated(world, via, inn):
    b_invoice = issued_invoice(world.finance, world.client_b, "900.00")
    issued_invoice(world.finance, world.client_a, "900.00")

    payment = decide(world, via, amount="900.00", inn=inn, purpose=f"Оплата по счету № {b_invoice.number}")

    assert payment.client_id is None and not PaymentAllocation.objects.exists()
    assert payment.needs_review and payment.match_basis == MatchBasis.THIRD_PARTY
    assert (payment.suggested_client_id, payment.suggested_invoice_id) == (world.client_b.pk, b_invoice.pk)
    assert "третье лицо" in payment.review_reason and f"№ {b_invoice.number}" in payment.review_reason


@VIA
def test_rule2_own_and_foreign_citation_pays_own_and_asks(world, via):
    own = issued_invoice(world.finance, world.client_a, "400.00")
    foreign = issued_invoice(world.finance, world.client_b, "500.00")

    payment = decide(world, via, amount="900.00", inn=INN_A, purpose=f"Оплата сч. {own.number}, {foreign.number}")

    assert paid(payment) == [(own.number, Decimal("400.00"))] and payment.client_id == world.client_a.pk
    assert payment.needs_review and payment.suggested_invoice_id == foreign.pk
    foreign.refresh_from_db()
    assert foreign.paid_amount == 0


def test_accepting_the_suggestion_puts_the_money_on_the_cited_invoice(world):
    b_invoice = issued_invoice(world.finance, world.client_b, "900.00")
    payment = decide(world, "manual", amount="1000.00", inn=INN_A, purpose=f"за ООО Бета по счету № {b_invoice.number}")

    services.payment_accept_suggestion(actor=world.finance.user, payment=payment)

    payment.refresh_from_db()
    b_invoice.refresh_from_db()
    assert payment.client_id == world.client_b.pk and b_invoice.status == InvoiceStatus.PAID
    assert payment.unallocated == Decimal("100.00") and not payment.needs_review
    log = payment.reallocations.get()
    assert log.kind == "suggestion_accepted" and log.actor == world.finance.user and b_invoice.number in log.reason


# --- rule 3: payer known, no usable citation → placed and «на проверку» ----------------------------


@VIA
def test_rule3_exactly_one_invoice_with_the_amount(world, via):
    issued_invoice(world.finance, world.client_a, "1000.00", on=date(2026, 1, 5))
    exact = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 20))

    payment = decide(world, via, amount="500.00", inn=INN_A, purpose="Оплата за услуги по договору")

    assert paid(payment) == [(exact.number, Decimal("500.00"))]
    assert payment.needs_review and payment.match_basis == MatchBasis.EXACT_AMOUNT
    assert "нет номера счёта" in payment.review_reason and f"№\u00a0{exact.number}" in payment.review_reason


@VIA
def test_rule3_whole_open_balance_pays_all(world, via):
    a = issued_invoice(world.finance, world.client_a, "1000.00", on=date(2026, 1, 5))
    b = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 20))

    payment = decide(world, via, amount="1500.00", inn=INN_A, purpose="Оплата")

    assert sorted(paid(payment)) == sorted([(a.number, Decimal("1000.00")), (b.number, Decimal("500.00"))])
    assert payment.needs_review and payment.match_basis == MatchBasis.WHOLE_BALANCE


@VIA
def test_rule3_otherwise_earliest_due_first(world, via):
    # Numbers follow dates, so the invoice due last is issued first (a long payment term): the
    # order must come from the due dates, not from the numbers or ids.
    late = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 5))
    Invoice.objects.filter(pk=late.pk).update(due_date=date(2026, 3, 1))
    early = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 20))

    payment = decide(world, via, amount="700.00", inn=INN_A, purpose="Оплата по договору")

    assert paid(payment) == [(early.number, Decimal("500.00")), (late.number, Decimal("200.00"))]
    assert payment.needs_review and payment.match_basis == MatchBasis.EARLIEST_DUE
    assert "319.1" in payment.review_reason


@VIA
def test_rule3_reason_names_a_cited_number_that_is_not_an_invoice(world, via):
    invoice = issued_invoice(world.finance, world.client_a, "500.00")

    payment = decide(world, via, amount="500.00", inn=INN_A, purpose="Оплата по счету № 999 от 01.02.2026")

    assert paid(payment) == [(invoice.number, Decimal("500.00"))] and payment.needs_review
    assert "№ 999" in payment.review_reason and "нет номера" not in payment.review_reason


@VIA
def test_rule3_reason_says_a_cited_invoice_is_already_paid(world, via):
    done = issued_invoice(world.finance, world.client_a, "300.00")
    services.payment_record(actor=world.finance.user, client=world.client_a, date=date(2026, 2, 3),
                            amount=Decimal("300.00"), purpose=f"сч. {done.number}")
    open_one = issued_invoice(world.finance, world.client_a, "300.00")

    payment = decide(world, via, amount="300.00", inn=INN_A, purpose=f"Оплата сч. {done.number}")

    assert paid(payment) == [(open_one.number, Decimal("300.00"))] and payment.needs_review
    assert f"счёт № {done.number} уже оплачен" in payment.review_reason


@VIA
def test_contract_number_is_not_an_invoice_citation(world, via):
    b_invoice = issued_invoice(world.finance, world.client_b, "800.00")
    a_invoice = issued_invoice(world.finance, world.client_a, "800.00")

    payment = decide(world, via, amount="800.00", inn=INN_A, purpose=f"Оплата по договору № {b_invoice.number} от 01.01.2026")

    assert paid(payment) == [(a_invoice.number, Decimal("800.00"))]
    assert payment.match_basis == MatchBasis.EXACT_AMOUNT and payment.suggested_client_id is None


@VIA
def test_advance_without_open_invoices_is_certain_credit(world, via):
    payment = decide(world, via, amount="30000.00", inn=INN_A, purpose="Аванс по договору")

    assert payment.client_id == world.client_a.pk and not payment.needs_review
    assert payment.match_basis == MatchBasis.NO_OPEN_INVOICES and services.credit_of(world.client_a) == Decimal("30000.00")


# --- rule 4: payer unknown, no citation → queue, with a suggestion when on file --------------------


@VIA
def test_rule4_unknown_payer_waits_without_a_guess(world, via):
    issued_invoice(world.finance, world.client_a, "500.00")

    payment = decide(world, via, amount="500.00", inn=INN_UNKNOWN, purpose="Оплата", payer="ИП Сидоров")

    assert payment.client_id is None and payment.needs_review and payment.suggested_client_id is None
    assert payment.match_basis == MatchBasis.UNKNOWN_PAYER and f"ИНН {INN_UNKNOWN}" in payment.review_reason


@VIA
def test_rule4_suggests_the_client_whose_payer_account_was_seen(world, via):
    services.payment_record(actor=world.finance.user, client=world.client_b, date=date(2026, 1, 10),
                            amount=Decimal("10.00"), payer_account="40702810100000000555")

    payment = decide(world, via, amount="500.00", inn=INN_UNKNOWN, purpose="Оплата", payer_account="40702810100000000555")

    assert payment.client_id is None and payment.suggested_client_id == world.client_b.pk
    assert "40702810100000000555" in payment.review_reason


@VIA
def test_rule4_suggests_the_client_with_the_payer_legal_name(world, via):
    payment = decide(world, via, amount="500.00", inn="", purpose="Оплата услуг", payer="ООО «Бета»")

    assert payment.client_id is None and payment.suggested_client_id == world.client_b.pk


@VIA
def test_two_clients_with_the_payer_inn_wait_in_the_queue(world, via):
    ClientFactory(agency=world.agency, inn=INN_A)
    issued_invoice(world.finance, world.client_a, "500.00")

    payment = decide(world, via, amount="500.00", inn=INN_A, purpose="Оплата")

    assert payment.client_id is None and payment.match_basis == MatchBasis.AMBIGUOUS_PAYER
    assert "нескольких клиентов" in payment.review_reason


# --- statement files: encodings, line ends, report -------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_statement_in_each_encoding_and_line_end_decides_alike(world, encoding, newline):
    a = issued_invoice(world.finance, world.client_a, "1000.00")
    b = issued_invoice(world.finance, world.client_b, "700.00")
    data = bank_file(
        {"amount": "1000.00", "inn": INN_A, "purpose": ["Оплата по сч.", f"№ {a.number} от 02.02.2026", "НДС 22%"]},
        {"amount": "700.00", "inn": INN_UNKNOWN, "purpose": f"Опл. счета {b.number}"},
        {"amount": "50.00", "inn": INN_B, "purpose": "Оплата услуг"},
        encoding=encoding, newline=newline,
    )

    report = services.statement_import(actor=world.finance.user, data=data)

    assert report.encoding == encoding
    assert [(r.outcome, r.review, r.basis) for r in report.rows] == [
        ("matched", False, "cited"), ("unmatched", True, "third_party"), ("matched", True, "earliest_due")]
    assert report.rows[1].suggested_client == "Бета" and report.rows[1].suggested_invoice == b.number
    assert report.review_count == 2 and report.as_dict()["review_count"] == 2


# --- the property: never another client's money --------------------------------------------------

_MARKERS = ["№ ", "N", "сч.", "Опл. счета ", "по договору № ", "счет N ", ""]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_no_automatic_decision_pays_a_client_the_inn_does_not_identify(property_world, data):
    w, numbers = property_world
    payer_inn = data.draw(st.sampled_from([INN_A, INN_B, INN_UNKNOWN, ""]), label="inn")
    tokens = data.draw(st.lists(st.tuples(st.sampled_from(_MARKERS), st.sampled_from(numbers)), max_size=3),
                       label="cites")
    purpose = " ".join(["Оплата"] + [f"{m}{n}" for m, n in tokens])
    amount = Decimal(data.draw(st.integers(min_value=1, max_value=300_000), label="rubles"))

    result = services.match_payment(agency=w.agency, amount=amount, payer_inn=payer_inn, purpose=purpose)

    identified = {INN_A: w.client_a.pk, INN_B: w.client_b.pk}.get(payer_inn)
    assert result.client is None or result.client.pk == identified
    assert all(inv.client_id == identified for inv, _part in result.allocations)
    assert sum((part for _inv, part in result.allocations), Decimal(0)) <= amount


@pytest.fixture
def property_world(world):
    BillingSettings.objects.filter(agency=world.agency).update(invoice_number_pattern="{yy}-{seq:04d}")
    invoices = [issued_invoice(world.finance, c, amount, on=date(2026, 1, day))
                for c, amount, day in [(world.client_a, "100000.00", 5), (world.client_b, "50000.00", 6),
                                       (world.client_a, "20000.00", 7), (world.client_b, "20000.00", 8)]]
    third = ClientFactory(agency=world.agency, inn=INN_UNKNOWN[:-1] + "0")
    invoices.append(issued_invoice(world.finance, third, "20000.00", on=date(2026, 1, 9)))
    numbers = [inv.number for inv in invoices] + [inv.number.split("-")[1] for inv in invoices] + ["7", "999"]
    return world, numbers


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_statement_import_never_pays_another_clients_invoice(property_world, data):
    w, numbers = property_world
    docs = data.draw(st.lists(st.fixed_dictionaries({
        "inn": st.sampled_from([INN_A, INN_B, INN_UNKNOWN, ""]),
        "purpose": st.builds(lambda m, n: f"Оплата {m}{n}", st.sampled_from(_MARKERS), st.sampled_from(numbers)),
        "amount": st.integers(min_value=1, max_value=200_000).map(lambda x: f"{x}.00"),
    }), min_size=1, max_size=5), label="docs")
    identified = {INN_A: w.client_a.pk, INN_B: w.client_b.pk}
    with transaction.atomic():
        services.statement_import(actor=w.finance.user, data=bank_file(*docs))
        for p in Payment.objects.prefetch_related("allocations__invoice"):
            owner = identified.get(p.payer_inn)
            assert all(a.invoice.client_id == owner for a in p.allocations.all())
            assert p.client_id in (None, owner)
        transaction.set_rollback(True)


@VIA
def test_rule3_two_invoices_with_the_amount_is_not_exact_so_earliest_due(world, via):
    late = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 5))
    Invoice.objects.filter(pk=late.pk).update(due_date=date(2026, 3, 1))
    early = issued_invoice(world.finance, world.client_a, "500.00", on=date(2026, 1, 20))
    issued_invoice(world.finance, world.client_a, "100.00", on=date(2026, 1, 25))

    payment = decide(world, via, amount="500.00", inn=INN_A, purpose="Оплата услуг")

    assert paid(payment) == [(early.number, Decimal("500.00"))] and payment.match_basis == MatchBasis.EARLIEST_DUE
    late.refresh_from_db()
    assert late.paid_amount == 0


@VIA
@pytest.mark.parametrize("cite", ["по INV-2026-0002", "Оплата счета № INV-2026-0002", "сч. 2", "N 0002"])
def test_rule1_inv_prefixed_numbers(world, via, cite):
    BillingSettings.objects.filter(agency=world.agency).update(invoice_number_pattern="INV-{year}-{seq:04d}")
    issued_invoice(world.finance, world.client_a, "300.00")
    invoice = issued_invoice(world.finance, world.client_a, "500.00")

    payment = decide(world, via, amount="200.00", inn=INN_A, purpose=cite)

    assert invoice.number == "INV-2026-0002"
    assert paid(payment) == [(invoice.number, Decimal("200.00"))] and not payment.needs_review


@VIA
def test_bare_number_of_two_own_invoices_is_not_guessed(world, via):
    BillingSettings.objects.filter(agency=world.agency).update(invoice_number_pattern="{year}-{seq:04d}")
    old = issued_invoice(world.finance, world.client_a, "300.00", on=date(2025, 12, 1))
    new = issued_invoice(world.finance, world.client_a, "300.00", on=date(2026, 1, 10))
    assert (old.number, new.number) == ("2025-0001", "2026-0001")

    payment = decide(world, via, amount="300.00", inn=INN_A, purpose="Оплата сч. 1")

    assert payment.needs_review and "подходит к нескольким счетам" in payment.review_reason
    assert paid(payment) == [(old.number, Decimal("300.00"))]
