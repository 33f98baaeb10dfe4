"""Invoice and act documents: HTML from templates, PDF through WeasyPrint.

The amount in words is written as accountants write it on invoices and acts (DOMAIN.md): the
rubles in words, the kopecks in two digits, both nouns agreeing with their number, the first
letter capitalised — «Сто двадцать две тысячи рублей 00 копеек», «Один рубль 21 копейка».
Every amount on a document is formatted by `tandem.core.money.format_money` (the `money`
template filter): «122 000,00».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from num2words import num2words

from tandem.clients.models import Contact
from tandem.core.money import ZERO, format_money, to_money
from tandem.org.models import Employee

from .calc import line_amount, plural_ru
from .models import Act, BillingSettings, Invoice
from .services._common import settings_for
from .services.collection import accountant_contact


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
    lines: list[Any] = list(document.lines.all())
    # A loyalty (or manual) discount is shown as a column and a «в том числе скидка» total:
    # quantity × price before the discount less the amount, line by line.
    discount_total = sum((line_amount(ln.quantity, ln.price) - ln.amount for ln in lines if ln.discount_percent), ZERO)
    return {
        "doc": document,
        "supplier": cfg,
        "client": document.client,
        "contract": document.contract,
        "lines": lines,
        "has_discount": any(ln.discount_percent for ln in lines),
        "discount_total": discount_total,
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


# --- payment reminder letter -------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderLetter:
    """A payment reminder to the client's accountant, filled in from the agency's template; the
    AM reviews and may edit subject and body before it goes."""

    contact: Contact | None
    to: str
    subject: str
    body: str


def reminder_placeholders(invoice: Invoice, *, today: date, sender: Employee | None = None) -> dict[str, str]:
    """The values of the template's {placeholders}: amounts and dates written as on documents;
    {am_name} is the client's AM (the sender when the client has none)."""
    am = invoice.client.account_manager or sender
    return {
        "client": invoice.client.legal_name,
        "invoice_number": invoice.number,
        "invoice_date": invoice.date.strftime("%d.%m.%Y"),
        "amount": format_money(invoice.total),
        "outstanding": format_money(invoice.total - invoice.paid_amount),
        "due_date": invoice.due_date.strftime("%d.%m.%Y"),
        "days_overdue": str(max(invoice.days_overdue(today), 0)),
        "am_name": am.full_name if am else "",
    }


def reminder_letter(invoice: Invoice, *, today: date, sender: Employee | None = None) -> ReminderLetter:
    """The reminder about `invoice` to its client's accountant contact (see `accountant_contact`),
    from the agency's template (BillingSettings.reminder_email_subject/body). `to` is empty when
    that contact has no e-mail."""
    cfg = settings_for(invoice.agency)
    values = reminder_placeholders(invoice, today=today, sender=sender)
    contact = accountant_contact(invoice)
    return ReminderLetter(
        contact=contact, to=contact.email if contact else "",
        subject=cfg.reminder_email_subject.format_map(values), body=cfg.reminder_email_body.format_map(values),
    )
