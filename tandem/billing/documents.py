"""Invoice and act documents: HTML from templates, PDF through WeasyPrint.

The amount in words is written as accountants write it on invoices and acts (DOMAIN.md): the
rubles in words, the kopecks in two digits, both nouns agreeing with their number, the first
letter capitalised — «Сто двадцать две тысячи рублей 00 копеек», «Один рубль 21 копейка».
Every amount on a document is formatted by `tandem.core.money.format_money` (the `money`
template filter): «122 000,00».
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from num2words import num2words

from tandem.core.money import format_money, to_money

from .calc import plural_ru
from .models import Act, BillingSettings, Invoice
from .services._common import settings_for


def amount_in_words(amount: Decimal) -> str:
    """«Одна тысяча двести тридцать четыре рубля 56 копеек»: rubles in words (num2words, read as
    an integer so that «тысяча»/«миллион» agree), kopecks as two digits, each noun agreeing with
    its number by `plural_ru`. A negative amount starts with «Минус»."""
    money = to_money(amount)
    rubles, kopecks = divmod(int(abs(money) * 100), 100)
    words: str = num2words(rubles, lang="ru")
    text = (
        f"{'минус ' if money < 0 else ''}{words} {plural_ru(rubles, 'рубль', 'рубля', 'рублей')} "
        f"{kopecks:02d} {plural_ru(kopecks, 'копейка', 'копейки', 'копеек')}"
    )
    return text[:1].upper() + text[1:]


def vat_label(vat_rate: Decimal | None) -> str:
    """«В том числе НДС 22 %» for a VAT document, «Без налога (НДС)» otherwise (НК ст. 168 п. 5)."""
    if vat_rate is None:
        return "Без налога (НДС)"
    return f"В том числе НДС {vat_rate.normalize():f} %"


def vat_line(vat_rate: Decimal | None, vat_amount: Decimal) -> str:
    """The VAT line under a document's total: «В том числе НДС 20 %: 20 333,33» or «Без налога (НДС)»."""
    if vat_rate is None:
        return vat_label(vat_rate)
    return f"{vat_label(vat_rate)}: {format_money(vat_amount)}"


def _context(document: Invoice | Act, cfg: BillingSettings) -> dict[str, Any]:
    return {
        "doc": document,
        "supplier": cfg,
        "client": document.client,
        "contract": document.contract,
        "lines": list(document.lines.all()),
        "amount_words": amount_in_words(document.total),
        "vat_label": vat_label(document.vat_rate),
        "vat_text": vat_line(document.vat_rate, document.vat_amount),
    }


def invoice_html(invoice: Invoice) -> str:
    return render_to_string("billing/invoice_pdf.html", _context(invoice, settings_for(invoice.agency)))


def act_html(act: Act) -> str:
    return render_to_string("billing/act_pdf.html", _context(act, settings_for(act.agency)))


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: heavy, and only needed for PDFs

    return HTML(string=html).write_pdf()


def invoice_pdf(invoice: Invoice) -> bytes:
    return html_to_pdf(invoice_html(invoice))


def act_pdf(act: Act) -> bytes:
    return html_to_pdf(act_html(act))
