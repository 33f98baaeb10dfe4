"""Django admin for money: a support tool for superusers.

Amounts and states that the billing services derive are not written here:
- an invoice's totals come from its lines and VAT rate, its number from the agency's sequence
  on issue, its paid amount and paid status from the payment allocations. Invoices are made in
  Tandem (`invoice_create` needs lines), not here; a draft's note and billed period may be
  corrected, issued invoices are fixed and only never-issued drafts may be deleted
  (`invoice_delete`). Lines are shown, not edited;
- a payment's allocated amount is the sum of its allocations, which are made and removed only
  through `payment_allocate` / `allocation_remove` (they also move the invoices' paid amounts), so
  allocations are shown only, and a payment with allocations is not deleted; the amount and
  origin of a recorded payment do not change, nor does the client of an allocated one;
- acts (numbered primary documents with totals from invoice lines) and statement imports are
  records of what the services did: shown, not added or changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .models import (
    Act,
    BilledTime,
    BillingSettings,
    BonusRule,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PaymentReallocation,
    Refund,
    StatementImport,
)

# What `invoice_update` lets change on a draft without recomputing anything.
INVOICE_DRAFT_EDITABLE = ("notes", "period_start", "period_end")


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: shown, never added or changed here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        return False


class InvoiceAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        super().clean()
        start, end = self.cleaned_data.get("period_start"), self.cleaned_data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Конец периода раньше начала."))
        return self.cleaned_data


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    form = InvoiceAdminForm
    list_display = ("number", "date", "client", "status", "total", "paid_amount", "due_date")
    list_filter = ("status", "kind")
    search_fields = ("number", "client__legal_name")
    inlines = [InvoiceLineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> list[str]:
        return [f.name for f in Invoice._meta.fields if not f.primary_key and f.name not in INVOICE_DRAFT_EDITABLE]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        if obj is not None and obj.status != InvoiceStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Invoice | None = None) -> bool:
        if obj is not None and (obj.status != InvoiceStatus.DRAFT or obj.number):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("date", "amount", "allocated_amount", "client", "payer_name", "source", "needs_review")
    list_filter = ("needs_review", "source")
    raw_id_fields = ("client", "statement_import")
    # The review state changes only through the services (confirm, re-allocate), which keep the audit.
    readonly_fields = ("allocated_amount", "source", "statement_import", "external_key", "match_basis",
                       "needs_review", "review_reason", "suggested_client", "suggested_invoice", "reviewed_by",
                       "reviewed_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Payment | None = None) -> list[str]:
        fields = list(self.readonly_fields)
        if obj is not None:
            fields += ["agency", "amount"]
            if obj.allocations.exists():
                fields.append("client")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Payment | None = None) -> bool:
        if obj is not None and obj.allocations.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PaymentAllocation)
class PaymentAllocationAdmin(ViewOnlyAdmin):
    list_display = ("payment", "invoice", "amount", "created_at")
    list_select_related = ("payment", "invoice")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Act)
class ActAdmin(ViewOnlyAdmin):
    list_display = ("number", "date", "client", "status", "total")
    list_filter = ("status",)
    search_fields = ("number", "client__legal_name")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(StatementImport)
class StatementImportAdmin(ViewOnlyAdmin):
    list_display = ("file_name", "uploaded_at", "uploaded_by", "encoding")


@admin.register(PaymentReallocation)
class PaymentReallocationAdmin(ViewOnlyAdmin):
    list_display = ("payment", "kind", "actor", "created_at", "reason")
    list_select_related = ("payment", "actor")


@admin.register(BilledTime)
class BilledTimeAdmin(ViewOnlyAdmin):
    """Which invoice line billed which time entry: written by invoice_from_time, released by
    cancelling the invoice or deleting its draft, never here."""

    list_display = ("time_entry", "invoice_line", "billed_at", "billed_by")
    list_select_related = ("time_entry", "time_entry__employee", "invoice_line", "billed_by")
    raw_id_fields = ("time_entry", "invoice_line")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(ViewOnlyAdmin):
    list_display = ("date", "amount", "client", "recipient_name", "statement_import")
    list_select_related = ("client", "statement_import")


admin.site.register([BillingSettings, BonusRule, PaymentPlan])
