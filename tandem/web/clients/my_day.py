"""«Поздравить» in My day: contacts' birthdays and clients' anniversaries of the coming week, so
the AM calls or writes on the day (the seeds' personal touch: «важные даты»).

Imported by tandem/web/clients/urls.py so that the section registers once the URLs load.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.clients.selectors import occasions_ahead
from tandem.core.shortlist import shortlist_from
from tandem.web.my_day.sections import MyDayContext, MyDaySection, register_section, section_data

OCCASION_DAYS = 7


def occasions(ctx: MyDayContext) -> dict[str, Any] | None:
    found = occasions_ahead(actor=ctx.actor, today=ctx.today, am_ids=ctx.am_ids, days=OCCASION_DAYS)
    if not found:
        return None
    listed = shortlist_from(found, limit=ctx.limit, key=lambda o: o.client.account_manager_id)
    return section_data(listed, today=ctx.today)


register_section(MyDaySection("occasions", _("Поздравить"), "web/clients/_my_day_occasions.html", occasions,
                              order=55))
