from django.contrib import admin

from .models import (
    Act,
    BillingSettings,
    BonusRule,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    StatementImport,
)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "client", "status", "total", "paid_amount", "due_date")
    list_filter = ("status", "kind")
    search_fields = ("number", "client__legal_name")
    inlines = [InvoiceLineInline]
    raw_id_fields = ("client", "contract")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("date", "amount", "allocated_amount", "client", "payer_name", "source")
    raw_id_fields = ("client", "statement_import")


admin.site.register([Act, BillingSettings, BonusRule, PaymentAllocation, PaymentPlan, StatementImport])
