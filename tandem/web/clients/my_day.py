"""«Передача клиентов» and «Поздравить» in My day: the new AM's unfinished handover checklists,
and contacts' birthdays and clients' anniversaries of the coming week, so the AM calls or writes
on the day (the seeds' personal touch: «важные даты»).

Imported by tandem/web/clients/urls.py so that the section registers once the URLs load.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.clients.selectors import occasions_ahead
from tandem.comms import selectors as comms_selectors
from tandem.core.shortlist import shortlist_from, shortlist_of
from tandem.web.my_day.sections import MyDayContext, MyDaySection, per_am, register_section, section_data

OCCASION_DAYS = 7


def occasions(ctx: MyDayContext) -> dict[str, Any] | None:
    found = occasions_ahead(actor=ctx.actor, today=ctx.today, am_ids=ctx.am_ids, days=OCCASION_DAYS)
    if not found:
        return None
    listed = shortlist_from(found, limit=ctx.limit, key=lambda o: o.client.account_manager_id)
    return section_data(listed, today=ctx.today)


register_section(MyDaySection("occasions", _("Поздравить"), "web/clients/_my_day_occasions.html", occasions,
                              order=55))


def handovers(ctx: MyDayContext) -> dict[str, Any] | None:
    listed = shortlist_of(comms_selectors.handovers_open(actor=ctx.actor, am_ids=ctx.am_ids), limit=ctx.limit,
                          by=per_am(ctx, "new_manager_id"))
    if not listed.total:
        return None
    return section_data(listed)


register_section(MyDaySection("handovers", _("Передача клиентов"), "web/clients/_my_day_handovers.html", handovers,
                              order=15))
