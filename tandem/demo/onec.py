"""Demo exchange with 1C: one export of last month's invoices and acts (EnterpriseData), made by
finance, so «Выгрузка в 1С» shows a past export with its file and counts."""

from __future__ import annotations

from datetime import timedelta

from tandem.billing.models import OneCExport
from tandem.billing.onec import onec_export_create
from tandem.org.models import Employee
from tandem.org.roles import Role

from .context import DemoContext


def seed(ctx: DemoContext) -> None:
    if OneCExport.objects.filter(agency=ctx.agency).exists():
        ctx.log("onec: already there, skipped")
        return
    finance = (Employee.objects.filter(agency=ctx.agency, role=Role.FINANCE, is_active=True)
               .select_related("user").first())
    if finance is None:
        ctx.log("onec: no finance employee, skipped")
        return
    end = ctx.today.replace(day=1) - timedelta(days=1)
    export = onec_export_create(actor=finance.user, period_start=end.replace(day=1), period_end=end)
    ctx.log(f"onec: last month exported ({export.invoice_count} invoices, {export.act_count} acts)")
