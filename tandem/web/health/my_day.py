"""«Под риском?» section of My day: open proposals of the day's people's clients.
Registered here; imported by tandem/web/health/urls.py."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from tandem.core.shortlist import shortlist_of
from tandem.health.selectors import risk_proposals_open
from tandem.web.my_day.sections import MyDayContext, MyDaySection, per_am, register_section, section_data


def risk_proposals_section(ctx: MyDayContext) -> dict[str, Any] | None:
    listed = shortlist_of(
        risk_proposals_open(actor=ctx.actor, am_ids=ctx.am_ids).order_by("score", "pk"),
        limit=ctx.limit, by=per_am(ctx, "client__account_manager_id"),
    )
    return section_data(listed)


register_section(MyDaySection("health_risk_proposals", gettext_lazy("Под риском?"), "web/health/_my_day_proposals.html",
                              risk_proposals_section, order=15))
