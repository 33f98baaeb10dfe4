"""«Подготовить отчёт» in My day: the AM's draft client reports (made on each client's report
day by the schedule, or by hand), oldest period first. Registered by tandem/web/reports/urls.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.core.shortlist import shortlist_of
from tandem.reports import selectors

from .sections import MyDayContext, MyDaySection, per_am, register_section, section_data


def reports_to_prepare(ctx: MyDayContext) -> dict[str, Any] | None:
    listed = shortlist_of(
        selectors.client_reports_to_prepare(actor=ctx.actor, am_ids=ctx.am_ids), limit=ctx.limit,
        by=per_am(ctx, "client__account_manager_id"),
        rows=lambda qs: qs.select_related("client").only(
            "period_start", "period_end", "status", "client__brand_name", "client__legal_name",
            "client__account_manager_id"),
    )
    if not listed.total:
        return None
    return section_data(listed)


register_section(MyDaySection("client_reports_to_prepare", _("Подготовить отчёт"),
                              "web/my_day/_section_client_reports.html", reports_to_prepare, order=55))
