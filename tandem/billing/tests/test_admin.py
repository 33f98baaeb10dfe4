"""The Django admin for money does not write what the billing services derive: invoice totals,
numbers, paid amounts and statuses, payment allocations and allocated amounts, acts and imports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin

from tandem.billing import services
from tandem.billing.models import (
    Act,
    BillingSettings,
    BonusRule,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    StatementImport,
)
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser

from .helpers import issued_invoice, statement

pytestmark = pytest.mark.django_db

MODELS = [Invoice, Payment, Act, BillingSettings, BonusRule, PaymentAllocation, PaymentPlan, StatementImport]
NO_ADD = [Invoice, Act, PaymentAllocation, StatementImport]


@pytest.fixture
def superuser_client(client, money):
    return login_superuser(client, money.head)


@pytest.fixture
def books(money):
    """An issued invoice half paid by a manual payment, its act, a draft, a statement, a plan and a rule."""
    books = money
    books.issued = issued_invoice(money.finance, money.client_a, "1000.00")
    books.payment = services.payment_record(actor=money.finance.user, client=money.client_a, date=date(2026, 2, 5),
                                            amount=Decimal("400.00"))
    books.act = services.act_create(actor=money.finance.user, invoice=books.issued, date=date(2026, 2, 6))
    books.draft = services.invoice_create(
        actor=money.finance.user, client=money.client_a, date=date(2026, 2, 10), notes="Черновик",
        lines=[services.LineInput(name="Аудит", price=Decimal("300.00"))],
    )
    services.statement_import(actor=money.finance.user, data=statement({"amount": "100.00", "inn": "7707083893"}),
                              file_name="feb.txt")
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=date(2026, 2, 1),
                              amount=Decimal("100000.00"))
    services.bonus_rule_set(actor=money.head.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("50000.00"),
                            tiers=[(Decimal("80"), Decimal("5"))])
    return books


def _row(obj):  # type: ignore[no-untyped-def]
    return type(obj)._default_manager.values().get(pk=obj.pk)


def test_every_billing_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_pages_open(superuser_client, books, model):
    obj = model._default_manager.first()

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(obj)).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == (403 if model in NO_ADD else 200)


def test_draft_invoice_totals_number_status_and_lines_are_not_written(superuser_client, books):
    draft = books.draft
    line = draft.lines.get()
    data = change_form_data(superuser_client, admin_url(draft))
    assert set(data) & {"total", "subtotal", "vat_amount", "paid_amount", "status", "number", "vat_rate",
                        "date", "client"} == set()
    assert "lines-0-price" not in data
    data.update(notes="Счёт за аудит", period_start="01.02.2026", period_end="28.02.2026",
                total="1.00", subtotal="1.00", vat_amount="0", paid_amount="300.00", status=InvoiceStatus.PAID,
                number="777", vat_rate="", date="01.01.2026", client=str(books.client_b.pk))
    data.update({"lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-0-id": str(line.pk),
                 "lines-0-invoice": str(draft.pk), "lines-0-price": "1.00", "lines-0-amount": "1.00"})
    before, line_before = _row(draft), _row(line)

    response = superuser_client.post(admin_url(draft), data)

    assert response.status_code == 302
    after = _row(draft)
    assert (after["notes"], after["period_start"], after["period_end"]) == (
        "Счёт за аудит", date(2026, 2, 1), date(2026, 2, 28))
    unchanged = set(before) - {"notes", "period_start", "period_end", "updated_at"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert _row(line) == line_before and draft.lines.count() == 1


def test_draft_period_ending_before_it_starts_is_refused(superuser_client, books):
    data = change_form_data(superuser_client, admin_url(books.draft))
    data.update(period_start="28.02.2026", period_end="01.02.2026")

    response = superuser_client.post(admin_url(books.draft), data)

    assert response.context["adminform"].form.errors["period_end"] == ["Конец периода раньше начала."]
    assert _row(books.draft)["period_start"] is None


def test_issued_invoice_is_shown_but_not_changed_or_deleted(superuser_client, books):
    before = _row(books.issued)

    page = superuser_client.get(admin_url(books.issued))
    change = superuser_client.post(admin_url(books.issued), {"notes": "x", "paid_amount": "1000.00",
                                                             "status": InvoiceStatus.PAID})
    delete = superuser_client.post(admin_url(books.issued, "delete"), {"post": "yes"})

    assert page.status_code == 200 and 'name="notes"' not in page.content.decode()
    assert (change.status_code, delete.status_code) == (403, 403)
    assert _row(books.issued) == before
    assert (before["paid_amount"], before["status"]) == (Decimal("400.00"), InvoiceStatus.PARTLY_PAID)


def test_issued_invoices_are_not_deleted_from_the_list(superuser_client, books):
    response = superuser_client.post(admin_url(Invoice, "changelist"), {
        "action": "delete_selected", "_selected_action": [books.issued.pk, books.draft.pk], "post": "yes",
    })

    assert response.status_code == 200  # the "cannot delete" page: the issued invoice is protected
    assert Invoice.objects.filter(pk__in=[books.issued.pk, books.draft.pk]).count() == 2


def test_a_never_issued_draft_can_be_deleted(superuser_client, books):
    response = superuser_client.post(admin_url(books.draft, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=books.draft.pk).exists()


def test_invoices_are_not_created_here(superuser_client, books):
    count = Invoice.objects.count()

    response = superuser_client.post(admin_url(Invoice, "add"), {
        "agency": books.agency.pk, "client": books.client_a.pk, "date": "01.02.2026", "due_date": "10.02.2026",
        "status": "draft", "total": "100.00",
    })

    assert response.status_code == 403
    assert Invoice.objects.count() == count


def test_payment_allocated_amount_amount_and_client_are_not_written(superuser_client, books):
    payment = books.payment
    data = change_form_data(superuser_client, admin_url(payment))
    assert set(data) & {"allocated_amount", "amount", "client", "agency", "source"} == set()
    data.update(payer_name="ООО Альфа", allocated_amount="0.00", amount="5000.00", client=str(books.client_b.pk),
                source="bank")
    before = _row(payment)

    response = superuser_client.post(admin_url(payment), data)

    assert response.status_code == 302
    after = _row(payment)
    assert after["payer_name"] == "ООО Альфа"
    unchanged = set(before) - {"payer_name", "updated_at"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


def test_unallocated_payment_can_still_be_given_a_client(superuser_client, books):
    queued = services.payment_record(actor=books.finance.user, date=date(2026, 2, 7), amount=Decimal("50.00"),
                                     auto_allocate=False)
    data = change_form_data(superuser_client, admin_url(queued))
    data["client"] = str(books.client_b.pk)

    assert superuser_client.post(admin_url(queued), data).status_code == 302
    queued.refresh_from_db()
    assert queued.client == books.client_b


def test_payment_with_allocations_is_not_deleted(superuser_client, books):
    direct = superuser_client.post(admin_url(books.payment, "delete"), {"post": "yes"})
    listed = superuser_client.post(admin_url(Payment, "changelist"), {
        "action": "delete_selected", "_selected_action": [books.payment.pk], "post": "yes",
    })

    assert (direct.status_code, listed.status_code) == (403, 403)
    assert Payment.objects.filter(pk=books.payment.pk).exists()
    books.issued.refresh_from_db()
    assert books.issued.paid_amount == Decimal("400.00")


def test_allocations_are_not_added_changed_or_deleted(superuser_client, books):
    allocation = PaymentAllocation.objects.get(payment=books.payment)
    before = list(PaymentAllocation.objects.values())

    add = superuser_client.post(admin_url(PaymentAllocation, "add"), {
        "payment": books.payment.pk, "invoice": books.issued.pk, "amount": "600.00"})
    change = superuser_client.post(admin_url(allocation), {
        "payment": books.payment.pk, "invoice": books.issued.pk, "amount": "1.00"})
    delete = superuser_client.post(admin_url(allocation, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(PaymentAllocation.objects.values()) == before
    books.issued.refresh_from_db()
    assert (books.issued.paid_amount, books.issued.status) == (Decimal("400.00"), InvoiceStatus.PARTLY_PAID)


def test_acts_and_imports_are_not_added_changed_or_faked(superuser_client, books):
    act_before = _row(books.act)
    imports = StatementImport.objects.count()

    change = superuser_client.post(admin_url(books.act), {"number": "1", "total": "1.00", "status": "signed"})
    delete = superuser_client.post(admin_url(books.act, "delete"), {"post": "yes"})
    fake = superuser_client.post(admin_url(StatementImport, "add"), {"file_sha256": "0" * 64, "file_name": "x"})

    assert (change.status_code, delete.status_code, fake.status_code) == (403, 403, 403)
    assert _row(books.act) == act_before
    assert StatementImport.objects.count() == imports
