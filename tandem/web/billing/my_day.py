"""Billing in "My day" and in the reminder job: invoices to chase, promised payments due,
plan fulfilment; collection reminders and broken promises as notifications.

Imported by tandem/web/billing/urls.py so that registration happens once the URLs load.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.billing import selectors
from tandem.billing.models import OPEN_STATUSES, CollectionReminder, PromisedPayment
from tandem.core.shortlist import shortlist_of
from tandem.notifications.registry import Reminder, register_reminder_source
from tandem.web.my_day.sections import (
    AM_ROLES,
    FINANCE_ROLES,
    MyDayContext,
    MyDaySection,
    per_am,
    register_section,
    section_data,
)


def invoices_to_chase(ctx: MyDayContext) -> dict[str, Any] | None:
    qs = selectors.invoices_to_chase(actor=ctx.actor, today=ctx.today)
    if ctx.am_ids:
        qs = qs.filter(client__account_manager_id__in=ctx.am_ids)
    listed = shortlist_of(
        qs, limit=ctx.limit, by=per_am(ctx, "client__account_manager_id"),
        rows=lambda qs: qs.select_related(None).select_related("client").only(
            "number", "due_date", "agency_id", "client_id", "client__brand_name", "client__legal_name",
            "client__account_manager_id"),
    )
    if not listed.total:
        return None
    return section_data(listed, today=ctx.today, tomorrow=ctx.today + timedelta(days=1))


def promised_payments(ctx: MyDayContext) -> dict[str, Any] | None:
    qs = selectors.promised_payments_due(actor=ctx.actor, today=ctx.today)
    if ctx.am_ids:
        qs = qs.filter(invoice__client__account_manager_id__in=ctx.am_ids)
    listed = shortlist_of(qs, limit=ctx.limit, by=per_am(ctx, "invoice__client__account_manager_id"))
    if not listed.total:
        return None
    return section_data(listed, today=ctx.today)


def plan_fulfilment(ctx: MyDayContext) -> dict[str, Any] | None:
    rows = [r for r in selectors.plan_overview(actor=ctx.actor, month=ctx.today) if not ctx.am_ids or
            r.employee.pk in ctx.am_ids]
    if not rows:
        return None
    return {"rows": rows, "month": ctx.today.replace(day=1)}


register_section(MyDaySection("invoices_to_chase", _("Счета к оплате"), "web/billing/_my_day_invoices.html",
                              invoices_to_chase, order=60, audience=AM_ROLES | FINANCE_ROLES))
register_section(MyDaySection("promised_payments", _("Обещанные оплаты"), "web/billing/_my_day_promises.html",
                              promised_payments, order=65, audience=AM_ROLES | FINANCE_ROLES))
register_section(MyDaySection("plan_fulfilment", _("План платежей"), "web/billing/_my_day_plan.html",
                              plan_fulfilment, order=70))


def collection_reminders(now: datetime) -> Iterable[Reminder]:
    """Planned collection reminders due today, to their assignee (AM, or group head for an
    escalation); broken promises (date passed, invoice open) to the client's AM."""
    today = timezone.localdate(now)
    for r in CollectionReminder.objects.filter(
        status=CollectionReminder.Status.PLANNED, due_on__lte=today, invoice__status__in=OPEN_STATUSES,
        assignee__isnull=False,
    ).select_related("invoice", "invoice__client", "contact"):
        inv = r.invoice
        channel = f" ({r.contact.full_name}, {r.channel})" if r.contact else ""
        yield Reminder(
            recipient_id=r.assignee_id, kind="billing.collection",  # type: ignore[arg-type]
            title=_("%(kind)s: счёт № %(number)s, %(client)s") % {
                "kind": r.get_kind_display(), "number": inv.number, "client": inv.client.display_name},
            body=_("Остаток %(rest)s ₽, срок %(due)s") % {
                "rest": inv.total - inv.paid_amount, "due": f"{inv.due_date:%d.%m.%Y}"} + channel,
            dedupe_key=f"billing.reminder:{r.pk}", url=reverse("web:invoice_detail", args=[inv.pk]),
        )
    for p in PromisedPayment.objects.filter(
        promised_on__lt=today, invoice__status__in=OPEN_STATUSES, invoice__client__account_manager__isnull=False,
    ).select_related("invoice", "invoice__client"):
        inv = p.invoice
        yield Reminder(
            recipient_id=inv.client.account_manager_id, kind="billing.promise_broken",  # type: ignore[arg-type]
            title=_("Обещание не выполнено: счёт № %(number)s, %(client)s") % {
                "number": inv.number, "client": inv.client.display_name},
            body=_("Обещали оплатить %(date)s.") % {"date": f"{p.promised_on:%d.%m.%Y}"} + f" {p.note}",
            dedupe_key=f"billing.promise:{p.pk}", url=reverse("web:invoice_detail", args=[inv.pk]),
        )


register_reminder_source("billing.collection", collection_reminders)


# The finance and reminder sections live next door; registering them here keeps one import in urls.py.
from . import my_day_finance  # noqa: E402, F401
