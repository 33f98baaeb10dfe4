"""«Ретейнер близко к бюджету»: the My day section of retainer lines at 80 % or more of this
month's hours (or money). Registered here; imported by tandem/web/contracts/urls.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.billing.permissions import retainer_lines_visible_to
from tandem.contracts.models import ContractStatus
from tandem.web.my_day.sections import MyDayContext, MyDaySection, register_section
from tandem.work.retainers import first_of_month, retainer_balances


def retainers_near_budget(ctx: MyDayContext) -> dict[str, Any] | None:
    """Retainer lines of the shown AMs' clients (signed contracts) whose current month reached
    80 % or 100 %; most used first. Five queries whatever the number of lines and months."""
    month = first_of_month(ctx.today)
    lines = list(
        retainer_lines_visible_to(ctx.actor).filter(
            contract__client__account_manager_id__in=ctx.am_ids, contract__status=ContractStatus.SIGNED,
            retainer_terms__start_month__lte=month,
        ).select_related("contract__client", "service")
    )
    rows: list[dict[str, Any]] = []
    for balance in retainer_balances(lines=lines, until=ctx.today).values():
        row = balance.current
        if row is not None and row.month == month and row.threshold is not None:
            rows.append({"line": balance.line, "row": row, "client": balance.line.contract.client})
    rows.sort(key=lambda item: (-(item["row"].percent_used or 0), item["line"].pk))
    count_by_am: dict[int | None, int] = {}
    for item in rows:
        am_id = item["client"].account_manager_id
        count_by_am[am_id] = count_by_am.get(am_id, 0) + 1
    data: dict[str, Any] = {"items": rows if ctx.limit is None else rows[: ctx.limit], "total": len(rows)}
    if ctx.team_view:
        data["count_by_am"] = count_by_am
    return data


register_section(MyDaySection(
    key="retainers_near_budget", title=_("Ретейнер близко к бюджету"), order=65,
    template="web/contracts/_my_day_retainers.html", provider=retainers_near_budget,
))
