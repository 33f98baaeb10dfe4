"""Reads for communications, scoped to the actor through client visibility.

Next contact due (per contact) = date of the last interaction involving the contact +
its cadence; a contact never contacted is due from the client's creation date; a snooze
moves the date forward. The last interaction and the latest snooze are SQL subqueries, so a
list of contacts costs one query however many there are.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import Case, Count, DateTimeField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tandem.clients.models import SERVED_STATUSES, Client, Contact
from tandem.clients.permissions import clients_visible_to
from tandem.core.errors import NotFound
from tandem.core.shortlist import Shortlist, shortlist_from
from tandem.integrations.workcalendar import WorkCalendar, minutes_between, public_holidays
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, head_group_ids

from .models import (
    ClientRequest,
    ContactSnooze,
    Escalation,
    Handover,
    HandoverItem,
    Interaction,
    Priority,
    SlaPolicy,
    WorkSchedule,
)
from .permissions import can_view_sla_settings, interactions_visible_to, requests_visible_to
from .services.calendar import SLA_TIERS, SlaTerms, sla_terms, work_calendar

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Deadline(TypedDict):
    deadline: datetime


# A request with `deadline` annotated: the first-response due time until the first response,
# the resolve due time after it.
RequestWithDeadline: TypeAlias = "WithAnnotations[ClientRequest, _Deadline]"

DEFAULT_CLIENT_CADENCE = 14


def _in_quiet_hours(start, end, moment: datetime) -> bool:  # type: ignore[no-untyped-def]
    if start is None or end is None or start == end:
        return False
    t = timezone.localtime(moment).time()
    return start <= t < end if start < end else (t >= start or t < end)


@dataclass
class ContactDue:
    contact: Contact
    client: Client
    last_at: datetime | None
    next_due: date
    today: date
    in_quiet_hours: bool = False

    @property
    def overdue_days(self) -> int:
        return max((self.today - self.next_due).days, 0)

    @property
    def is_due(self) -> bool:
        return self.next_due <= self.today

    @property
    def quiet_hours(self) -> str:
        s, e = self.contact.quiet_hours_start, self.contact.quiet_hours_end
        return f"{s:%H:%M}–{e:%H:%M}" if s and e else ""


# Cadence ranges for the SQL pre-filter of due contacts (the common cadences on their own).
_CADENCE_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 6), (7, 7), (8, 13), (14, 14), (15, 29), (30, 30), (31, 32767))


def _due_prefilter(today: date) -> Q:
    """A superset of the contacts due by `today`: never contacted, or last contacted before the
    start of (today − shortest cadence of its range + 1), and not snoozed past today."""
    def start_of(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    recent = Q(last_interaction_at__isnull=True)
    for lo, hi in _CADENCE_BUCKETS:
        recent |= Q(cadence_days__range=(lo, hi), last_interaction_at__lt=start_of(today - timedelta(days=lo - 1)))
    return recent & (Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))


def _snoozed_until() -> Subquery:
    return Subquery(ContactSnooze.objects.filter(contact=OuterRef("pk")).order_by("-until").values("until")[:1])


def _next_due(last_at: datetime | None, cadence_days: int, client_created_at: datetime,
              snoozed_until: date | None, tz: tzinfo | None = None) -> date:
    """Last interaction + cadence; never contacted: due since the client was created; a snooze
    moves the date forward, never back. Dates are local (`tz`, default the current time zone)."""
    tz = tz or timezone.get_current_timezone()
    return _next_due_on(last_at.astimezone(tz).date() if last_at is not None else None, cadence_days,
                        client_created_at.astimezone(tz).date(), snoozed_until)


def _next_due_on(last_on: date | None, cadence_days: int, client_created_on: date, snoozed_until: date | None) -> date:
    """`_next_due` over local dates."""
    due = last_on + timedelta(days=cadence_days) if last_on is not None else client_created_on
    if snoozed_until and snoozed_until > due:
        due = snoozed_until
    return due


def contact_schedule(clients: QuerySet[Client], *, today: date, now: datetime | None = None,
                     due_only: bool = False) -> list[ContactDue]:
    """Every active contact of `clients` with its next due date, soonest first (one query).
    `due_only` leaves out in SQL most contacts that are not due (the exact test is the caller's)."""
    now = now or timezone.now()
    qs = (
        Contact.objects.filter(client__in=clients, is_active=True)
        .select_related("client__account_manager")
        .annotate(last_at=F("last_interaction_at"), snoozed_until=_snoozed_until())
    )
    if due_only:
        qs = qs.filter(_due_prefilter(today))
    items = [
        ContactDue(
            contact=c, client=c.client, last_at=c.last_at, today=today,
            next_due=_next_due(c.last_at, c.cadence_days, c.client.created_at, c.snoozed_until),
            in_quiet_hours=_in_quiet_hours(c.quiet_hours_start, c.quiet_hours_end, now),
        )
        for c in qs
    ]
    items.sort(key=lambda i: (i.next_due, i.client.display_name, i.contact.full_name))
    return items


def due_contacts_for_clients(clients: QuerySet[Client], *, today: date, now: datetime | None = None) -> list[ContactDue]:
    """Contacts due today or earlier ("silent too long" when earlier)."""
    return [i for i in contact_schedule(clients, today=today, now=now, due_only=True) if i.is_due]


def my_day_clients(*, actor: User, am_ids: list[int]) -> QuerySet[Client]:
    """Served clients the actor sees whose responsible AM is one of `am_ids`."""
    return clients_visible_to(actor).filter(status__in=SERVED_STATUSES, account_manager_id__in=am_ids)


def contacts_due(*, actor: User, am_ids: list[int], today: date | None = None, limit: int | None = None,
                 offset: int = 0, now: datetime | None = None) -> Shortlist[ContactDue]:
    """Contacts of the AMs' served clients due today or earlier, soonest first, counted per AM.
    Two queries: the due test runs over plain tuples of every candidate, and only the `limit`
    contacts from `offset` are loaded as rows (a head of accounts has about a thousand due)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    # The local dates come from SQL: parsing two timestamps per candidate (about a thousand for
    # a head of accounts) was a third of the section's time.
    tz = timezone.get_current_timezone()
    candidates = (
        Contact.objects.filter(client__in=my_day_clients(actor=actor, am_ids=am_ids), is_active=True)
        .annotate(snoozed_until=_snoozed_until(), last_on=TruncDate("last_interaction_at", tzinfo=tz),
                  client_created_on=TruncDate("client__created_at", tzinfo=tz))
        .filter(_due_prefilter(today))
        .values_list("pk", "client__account_manager_id", "last_on", "cadence_days", "snoozed_until",
                     "client_created_on", "client__brand_name", "client__legal_name", "full_name")
        .order_by()  # sorted below by due date
    )
    due: list[tuple[date, str, str, int, int | None]] = []
    for pk, am_id, last_on, cadence, snoozed, created_on, brand, legal, name in candidates:
        next_due = _next_due_on(last_on, cadence, created_on, snoozed)
        if next_due <= today:
            due.append((next_due, brand or legal, name, pk, am_id))
    due.sort()
    listed = shortlist_from(due, limit=limit, offset=offset, key=lambda d: d[4])
    rows = Contact.objects.select_related("client__account_manager").in_bulk([d[3] for d in listed.items])
    return Shortlist(items=[
        ContactDue(contact=rows[pk], client=rows[pk].client, last_at=rows[pk].last_interaction_at, next_due=next_due,
                   today=today, in_quiet_hours=_in_quiet_hours(rows[pk].quiet_hours_start, rows[pk].quiet_hours_end, now))
        for next_due, _client, _name, pk, _am in listed.items
    ], total=listed.total, count_by_am=listed.count_by_am)


@dataclass
class SilentClient:
    client: Client
    last_at: datetime | None
    silent_days: int
    cadence_days: int


def clients_silent(*, actor: User, am_ids: list[int], today: date | None = None,
                   limit: int | None = None) -> Shortlist[SilentClient]:
    """Clients with no contact at all for longer than their most frequent contact's cadence,
    longest silence first, counted per AM. Two queries: the test runs over plain tuples of the
    AMs' served clients; only the first `limit` clients are loaded as rows."""
    today = today or timezone.localdate()
    last = Interaction.objects.filter(client=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    cadence = Contact.objects.filter(client=OuterRef("pk"), is_active=True).order_by("cadence_days").values(
        "cadence_days"
    )[:1]
    # The local date of the last contact (or of the client's creation) comes from SQL: parsing
    # two timestamps per served client was most of the section's time for a head of accounts.
    candidates = my_day_clients(actor=actor, am_ids=am_ids).annotate(
        since_on=TruncDate(Coalesce(Subquery(last), F("created_at")), tzinfo=timezone.get_current_timezone()),
        min_cadence=Subquery(cadence),
    ).values_list("pk", "account_manager_id", "since_on", "min_cadence").order_by()
    silent: list[tuple[int, int, int | None, int]] = []
    for pk, am_id, since, min_cadence in candidates:
        days = (today - since).days
        limit_days = min_cadence or DEFAULT_CLIENT_CADENCE
        if days > limit_days:
            silent.append((-days, pk, am_id, limit_days))
    silent.sort()
    listed = shortlist_from(silent, limit=limit, key=lambda s: s[2])
    rows = Client.objects.select_related("account_manager").annotate(last_at=Subquery(last)).in_bulk(
        [s[1] for s in listed.items])
    return Shortlist(items=[
        SilentClient(client=rows[pk], last_at=rows[pk].last_at, silent_days=-minus_days, cadence_days=limit_days)
        for minus_days, pk, _am, limit_days in listed.items
    ], total=listed.total, count_by_am=listed.count_by_am)


def _with_deadline(qs: QuerySet[ClientRequest]) -> QuerySet[RequestWithDeadline]:
    return qs.annotate(
        deadline=Case(
            When(first_response_at__isnull=True, then=F("first_response_due_at")),
            default=F("resolve_due_at"), output_field=DateTimeField(),
        )
    )


def requests_open(*, actor: User, am_ids: list[int] | None = None) -> QuerySet[RequestWithDeadline]:
    """Open requests the actor sees, least SLA time left first. With `am_ids`: those owned by
    these employees or belonging to their clients."""
    qs = requests_visible_to(actor).filter(resolved_at__isnull=True)
    if am_ids is not None:
        qs = qs.filter(Q(owner_id__in=am_ids) | Q(client__account_manager_id__in=am_ids))
    return _with_deadline(qs).select_related("client__account_manager", "contact", "owner").order_by("deadline", "pk")


@dataclass(frozen=True)
class RequestFilters:
    status: str = "open"  # open | resolved | breached | all
    client_id: int | None = None
    owner_id: int | None = None
    priority: str = ""


def request_list(*, actor: User, filters: RequestFilters | None = None, now: datetime | None = None) -> QuerySet[ClientRequest]:
    filters = filters or RequestFilters()
    now = now or timezone.now()
    qs = _with_deadline(requests_visible_to(actor)).select_related("client__account_manager", "contact", "owner")
    if filters.status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif filters.status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    elif filters.status == "breached":
        qs = qs.filter(
            Q(first_response_at__isnull=True, first_response_due_at__lt=now)
            | Q(first_response_at__gt=F("first_response_due_at"))
            | Q(resolved_at__isnull=True, resolve_due_at__lt=now)
            | Q(resolved_at__gt=F("resolve_due_at"))
        )
    if filters.client_id:
        qs = qs.filter(client_id=filters.client_id)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.status == "open":
        return qs.order_by("deadline", "pk")
    return qs.order_by("-received_at", "-pk")


def request_detail(*, request: ClientRequest) -> ClientRequest:
    return (
        ClientRequest.objects.select_related("client__group__head", "client__account_manager", "contact", "owner")
        .prefetch_related(
            Prefetch("escalations", queryset=Escalation.objects.select_related("notified", "escalated_by"))
        )
        .get(pk=request.pk)
    )


def escalation_list(*, actor: User, am_ids: list[int] | None = None, open_only: bool = True) -> QuerySet[Escalation]:
    """Escalations of visible requests: addressed to the actor, or (with `am_ids`) of their clients."""
    employee = actor_employee(actor)
    qs = Escalation.objects.filter(request__in=requests_visible_to(actor))
    if am_ids is not None and employee is not None:
        qs = qs.filter(
            Q(notified=employee) | Q(request__owner_id__in=am_ids) | Q(request__client__account_manager_id__in=am_ids)
        )
    if open_only:
        qs = qs.filter(request__resolved_at__isnull=True)
    return qs.select_related("request__client__account_manager", "request__owner", "notified").order_by("-created_at")


@dataclass(frozen=True)
class InteractionFilters:
    client_id: int | None = None
    kind: str = ""
    search: str = ""
    employee_id: int | None = None


def interaction_list(*, actor: User, filters: InteractionFilters | None = None) -> QuerySet[Interaction]:
    """Visible interactions, newest first, with client, author, contacts and employees (three queries)."""
    filters = filters or InteractionFilters()
    qs = interactions_visible_to(actor).select_related("client", "created_by").prefetch_related(
        "contacts", "employees"
    )
    if filters.client_id:
        qs = qs.filter(client_id=filters.client_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.employee_id:
        qs = qs.filter(employees__id=filters.employee_id)
    if filters.search:
        qs = qs.filter(Q(summary__icontains=filters.search) | Q(outcome__icontains=filters.search))
    return qs.order_by("-occurred_at", "-pk")


def next_steps_due(*, actor: User, am_ids: list[int], today: date | None = None) -> QuerySet[Interaction]:
    """Agreed next steps due by today and not done, for the AMs' clients."""
    today = today or timezone.localdate()
    return (
        interactions_visible_to(actor)
        .filter(next_step_due__lte=today, next_step_done_at__isnull=True, client__account_manager_id__in=am_ids)
        .select_related("client__account_manager")
        .order_by("next_step_due", "pk")
    )


# --- response-time statistics --------------------------------------------------------------

def _percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class ResponseStats:
    label: str
    key: str
    total: int = 0
    responded: int = 0
    breaches: int = 0
    minutes: list[float] = field(default_factory=list)

    @property
    def median_minutes(self) -> float | None:
        if not self.minutes:
            return None
        ordered = sorted(self.minutes)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    @property
    def p90_minutes(self) -> float | None:
        return _percentile(self.minutes, 90)

    @property
    def breach_rate(self) -> float:
        return self.breaches / self.total if self.total else 0.0


@dataclass
class ResponseReport:
    month: date
    overall: ResponseStats
    by_manager: list[ResponseStats]
    by_group: list[ResponseStats]


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return (timezone.make_aware(datetime.combine(first, datetime.min.time())),
            timezone.make_aware(datetime.combine(nxt, datetime.min.time())))


def response_stats(*, actor: User, month: date, now: datetime | None = None) -> ResponseReport:
    """Per month: first-response time (business minutes, wall minutes for round-the-clock
    requests) median and 90th percentile, and the first-response breach rate, per owner and per
    client group. One query; an unanswered request counts as breached once its deadline passed."""
    now = now or timezone.now()
    start, end = _month_bounds(month)
    employee = actor_employee(actor)
    calendar = work_calendar(agency=employee.agency_id) if employee else None
    qs = requests_visible_to(actor).filter(received_at__gte=start, received_at__lt=end).select_related(
        "owner", "client__group"
    )
    overall = ResponseStats(label=_("Итого"), key="all")
    managers: dict[str, ResponseStats] = {}
    groups: dict[str, ResponseStats] = {}
    for r in qs:
        owner_key = str(r.owner_id or 0)
        group_key = str(r.client.group_id or 0)
        rows = [
            overall,
            managers.setdefault(owner_key, ResponseStats(r.owner.full_name if r.owner else _("Без ответственного"), owner_key)),
            groups.setdefault(group_key, ResponseStats(r.client.group.name if r.client.group else _("Без группы"), group_key)),
        ]
        breached = r.first_response_breached(now)
        minutes = None
        if r.first_response_at is not None:
            minutes = minutes_between(r.received_at, r.first_response_at, None if r.round_the_clock else calendar)
        for row in rows:
            row.total += 1
            row.breaches += int(breached)
            if minutes is not None:
                row.responded += 1
                row.minutes.append(minutes)
    return ResponseReport(
        month=month.replace(day=1), overall=overall,
        by_manager=sorted(managers.values(), key=lambda s: s.label),
        by_group=sorted(groups.values(), key=lambda s: s.label),
    )


def client_comms_panel(*, client: Client, today: date | None = None, limit: int = 5) -> dict[str, object]:
    """What the client card shows: the latest interactions, open requests and each contact's next date."""
    today = today or timezone.localdate()
    recent = list(
        Interaction.objects.filter(client=client).select_related("client", "created_by").prefetch_related("contacts")
        .order_by("-occurred_at", "-pk")[:limit]
    )
    open_requests = list(_with_deadline(ClientRequest.objects.filter(client=client, resolved_at__isnull=True))
                         .select_related("owner").order_by("deadline"))
    schedule = contact_schedule(Client.objects.filter(pk=client.pk), today=today)
    return {"recent": recent, "open_requests": open_requests, "schedule": schedule}


def employees_for_scope(*, actor: User) -> list[Employee]:
    """The AMs whose day the actor looks at: themselves; a group head adds their groups' AMs;
    heads of accounts and admins see every AM and group head of the agency."""
    from tandem.org.roles import Role

    employee = actor_employee(actor)
    if employee is None:
        return []
    base = Employee.objects.filter(agency=employee.agency, is_active=True).select_related("group")
    if employee.role in (Role.HEAD_OF_ACCOUNTS, Role.ADMIN):
        people = list(base.filter(role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD]).order_by("group__name", "full_name"))
        return people
    if employee.role == Role.GROUP_HEAD:
        people = list(base.filter(Q(group_id__in=head_group_ids(employee), role=Role.ACCOUNT_MANAGER)
                                  | Q(pk=employee.pk)).order_by("full_name"))
        # The group head first (their own row, loaded with the group like everyone else's).
        return sorted(people, key=lambda p: p.pk != employee.pk)
    return [employee]


def group_by_manager(items: list, key) -> dict[int | None, list]:  # type: ignore[no-untyped-def,type-arg]
    grouped: dict[int | None, list] = defaultdict(list)  # type: ignore[type-arg]
    for item in items:
        grouped[key(item)].append(item)
    return grouped


# --- SLA settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaCell:
    """The terms in force for (priority, tier) and where they come from:
    "own" — the agency set this cell; "any" — the agency's terms for any tier; "default" — built in."""

    priority: str
    tier: str
    terms: SlaTerms
    source: str


@dataclass(frozen=True)
class SlaSettings:
    day_start: time
    day_end: time
    time_zone: str
    schedule_set: bool
    cells: list[SlaCell]
    holidays: list[tuple[date, str]]

    def cell(self, priority: str, tier: str) -> SlaCell:
        return next(c for c in self.cells if (c.priority, c.tier) == (priority, tier))


SLA_PRIORITIES = (Priority.CRITICAL, Priority.URGENT, Priority.NORMAL)


def sla_settings(*, actor: User, holidays_days: int = 90) -> SlaSettings:
    """The actor's agency's working hours, the SLA grid priority × tier with the terms in force,
    and the public holidays of the next `holidays_days` days. NotFound unless
    `can_view_sla_settings` (heads, admins, group heads, AMs)."""
    employee = actor_employee(actor)
    if employee is None or not can_view_sla_settings(actor):
        raise NotFound()
    policies = list(SlaPolicy.objects.filter(agency_id=employee.agency_id))
    own = {(p.priority, p.tier) for p in policies}
    cells = []
    for priority in SLA_PRIORITIES:
        for tier in SLA_TIERS:
            if (priority, tier) in own:
                source = "own"
            elif tier and (priority, "") in own:
                source = "any"
            else:
                source = "default"
            terms = sla_terms(agency=employee.agency, priority=priority, tier=tier, policies=policies)
            cells.append(SlaCell(priority=priority, tier=tier, terms=terms, source=source))
    schedule = WorkSchedule.objects.filter(agency_id=employee.agency_id).first()
    defaults = WorkCalendar()
    today = timezone.localdate()
    return SlaSettings(
        day_start=schedule.day_start if schedule else defaults.day_start,
        day_end=schedule.day_end if schedule else defaults.day_end,
        time_zone=schedule.time_zone if schedule else defaults.tz,
        schedule_set=schedule is not None,
        cells=cells,
        holidays=public_holidays(today, today + timedelta(days=holidays_days), language=get_language()),
    )


# --- handovers --------------------------------------------------------------------------------


def handover_current(*, actor: User, client: Client) -> Handover | None:
    """The client's latest handover with its items (the client must be visible to the actor)."""
    return (
        Handover.objects.filter(client__in=clients_visible_to(actor), client=client)
        .select_related("new_manager", "previous_manager").prefetch_related("items")
        .order_by("-created_at", "-id").first()
    )


def handovers_open(*, actor: User, am_ids: list[int]) -> QuerySet[Handover]:
    """Unfinished handovers of the given AMs (My day), oldest first, with the count of items left."""
    return (
        Handover.objects.filter(client__in=clients_visible_to(actor), completed_at__isnull=True,
                                new_manager_id__in=am_ids)
        .select_related("client", "previous_manager")
        .annotate(items_left=Count("items", filter=Q(items__done_at__isnull=True)))
        .order_by("created_at", "id")
    )


def handover_item_get_for(actor: User, item_id: int | str) -> HandoverItem:
    try:
        return HandoverItem.objects.select_related("handover", "handover__client").get(
            pk=int(item_id), handover__client__in=clients_visible_to(actor))
    except (HandoverItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
