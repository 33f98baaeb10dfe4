"""Growth in "My day": opportunities whose next step is due (today or overdue).

Imported by tandem/web/growth/urls.py so that registration happens once the URLs load.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.core.shortlist import shortlist_of
from tandem.growth import selectors
from tandem.web.my_day.sections import MyDayContext, MyDaySection, per_am, register_section, section_data


def opportunity_next_steps(ctx: MyDayContext) -> dict[str, Any] | None:
    """Open opportunities of the day's people with a next step due today or earlier."""
    listed = shortlist_of(
        selectors.opportunities_next_steps(actor=ctx.actor, am_ids=ctx.am_ids, today=ctx.today), limit=ctx.limit,
        by=per_am(ctx, "owner_id"),
        rows=lambda qs: qs.select_related(None).select_related("client", "service").only(
            "stage", "next_step", "next_step_date", "monthly_value", "probability", "owner_id",
            "client__brand_name", "client__legal_name", "service__name"),
    )
    if not listed.total:
        return None
    return section_data(listed, today=ctx.today)


register_section(MyDaySection("growth_next_steps", _("Допродажи: следующий шаг"),
                              "web/growth/_my_day_opportunities.html", opportunity_next_steps, order=75))
