"""«Из кабинета клиента» in My day: stage approvals, change requests, new requests and replies
that client contacts made in the portal over the last days. Imported by tandem/web/portal/urls.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from tandem.core.shortlist import shortlist_of
from tandem.portal import selectors
from tandem.web.my_day.sections import MyDayContext, MyDaySection, per_am, register_section, section_data

# How far back the section looks.
PORTAL_ACTIVITY_DAYS = 7


def portal_activity(ctx: MyDayContext) -> dict[str, Any] | None:
    listed = shortlist_of(
        selectors.portal_activity(actor=ctx.actor, am_ids=ctx.am_ids, since=ctx.now - timedelta(days=PORTAL_ACTIVITY_DAYS)),
        limit=ctx.limit, by=per_am(ctx, "client__account_manager_id"),
    )
    if not listed.total:
        return None
    return section_data(listed)


register_section(MyDaySection("portal_activity", _("Из кабинета клиента"), "web/portal/_my_day_section.html",
                              portal_activity, order=15))
