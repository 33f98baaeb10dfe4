"""Invoices: VAT from the contract and the rate of the date, due date, numbering, statuses,
monthly retainers without duplicates, acts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.billing import services
from tandem.billing.models import ActStatus, BillingSettings, Invoice, InvoiceStatus

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db


def test_vat_contract_uses_rate_of_invoice_date(money):
    lines = [services.LineInput(name="SEO", price=Decimal("100000.00"))]

    inv_2025 = services.invoice_create(
        actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2025, 12, 20), lines=lines
    )
    inv_2026 = services.invoice_create(
        actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2026, 1, 10), lines=lines
    )

    assert inv_2025.vat_rate == Decimal("20.00") and inv_2025.vat_amount == Decimal("16666.67")
    assert inv_2026.vat_rate == Decimal("22.00") and inv_2026.vat_amount == Decimal("18032.79")
    assert inv_2026.subtotal + inv_2026.vat_amount == inv_2026.total == Decimal("100000.00")
    assert inv_2026.due_date == date(2026, 1, 20)  # 10 days of payment terms


def test_no_vat_contract(money):
    invoice = issued_invoice(money.finance, money.client_b, "50000.00", contract=money.contract_b)

    assert invoice.vat_rate is None and invoice.vat_amount == 0 and invoice.total == Decimal("50000.00")


def test_quantity_times_price_rounds_per_line(money):
    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1),
        lines=[
            services.LineInput(name="Часы", quantity=Decimal("2.5"), price=Decimal("1333.33"), unit="ч"),
            services.LineInput(name="Аудит", price=Decimal("0.01")),
        ],
    )

    assert [line.amount for line in invoice.lines.all()] == [Decimal("3333.33"), Decimal("0.01")]
    assert invoice.total == Decimal("3333.34")


def test_numbering_by_pattern_restarts_each_year(money):
    BillingSettings.objects.filter(agency=money.agency).update(invoice_number_pattern="INV-{year}-{seq:04d}")

    first = issued_invoice(money.finance, money.client_a, "10.00", on=date(2025, 12, 30))
    second = issued_invoice(money.finance, money.client_a, "10.00", on=date(2026, 1, 2))
    third = issued_invoice(money.finance, money.client_b, "10.00", on=date(2026, 1, 3))

    assert [first.number, second.number, third.number] == ["INV-2025-0001", "INV-2026-0001", "INV-2026-0002"]


def test_drafts_get_no_number_and_issued_cannot_be_deleted(money):
    draft = services.invoice_create(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 1),
        lines=[services.LineInput(name="x", price=Decimal("1"))],
    )
    issued = issued_invoice(money.finance, money.client_a, "5.00")

    assert draft.number == ""
    with pytest.raises(ValidationError):
        services.invoice_delete(actor=money.finance.user, invoice=issued)
    services.invoice_cancel(actor=money.finance.user, invoice=issued, reason="ошибка в реквизитах")
    issued.refresh_from_db()
    assert issued.status == InvoiceStatus.CANCELLED and Invoice.objects.filter(pk=issued.pk).exists()


def test_bad_number_pattern_is_refused(money):
    with pytest.raises(ValidationError) as info:
        services.billing_settings_update(actor=money.finance.user, data={"invoice_number_pattern": "{year}"})
    assert "invoice_number_pattern" in info.value.message_dict


def test_issued_invoice_is_not_editable(money):
    invoice = issued_invoice(money.finance, money.client_a, "5.00")
    with pytest.raises(ValidationError):
        services.invoice_update(actor=money.finance.user, invoice=invoice, notes="x")


def test_a_draft_copy_opened_before_issuing_cannot_change_the_issued_invoice(money):
    """The editor was opened on the draft; meanwhile it was issued. Saving the old copy is refused
    and the issued invoice keeps its number and status."""
    draft = services.invoice_create(actor=money.finance.user, client=money.client_a, contract=None,
                                    date=date(2026, 2, 2), lines=[services.LineInput(name="Услуги", price=Decimal("5"))])
    stale = Invoice.objects.get(pk=draft.pk)
    issued = services.invoice_issue(actor=money.finance.user, invoice=draft)
    with pytest.raises(ValidationError):
        services.invoice_update(actor=money.finance.user, invoice=stale, notes="поправить")
    issued.refresh_from_db()
    assert issued.status == InvoiceStatus.ISSUED and issued.number != "" and issued.notes == ""


def test_retainers_for_a_month_are_created_once(money):
    first = services.retainer_invoices_generate(actor=money.finance.user, month=date(2026, 3, 15))
    second = services.retainer_invoices_generate(actor=money.finance.user, month=date(2026, 3, 1))

    assert len(first.created) == 2 and len(second.created) == 0 and len(second.skipped_existing) == 2
    assert Invoice.objects.filter(kind=Invoice.Kind.RETAINER, period_start=date(2026, 3, 1)).count() == 2
    inv = Invoice.objects.get(contract=money.contract_a)
    assert inv.status == InvoiceStatus.ISSUED and inv.number
    assert inv.total == Decimal("100000.00") and "март 2026" in inv.lines.get().name
    assert inv.reminders.count() >= 3


def test_retainer_skips_unsigned_and_ended_contracts(money):
    money.contract_b.status = "draft"
    money.contract_b.save()
    money.contract_a.end_date = date(2026, 2, 28)
    money.contract_a.save()

    run = services.retainer_invoices_generate(actor=money.finance.user, month=date(2026, 3, 1))

    assert run.created == []


def test_act_from_invoice_closes_its_lines_once(money):
    invoice = issued_invoice(money.finance, money.client_a, "122000.00", contract=money.contract_a)

    act = services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 2, 28))

    assert act.number and act.total == Decimal("122000.00") and act.vat_amount == Decimal("22000.00")
    assert act.supplier_signer_name == "Иванов И. И." and act.supplier_signer_position
    assert act.lines.get().invoice_line == invoice.lines.get()
    with pytest.raises(ValidationError):
        services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 2, 28))
    services.act_mark_sent(actor=money.finance.user, act=act)
    services.act_mark_signed(actor=money.finance.user, act=act, signed_on=date(2026, 3, 3), client_signer_name="Петров")
    act.refresh_from_db()
    assert act.status == ActStatus.SIGNED and act.signed_on == date(2026, 3, 3)


def test_act_needs_supplier_signer(money):
    BillingSettings.objects.filter(agency=money.agency).update(director_name="")
    invoice = issued_invoice(money.finance, money.client_a, "10.00")

    with pytest.raises(ValidationError):
        services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 2, 28))


def test_vat_contract_without_rate_is_an_input_error(money):
    from tandem.contracts.models import VatRate

    VatRate.objects.all().delete()
    with pytest.raises(ValidationError) as info:
        services.invoice_create(
            actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2026, 2, 1),
            lines=[services.LineInput(name="x", price=Decimal("1"))],
        )
    assert "date" in info.value.message_dict
