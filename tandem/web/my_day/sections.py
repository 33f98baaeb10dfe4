"""Sections of "My day": each is a small template fed by a provider; apps add their own.

A provider gets a `MyDayContext` and returns the template context for its section, or None
when it has nothing to show (then the section is not rendered). It shows at most `ctx.limit`
`items` and says how many there are in all in `total`; `shortlist_of` does both in SQL and
`section_data` turns the result into the context. Add `count_by_am` ({employee_id: n}; pass
`by=per_am(ctx, ...)` to `shortlist_of`) and the section gets a column in the side-by-side
table that group heads and heads of accounts see. Register from your web module, e.g. in
tandem/web/billing/my_day.py imported by tandem/web/billing/urls.py:

    from tandem.web.my_day.sections import MyDaySection, register_section
    register_section(MyDaySection(
        key="invoices_to_chase", title=_("Счета к оплате"), order=60,
        template="web/billing/_my_day_invoices.html", provider=invoices_to_chase,
    ))

Providers must use scoped selectors (`actor=ctx.actor`) and a constant number of queries, and
must not load rows they do not show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tandem.comms import selectors as comms
from tandem.core.shortlist import Shortlist, shortlist_of
from tandem.notifications import selectors as notification_selectors
from tandem.org.models import Employee, User
from tandem.org.roles import Role

# Each section shows at most this many items (the badge and the team table count all of them);
# `?all=<section key>` shows one section in full (the «все (N)» link).
SECTION_LIMIT = 10

# Whose day a section belongs to. Account-management sections (contacts, requests, silent
# clients…) are for the people who carry clients; finance and specialists get their own
# sections instead of empty AM ones. None: everyone.
AM_ROLES: frozenset[str] = frozenset({Role.ACCOUNT_MANAGER, Role.GROUP_HEAD, Role.HEAD_OF_ACCOUNTS, Role.ADMIN})
FINANCE_ROLES: frozenset[str] = frozenset({Role.FINANCE})
SPECIALIST_ROLES: frozenset[str] = frozenset({Role.SPECIALIST})


@dataclass
class MyDayContext:
    request: HttpRequest
    actor: User
    employee: Employee
    people: list[Employee]
    today: date
    now: datetime
    team_view: bool = False
    # How many items a section shows; None when the user asked for the whole section.
    limit: int | None = SECTION_LIMIT
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def am_ids(self) -> list[int]:
        return [p.pk for p in self.people]


Provider = Callable[[MyDayContext], dict[str, Any] | None]


@dataclass(frozen=True)
class MyDaySection:
    key: str
    title: Any
    template: str
    provider: Provider
    order: int = 100
    # The roles that see the section (None: every role); AM sections by default.
    audience: frozenset[str] | None = AM_ROLES

    def shown_to(self, role: str) -> bool:
        return self.audience is None or role in self.audience


_sections: dict[str, MyDaySection] = {}


def register_section(section: MyDaySection) -> None:
    """Add or replace (by key) a section of "My day"."""
    _sections[section.key] = section


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def sections() -> list[MyDaySection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def section_data(listed: Shortlist[Any], **extra: Any) -> dict[str, Any]:
    """The template context of a section from its shortlist: the rows shown, the exact total,
    the per-AM counts (team table) and the flag counts (e.g. `breached`)."""
    return {"items": listed.items, "total": listed.total, "count_by_am": listed.count_by_am, **listed.flags, **extra}


def per_am(ctx: MyDayContext, by: Any) -> Any:
    """`by` for `shortlist_of` in the team view (everyone's counts), None for one person's day."""
    return by if ctx.team_view else None


# --- the comms sections -----------------------------------------------------------------------

def due_contacts(ctx: MyDayContext) -> dict[str, Any]:
    return section_data(comms.contacts_due(actor=ctx.actor, am_ids=ctx.am_ids, today=ctx.today, limit=ctx.limit,
                                           now=ctx.now))


def silent_clients(ctx: MyDayContext) -> dict[str, Any]:
    return section_data(comms.clients_silent(actor=ctx.actor, am_ids=ctx.am_ids, today=ctx.today, limit=ctx.limit))


def open_requests(ctx: MyDayContext) -> dict[str, Any]:
    # Only what the section template reads (the selector's full client/AM/contact/owner rows
    # cost more to compile and build than the query itself).
    listed = shortlist_of(
        comms.requests_open(actor=ctx.actor, am_ids=ctx.am_ids), limit=ctx.limit,
        by=per_am(ctx, Coalesce("owner_id", "client__account_manager_id")),
        flags={"breached": Q(deadline__lt=ctx.now)},
        rows=lambda qs: qs.select_related(None).select_related("client", "contact", "owner").only(
            "subject", "priority", "first_response_at", "resolved_at", "owner_id",
            "client__brand_name", "client__legal_name", "client__account_manager_id",
            "contact__full_name", "contact__preferred_channel", "contact__quiet_hours_start",
            "contact__quiet_hours_end", "owner__full_name"),
    )
    return section_data(listed, now=ctx.now)


def escalations(ctx: MyDayContext) -> dict[str, Any] | None:
    listed = shortlist_of(
        comms.escalation_list(actor=ctx.actor, am_ids=ctx.am_ids), limit=ctx.limit,
        by=per_am(ctx, "request__owner_id"),
        rows=lambda qs: qs.select_related(None).select_related("request__client", "notified").only(
            "request_id", "created_at", "level", "channels", "reason", "notified_id", "request__subject",
            "request__owner_id", "request__client__brand_name", "request__client__legal_name",
            "notified__full_name"),
    )
    return section_data(listed)


def next_steps(ctx: MyDayContext) -> dict[str, Any]:
    listed = shortlist_of(
        comms.next_steps_due(actor=ctx.actor, am_ids=ctx.am_ids, today=ctx.today), limit=ctx.limit,
        by=per_am(ctx, "client__account_manager_id"),
        rows=lambda qs: qs.select_related(None).select_related("client").only(
            "next_step", "next_step_due", "client__brand_name", "client__legal_name", "client__account_manager_id"),
    )
    return section_data(listed)


def my_notifications(ctx: MyDayContext) -> dict[str, Any]:
    listed = shortlist_of(notification_selectors.notification_list(actor=ctx.actor, unread_only=True), limit=ctx.limit)
    return section_data(listed)


register_section(MyDaySection("due_contacts", _("Связаться сегодня"), "web/my_day/_section_contacts.html",
                              due_contacts, order=10))
register_section(MyDaySection("open_requests", _("Обращения по SLA"), "web/my_day/_section_requests.html",
                              open_requests, order=20))
register_section(MyDaySection("escalations", _("Эскалации"), "web/my_day/_section_escalations.html",
                              escalations, order=30))
register_section(MyDaySection("silent_clients", _("Клиенты молчат слишком долго"),
                              "web/my_day/_section_silent.html", silent_clients, order=40))
register_section(MyDaySection("next_steps", _("Договорённости на сегодня"), "web/my_day/_section_next_steps.html",
                              next_steps, order=50))
register_section(MyDaySection("notifications", _("Уведомления"), "web/my_day/_section_notifications.html",
                              my_notifications, order=90, audience=None))
