"""Invoice and act documents: HTML from templates, PDF through WeasyPrint.

The amount in words follows DOMAIN.md: num2words with a Decimal (an int would be read as
kopecks), currency RUB named explicitly, the first letter capitalised here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from num2words import num2words

from .models import Act, BillingSettings, Invoice
from .services._common import settings_for


def amount_in_words(amount: Decimal) -> str:
    """«Одна тысяча двести тридцать четыре рубля, пятьдесят шесть копеек»."""
    text: str = num2words(Decimal(amount), lang="ru", to="currency", currency="RUB")
    return text[:1].upper() + text[1:]


def vat_line(vat_rate: Decimal | None, vat_amount: Decimal) -> str:
    if vat_rate is None:
        return "Без налога (НДС)"
    return f"В том числе НДС {vat_rate.normalize():f} %: {vat_amount:.2f} руб."


def _context(document: Invoice | Act, cfg: BillingSettings) -> dict[str, Any]:
    return {
        "doc": document,
        "supplier": cfg,
        "client": document.client,
        "contract": document.contract,
        "lines": list(document.lines.all()),
        "amount_words": amount_in_words(document.total),
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
