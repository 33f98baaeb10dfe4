"""Money sections of "My day" for finance (payments to match) and for everyone who chases
invoices (collection reminders due), with their actions one or two clicks away.

Imported by tandem/web/billing/urls.py so that registration happens once the URLs load.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.billing import selectors
from tandem.billing.permissions import can_manage_money
from tandem.core.shortlist import shortlist_of
from tandem.web.my_day.sections import (
    AM_ROLES,
    FINANCE_ROLES,
    MyDayContext,
    MyDaySection,
    per_am,
    register_section,
    section_data,
)


def payments_to_match(ctx: MyDayContext) -> dict[str, Any] | None:
    """The manual payment queue (no client, or money not yet set against invoices): the same
    selector as the queue page, payments without a client first, then the oldest."""
    listed = shortlist_of(
        selectors.payment_queue(actor=ctx.actor), limit=ctx.limit,
        flags={"no_client": Q(client__isnull=True)},
        rows=lambda qs: qs.select_related(None).select_related("client").only(
            "date", "amount", "allocated_amount", "number", "payer_name", "payer_inn", "client__brand_name",
            "client__legal_name"),
    )
    return section_data(listed, can_match=can_manage_money(ctx.actor))


def reminders_due(ctx: MyDayContext) -> dict[str, Any] | None:
    """Planned collection reminders due by today (the AM's own, a group head's escalations;
    finance sees all): mark done in one click, or write to the accountant."""
    qs = selectors.reminders_due(actor=ctx.actor, today=ctx.today)
    if ctx.am_ids:
        qs = qs.filter(invoice__client__account_manager_id__in=ctx.am_ids)
    listed = shortlist_of(qs, limit=ctx.limit, by=per_am(ctx, "invoice__client__account_manager_id"))
    return section_data(listed, today=ctx.today)


register_section(MyDaySection("billing_payments_to_match", _("Платежи к разнесению"),
                              "web/billing/_my_day_payments.html", payments_to_match, order=8,
                              audience=FINANCE_ROLES))
register_section(MyDaySection("billing_reminders_due", _("Напоминания об оплате"),
                              "web/billing/_my_day_reminders.html", reminders_due, order=67,
                              audience=AM_ROLES | FINANCE_ROLES))
