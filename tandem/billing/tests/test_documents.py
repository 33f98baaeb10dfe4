"""Invoice and act documents: requisites, VAT text, amount in words, a real PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import documents, services

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.56", "Одна тысяча двести тридцать четыре рубля, пятьдесят шесть копеек"),
        ("100000.00", "Сто тысяч рублей, ноль копеек"),
    ],
)
def test_amount_in_words(amount, words):
    assert documents.amount_in_words(Decimal(amount)) == words


def test_invoice_html_has_requisites_vat_and_words(money):
    invoice = issued_invoice(money.finance, money.client_a, "122000.00", contract=money.contract_a)

    html = documents.invoice_html(invoice)

    assert f"Счёт на оплату № {invoice.number}" in html
    assert "7707083893" in html and "7702070139" in html
    assert "В том числе НДС 22 %: 22000.00 руб." in html
    assert "Сто двадцать две тысячи рублей, ноль копеек" in html
    assert f"Договор № {money.contract_a.number}" in html


def test_no_vat_invoice_says_so(money):
    invoice = issued_invoice(money.finance, money.client_b, "50000.00", contract=money.contract_b)

    assert "Без налога (НДС)" in documents.invoice_html(invoice)


def test_act_has_402fz_requisites_and_renders_pdf(money):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    act = services.act_create(
        actor=money.finance.user, invoice=invoice, date=date(2026, 2, 28), client_signer_name="Петров П. П.",
        client_signer_position="Директор",
    )

    html = documents.act_html(act)
    pdf = documents.act_pdf(act)

    for requisite in (f"Акт № {act.number} от 28.02.2026", 'ООО &quot;Тандем&quot;', "Иванов И. И.", "Генеральный директор",
                      "Петров П. П.", "Директор", "Услуги", "1000,00", "Одна тысяча рублей"):
        assert requisite in html.replace("\xa0", "").replace("\u202f", ""), requisite
    assert pdf.startswith(b"%PDF")
