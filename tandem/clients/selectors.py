"""Reads for clients, contacts, teams and AM workload. Results are scoped to the actor."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from tandem.org.models import Employee, Group, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Grade, Role

from .models import (
    SERVED_STATUSES,
    AccountManagerChange,
    Client,
    ClientTier,
    Contact,
    ImportRecord,
    LifecycleStatus,
    LifecycleTransition,
    ServiceKind,
    TeamMember,
)
from .permissions import can_import_data, clients_visible_to


@dataclass(frozen=True)
class ClientFilters:
    search: str = ""
    account_manager_id: int | None = None
    group_id: int | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    tier: str = ""
    kind: str = ""


def client_list(*, actor: User, filters: ClientFilters | None = None) -> QuerySet[Client]:
    """Visible clients matching the filters, with AM and group loaded (two joins, no N+1).

    Search looks in legal and brand names, INN and contact names/e-mails.
    """
    filters = filters or ClientFilters()
    qs = clients_visible_to(actor).select_related("account_manager", "group")
    if filters.search:
        term = filters.search.strip()
        matching_contacts = Contact.objects.filter(
            Q(full_name__icontains=term) | Q(email__icontains=term)
        ).values("client_id")
        qs = qs.filter(
            Q(legal_name__icontains=term)
            | Q(brand_name__icontains=term)
            | Q(inn__startswith=term)
            | Q(pk__in=matching_contacts)
        )
    if filters.account_manager_id:
        qs = qs.filter(account_manager_id=filters.account_manager_id)
    if filters.group_id:
        qs = qs.filter(group_id=filters.group_id)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("legal_name", "pk")


def _people() -> tuple[Prefetch, Prefetch]:
    return (Prefetch("contacts", queryset=Contact.objects.order_by("-is_urgent_contact", "full_name")),
            Prefetch("team_members", queryset=TeamMember.objects.select_related("employee").order_by("service")))


def client_with_people(*, client: Client) -> Client:
    """`client` itself (as read, e.g. by client_get_for) with its contacts (urgent first) and team
    loaded: two queries, for the API's client card, which shows no histories."""
    prefetch_related_objects([client], *_people())
    return client


def client_detail(*, client: Client) -> Client:
    """The client with contacts, team, and histories prefetched for the card (constant queries).

    A client read with its AM, group and agency (as `client_get_for` reads it) gets the lists
    prefetched onto it; any other is read again with them."""
    prefetches = (
        *_people(),
        Prefetch(
            "am_changes",
            queryset=AccountManagerChange.objects.select_related("previous_manager", "new_manager", "changed_by"),
        ),
        Prefetch("lifecycle_transitions", queryset=LifecycleTransition.objects.select_related("changed_by")),
    )
    if all(name in client._state.fields_cache for name in ("account_manager", "group", "agency")):
        prefetch_related_objects([client], *prefetches)
        return client
    return Client.objects.select_related("account_manager", "group", "agency").prefetch_related(*prefetches).get(
        pk=client.pk
    )


def contact_list(*, actor: User, client: Client | None = None, search: str = "") -> QuerySet[Contact]:
    qs = Contact.objects.filter(client__in=clients_visible_to(actor)).select_related("client")
    if client is not None:
        qs = qs.filter(client=client)
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search) | Q(phone__icontains=search))
    return qs.order_by("client_id", "full_name")


SEARCH_MIN_LENGTH = 2


def _text_variants(term: str) -> set[str]:
    """The term as typed, lower-case and capitalised: SQLite's LIKE folds the case of ASCII
    letters only, so «альфа» would not find «Альфа» there (PostgreSQL folds every letter)."""
    return {term, term.lower(), term.capitalize()}


def _any_icontains(fields: tuple[str, ...], term: str) -> Q:
    condition = Q()
    for name in fields:
        for variant in _text_variants(term):
            condition |= Q(**{f"{name}__icontains": variant})
    return condition


def client_search(*, actor: User, query: str, limit: int = 10) -> list[Client]:
    """Visible clients whose legal or brand name contains `query` (any case) or whose INN
    starts with it; at most `limit`, by name. Queries shorter than SEARCH_MIN_LENGTH find
    nothing. One query."""
    term = query.strip()
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    condition = _any_icontains(("legal_name", "brand_name"), term)
    if term.isdigit():
        condition |= Q(inn__startswith=term)
    qs = clients_visible_to(actor).filter(condition).select_related("account_manager")
    return list(qs.order_by("legal_name", "pk")[:limit])


def contact_search(*, actor: User, query: str, limit: int = 10) -> list[Contact]:
    """Contacts of visible clients whose name or e-mail contains `query` (any case), or whose
    phone contains it — digits typed without the phone's spaces, brackets and dashes match too
    («9161234567» finds «+7 (916) 123-45-67») when there are at least five of them. At most
    `limit`, by name. One query."""
    term = query.strip()
    if len(term) < SEARCH_MIN_LENGTH:
        return []
    condition = _any_icontains(("full_name", "email"), term) | Q(phone__icontains=term)
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 5:
        condition |= Q(phone__regex=r"\D*".join(digits))
    qs = Contact.objects.filter(client__in=clients_visible_to(actor)).filter(condition).select_related("client")
    return list(qs.order_by("full_name", "pk")[:limit])


def account_manager_load(employee: Employee) -> int:
    """The AM's load: the number of clients in served statuses where they are responsible."""
    return Client.objects.filter(account_manager=employee, status__in=SERVED_STATUSES).count()


@dataclass(frozen=True)
class Workload:
    employee: Employee
    active_clients: int
    soft_limit: int
    hard_limit: int

    @property
    def state(self) -> str:
        """'ok', 'warning' (above soft limit) or 'over' (above hard limit)."""
        if self.active_clients > self.hard_limit:
            return "over"
        if self.active_clients > self.soft_limit:
            return "warning"
        return "ok"

    @property
    def percent_of_soft(self) -> int:
        return round(100 * self.active_clients / self.soft_limit) if self.soft_limit else 0


def workload_list(*, actor: User, group_id: int | None = None) -> list[Workload]:
    """Load of every active AM and group head (and anyone else carrying clients) in the actor's
    agency, in one query."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    qs = (
        Employee.objects.filter(agency=employee.agency, is_active=True)
        .select_related("agency", "group")
        .annotate(active_clients=Count("managed_clients", filter=Q(managed_clients__status__in=SERVED_STATUSES)))
        # AMs and group heads always; anyone else (a head of accounts) only while carrying clients.
        .filter(Q(role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD]) | Q(active_clients__gt=0))
        .order_by("group__name", "full_name")
    )
    if group_id:
        qs = qs.filter(group_id=group_id)
    return [
        Workload(
            employee=e,
            active_clients=e.active_clients,
            soft_limit=e.effective_soft_limit,
            hard_limit=e.effective_hard_limit,
        )
        for e in qs
    ]


# --- occasions: birthdays of contacts and clients' anniversaries -------------------------------


@dataclass(frozen=True)
class Occasion:
    """A date worth a call or a card: a contact's birthday or the anniversary of the day the
    agency started serving the client (`served_since`), with the years it marks."""

    kind: str  # "birthday" | "anniversary"
    on: date
    client: Client
    contact: Contact | None = None
    years: int | None = None


def _month_day_window(today: date, days: int) -> list[date]:
    return [today + timedelta(days=n) for n in range(days + 1)]


def _month_day_q(field_name: str, window: list[date]) -> Q:
    """Dates whose month and day fall in the window (year ignored); a 29 February counts on
    28 February in a common year."""
    q = Q()
    for day in window:
        q |= Q(**{f"{field_name}__month": day.month, f"{field_name}__day": day.day})
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            q |= Q(**{f"{field_name}__month": 2, f"{field_name}__day": 29})
    return q


def _next_on(original: date, window: list[date]) -> date:
    for day in window:
        if (day.month, day.day) == (original.month, original.day) or (
            (original.month, original.day) == (2, 29) and (day.month, day.day) == (2, 28) and not calendar.isleap(day.year)
        ):
            return day
    return window[0]


def occasions_ahead(*, actor: User, today: date, am_ids: list[int] | None = None, days: int = 7) -> list[Occasion]:
    """Birthdays of the active contacts and anniversaries of the served clients the actor sees,
    from today to `days` ahead, soonest first (two queries)."""
    window = _month_day_window(today, days)
    clients = clients_visible_to(actor).filter(status__in=SERVED_STATUSES)
    if am_ids:
        clients = clients.filter(account_manager_id__in=am_ids)
    found: list[Occasion] = []
    for contact in Contact.objects.filter(
        _month_day_q("birthday", window), client__in=clients, is_active=True, birthday__isnull=False,
    ).select_related("client").only("full_name", "birthday", "position", "phone", "preferred_channel",
                                    "client__brand_name", "client__legal_name", "client__account_manager_id"):
        assert contact.birthday is not None
        on = _next_on(contact.birthday, window)
        found.append(Occasion(kind="birthday", on=on, client=contact.client, contact=contact,
                              years=on.year - contact.birthday.year))
    for client in clients.filter(_month_day_q("served_since", window), served_since__lt=today).only(
        "brand_name", "legal_name", "served_since", "account_manager_id"
    ):
        assert client.served_since is not None
        on = _next_on(client.served_since, window)
        years = on.year - client.served_since.year
        if years >= 1:
            found.append(Occasion(kind="anniversary", on=on, client=client, years=years))
    return sorted(found, key=lambda o: (o.on, o.kind, o.client.display_name))


# --- choosing the account manager ---------------------------------------------------------------

# Which groups fit which service kinds (Group.Kind → ServiceKind values).
GROUP_KIND_SERVICES: dict[str, frozenset[str]] = {
    "seo": frozenset({ServiceKind.SEO, ServiceKind.ANALYTICS}),
    "performance": frozenset({ServiceKind.CONTEXT, ServiceKind.TARGETED, ServiceKind.MEDIA, ServiceKind.SMM,
                              ServiceKind.MARKETPLACE}),
    "non_standard": frozenset({ServiceKind.DEVELOPMENT, ServiceKind.OTHER}),
}
# Points of the ranking; each candidate's reasons list the points it got and why.
POINTS_PER_FREE_PLACE = 6
MAX_HEADROOM_POINTS = 30
OVER_SOFT_LIMIT_POINTS = -25
SAME_GROUP_POINTS = 20
SPECIALTY_FIT_POINTS = 15
SENIOR_FOR_KEY_POINTS = 15
JUNIOR_FOR_KEY_POINTS = -10
RETENTION_POINTS = 30  # × (retention − 0.5) × 2: 100 % retained → +30, half lost → 0, all lost → −30
MIN_SIMILAR_FOR_RETENTION = 2


@dataclass
class Candidate:
    """An AM ranked for a client: the score and, reason by reason, where it came from."""

    employee: Employee
    load: int
    soft_limit: int
    hard_limit: int
    score: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)
    similar_served: int = 0
    similar_lost: int = 0

    @property
    def available(self) -> bool:
        """Below the hard limit after taking the client (above it only the head may force)."""
        return self.load + 1 <= self.hard_limit

    @property
    def reason_rows(self) -> list[dict[str, object]]:
        return [{"label": label, "points": points} for label, points in self.reasons]

    def add(self, label: str, points: int) -> None:
        self.score += points
        self.reasons.append((label, points))


def _client_service_kinds(client: Client) -> set[str]:
    return set(TeamMember.objects.filter(client=client).values_list("service", flat=True))


def account_manager_candidates(*, actor: User, client: Client) -> list[Candidate]:
    """Active AMs and group heads of the agency ranked for `client` (best first), each with its
    reasons: load headroom against the soft limit, the client's group, group kind against the
    client's services, grade against the client's tier, and retention of similar clients (same
    tier) the AM was responsible for — the share that did not leave while with them. The
    client's current AM is left out. Three queries whatever the number of AMs."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    kinds = _client_service_kinds(client)
    managers = (
        Employee.objects.filter(agency=employee.agency, is_active=True,
                                role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD])
        .exclude(pk=client.account_manager_id or 0)
        .select_related("agency", "group")
        .annotate(active_clients=Count("managed_clients", filter=Q(managed_clients__status__in=SERVED_STATUSES)))
        .order_by("full_name")
    )
    # Similar clients each AM was ever responsible for, and how many of them left while the AM
    # was still responsible (their current AM when churned).
    served: defaultdict[int | None, set[int]] = defaultdict(set)
    for manager_id, client_id in AccountManagerChange.objects.filter(
        client__agency_id=employee.agency_id, client__tier=client.tier,
    ).exclude(client=client).values_list("new_manager_id", "client_id"):
        served[manager_id].add(client_id)
    lost: defaultdict[int | None, set[int]] = defaultdict(set)
    for manager_id, client_id in Client.objects.filter(
        agency_id=employee.agency_id, tier=client.tier, status=LifecycleStatus.CHURNED,
    ).exclude(pk=client.pk).values_list("account_manager_id", "id"):
        lost[manager_id].add(client_id)
    result = []
    for m in managers:
        c = Candidate(employee=m, load=m.active_clients, soft_limit=m.effective_soft_limit,
                      hard_limit=m.effective_hard_limit)
        free = c.soft_limit - c.load
        if free > 0:
            c.add(_("свободных мест до мягкого лимита: %(n)s") % {"n": free},
                  min(free * POINTS_PER_FREE_PLACE, MAX_HEADROOM_POINTS))
        else:
            c.add(_("уже на мягком лимите или выше (%(load)s из %(limit)s)") % {"load": c.load, "limit": c.soft_limit},
                  OVER_SOFT_LIMIT_POINTS)
        if client.group_id and m.group_id == client.group_id:
            c.add(_("та же группа"), SAME_GROUP_POINTS)
        group_kind = m.group.kind if m.group is not None else ""
        if kinds and kinds & GROUP_KIND_SERVICES.get(group_kind, frozenset()):
            c.add(_("группа ведёт такие услуги (%(kind)s)") % {"kind": Group.Kind(group_kind).label},
                  SPECIALTY_FIT_POINTS)
        if client.tier == ClientTier.KEY:
            if m.grade == Grade.SENIOR:
                c.add(_("senior для ключевого клиента"), SENIOR_FOR_KEY_POINTS)
            elif m.grade == Grade.JUNIOR:
                c.add(_("junior для ключевого клиента"), JUNIOR_FOR_KEY_POINTS)
        c.similar_served = len(served[m.pk] | lost[m.pk])
        c.similar_lost = len(lost[m.pk])
        if c.similar_served >= MIN_SIMILAR_FOR_RETENTION:
            kept = c.similar_served - c.similar_lost
            share = Decimal(kept) / Decimal(c.similar_served)
            c.add(_("удержал %(kept)s из %(n)s похожих клиентов (%(tier)s)") % {
                "kept": kept, "n": c.similar_served, "tier": client.get_tier_display().lower()},
                int((share - Decimal("0.5")) * 2 * RETENTION_POINTS))
        if not c.available:
            c.add(_("за жёстким лимитом: назначить может только руководитель"), 0)
        result.append(c)
    return sorted(result, key=lambda c: (not c.available, -c.score, c.load, c.employee.full_name))


def import_record_list(*, actor: User) -> QuerySet[ImportRecord]:
    """The agency's applied imports, newest first; empty for those who may not import."""
    employee = actor_employee(actor)
    if employee is None or not can_import_data(actor):
        return ImportRecord.objects.none()
    return ImportRecord.objects.filter(agency_id=employee.agency_id, applied_at__isnull=False).select_related(
        "created_by__employee")
