"""Invoice and act numbers follow their dates: a document dated before the last numbered one of
its series is refused with a message saying which one and the earliest date allowed; an invoice
without a date is dated today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.billing import services
from tandem.billing.models import Act, BillingSettings, Invoice, InvoiceStatus

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db

LINE = [services.LineInput(name="Услуги", price=Decimal("1000.00"))]


def _draft(money, on):
    return services.invoice_create(actor=money.finance.user, client=money.client_a, date=on, lines=LINE)


def test_invoice_dated_before_the_last_issued_one_is_refused_at_creation(money):
    last = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 3, 5))

    with pytest.raises(ValidationError) as info:
        _draft(money, date(2026, 3, 1))

    assert info.value.message_dict == {"date": [
        f"Счёт № {last.number} от 05.03 уже выставлен; новый счёт не может быть датирован раньше — "
        "поставьте дату не ранее 05.03.2026."
    ]}
    assert Invoice.objects.count() == 1


def test_same_day_and_later_dates_are_numbered_in_order(money):
    first = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 3, 5))
    same_day = issued_invoice(money.finance, money.client_b, "10.00", on=date(2026, 3, 5))
    later = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 3, 6))

    assert [int(first.number), int(same_day.number), int(later.number)] == [1, 2, 3]


def test_a_draft_made_earlier_cannot_be_issued_after_a_later_invoice(money):
    """The check that matters is on issue, with the sequence row locked: a draft dated 01.03
    saved before № 1 of 05.03 was issued gets no number."""
    draft = _draft(money, date(2026, 3, 1))
    last = issued_invoice(money.finance, money.client_b, "10.00", on=date(2026, 3, 5))

    with pytest.raises(ValidationError) as info:
        services.invoice_issue(actor=money.finance.user, invoice=draft)

    assert f"Счёт № {last.number} от 05.03 уже выставлен" in info.value.message_dict["date"][0]
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT and draft.number == ""


def test_moving_a_draft_before_the_last_issued_invoice_is_refused(money):
    issued_invoice(money.finance, money.client_b, "10.00", on=date(2026, 3, 5))
    draft = _draft(money, date(2026, 3, 10))

    with pytest.raises(ValidationError) as info:
        services.invoice_update(actor=money.finance.user, invoice=draft, date=date(2026, 3, 4))

    assert "date" in info.value.message_dict
    draft.refresh_from_db()
    assert draft.date == date(2026, 3, 10)


def test_cancelled_invoices_keep_their_place_in_the_series(money):
    last = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 3, 5))
    services.invoice_cancel(actor=money.finance.user, invoice=last, reason="ошибка")

    with pytest.raises(ValidationError):
        _draft(money, date(2026, 3, 1))


def test_a_yearly_series_only_compares_dates_within_its_year(money):
    BillingSettings.objects.filter(agency=money.agency).update(invoice_number_pattern="{year}-{seq}")
    issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 1, 15))

    late_for_last_year = issued_invoice(money.finance, money.client_a, "10.00", on=date(2025, 12, 30))

    assert late_for_last_year.number == "2025-1"


def test_an_invoice_without_a_date_is_dated_today(money):
    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, lines=LINE)

    assert invoice.date == timezone.localdate()


def test_act_dated_before_the_last_act_is_refused(money):
    invoice = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 2, 2))
    other = issued_invoice(money.finance, money.client_b, "10.00", on=date(2026, 2, 3))
    last = services.act_create(actor=money.finance.user, invoice=other, date=date(2026, 2, 28))

    with pytest.raises(ValidationError) as info:
        services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 2, 27))

    assert info.value.message_dict == {"date": [
        f"Акт № {last.number} от 28.02 уже составлен; новый акт не может быть датирован раньше — "
        "поставьте дату не ранее 28.02.2026."
    ]}
    assert Act.objects.count() == 1


def test_retainers_after_a_later_invoice_take_its_date(money):
    issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 3, 3))

    run = services.retainer_invoices_generate(actor=money.finance.user, month=date(2026, 3, 1))

    assert [inv.date for inv in run.created] == [date(2026, 3, 3)] * 2
    assert all(inv.status == InvoiceStatus.ISSUED for inv in run.created)
