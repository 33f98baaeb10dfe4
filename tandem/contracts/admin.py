from django.contrib import admin

from .models import Contract, ContractLine, ContractSettings, Service, Subcontractor, VatRate


class ContractLineInline(admin.TabularInline):
    model = ContractLine
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "client", "status")
    list_filter = ("status",)
    inlines = [ContractLineInline]


admin.site.register(Service)
admin.site.register(VatRate)
admin.site.register(Subcontractor)
admin.site.register(ContractSettings)
