"""Invoice and act documents: requisites, VAT text, amount in words, a real PDF."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template

from tandem.billing import documents, services
from tandem.billing.calc import plural_ru
from tandem.core.money import format_money, format_quantity

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "Ноль рублей 00 копеек"),
        ("0.01", "Ноль рублей 01 копейка"),
        ("0.02", "Ноль рублей 02 копейки"),
        ("0.05", "Ноль рублей 05 копеек"),
        ("0.11", "Ноль рублей 11 копеек"),
        ("0.12", "Ноль рублей 12 копеек"),
        ("0.14", "Ноль рублей 14 копеек"),
        ("0.21", "Ноль рублей 21 копейка"),
        ("0.22", "Ноль рублей 22 копейки"),
        ("0.99", "Ноль рублей 99 копеек"),
        ("1.00", "Один рубль 00 копеек"),
        ("1.21", "Один рубль 21 копейка"),
        ("2.00", "Два рубля 00 копеек"),
        ("4.04", "Четыре рубля 04 копейки"),
        ("5.00", "Пять рублей 00 копеек"),
        ("11.00", "Одиннадцать рублей 00 копеек"),
        ("12.00", "Двенадцать рублей 00 копеек"),
        ("14.00", "Четырнадцать рублей 00 копеек"),
        ("21.00", "Двадцать один рубль 00 копеек"),
        ("22.00", "Двадцать два рубля 00 копеек"),
        ("101.00", "Сто один рубль 00 копеек"),
        ("111.00", "Сто одиннадцать рублей 00 копеек"),
        ("112.13", "Сто двенадцать рублей 13 копеек"),
        ("1234.56", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("2001.05", "Две тысячи один рубль 05 копеек"),
        ("100000", "Сто тысяч рублей 00 копеек"),
        ("122000.00", "Сто двадцать две тысячи рублей 00 копеек"),
        ("122000.01", "Сто двадцать две тысячи рублей 01 копейка"),
        ("122000.02", "Сто двадцать две тысячи рублей 02 копейки"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("1000001", "Один миллион один рубль 00 копеек"),
        ("2000002.02", "Два миллиона два рубля 02 копейки"),
        ("5000000000.50", "Пять миллиардов рублей 50 копеек"),
        (
            "999999999999.99",
            "Девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов девятьсот "
            "девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек",
        ),
        ("-3.01", "Минус три рубля 01 копейка"),
    ],
)
def test_amount_in_words(amount, words):
    assert documents.amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("n", "form"),
    [(0, "many"), (1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (12, "many"), (14, "many"),
     (15, "many"), (21, "one"), (22, "few"), (25, "many"), (101, "one"), (111, "many"), (112, "many"),
     (1001, "one"), (1000000, "many")],
)
def test_plural_ru_agrees_with_the_last_digits(n, form):
    assert plural_ru(n, "one", "few", "many") == form


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "0,00"), ("0.5", "0,50"), ("1", "1,00"), ("999.99", "999,99"), ("1000", "1\u00a0000,00"),
        ("122000", "122\u00a0000,00"), ("20333.333", "20\u00a0333,33"), ("1234567.8", "1\u00a0234\u00a0567,80"),
        ("-1500.5", "-1\u00a0500,50"),
    ],
)
def test_money_is_written_with_spaces_and_a_comma(amount, text):
    assert format_money(Decimal(amount)) == text
    assert Template("{% load money %}{{ v|money }}").render(Context({"v": Decimal(amount)})) == text


@pytest.mark.parametrize(
    ("quantity", "text"), [("1.000", "1"), ("10.000", "10"), ("0.750", "0,75"), ("1000", "1\u00a0000")],
)
def test_quantity_has_no_trailing_zeros_nor_exponent(quantity, text):
    assert format_quantity(Decimal(quantity)) == text


@pytest.mark.parametrize(
    ("rate", "vat", "line"),
    [("20.00", "20333.33", "В том числе НДС 20 %: 20\u00a0333,33"), ("22", "22000", "В том числе НДС 22 %: 22\u00a0000,00"),
     (None, "0", "Без налога (НДС)")],
)
def test_vat_line(rate, vat, line):
    assert documents.vat_line(Decimal(rate) if rate else None, Decimal(vat)) == line


def test_invoice_html_has_requisites_vat_and_words(money):
    invoice = issued_invoice(money.finance, money.client_a, "122000.00", contract=money.contract_a)

    html = documents.invoice_html(invoice)

    assert f"Счёт на оплату № {invoice.number}" in html
    assert "7707083893" in html and "7702070139" in html
    assert "В том числе НДС 22 %:</td><td class=\"r\">22\u00a0000,00</td>" in html
    assert "В том числе НДС 22 %: 22\u00a0000,00" in html
    assert "Итого:</td><td class=\"r b\">122\u00a0000,00</td>" in html
    assert "на сумму 122\u00a0000,00 руб." in html
    assert "Сто двадцать две тысячи рублей 00 копеек" in html
    assert f"Договор № {money.contract_a.number}" in html
    assert not re.search(r"\d\.\d\d(?![\d.])", html), "an amount written with a dot"


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
