"""Churn and retention (issue 12): read-only aggregations over clients and their invoices.

Definitions (the one place they are written; pages, exports and the API show these numbers):

- **Start of service** of a client: `Client.served_since` (the first contract's start, or the
  date entered on import), otherwise the day the client was created. Leads (status «Лид») were
  never served and are left out of every figure here.
- **Churn date**: for a client whose status is «Ушёл», the day of that status change
  (`Client.status_changed_at`, written together with its LifecycleTransition). A client won back
  is no longer churned (its earlier churn stays in the status history only).
- **Served during a period** P = [first day, last day]: started on or before P's last day and
  not churned before P's first day. That is the clients served at P's start plus those who
  started during P.
- **Churn rate** of P = clients churned during P ÷ clients served during P, in percent (so it is
  never above 100 %; a client who starts and leaves within P counts in both). By month it is the
  same rule with P = the month; by group, AM (the client's last responsible AM), tier or service
  (each service kind on the client's contract lines; a client with two services counts in both)
  the rule is applied to that slice.
- **Revenue** of a client in a period: the totals (with VAT) of its billed invoices (issued,
  partly paid, paid — not drafts or cancelled) dated within the period. **Lifetime revenue**:
  the same over all time. **Lifetime**: months from the start of service to the churn date
  (or to today for clients still served).
- **Cohort** of a client: the month of its start of service. Client retention of a cohort
  after k months = cohort clients not churned by the end of month (cohort + k) ÷ cohort size.
  Revenue retention after k months = the cohort's revenue in month (cohort + k) ÷ its revenue
  in month 0 (the cohort month itself; none when that is zero).
- **Gross revenue retention** (GRR) of a period P against the base period B (the period of the
  same number of months right before P): over the clients with revenue in B,
  Σ min(revenue in P, revenue in B) ÷ Σ revenue in B. It ignores expansion, so it is at most
  100 %; it counts downgrades and churn (revenue 0 in P).
- **Net revenue retention** (NRR): over the same clients, Σ revenue in P ÷ Σ revenue in B
  (without the cap, so expansion counts and it may exceed 100 %). Clients new in P are in
  neither figure.

Every selector takes the actor and works only on the clients the actor sees
(`tandem.clients.permissions.clients_visible_to`); who may open the reports at all is
`tandem.reports.permissions.can_view_retention`. The queries are aggregates in SQL with a
number of queries that does not grow with the number of clients.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.billing.calc import percent
from tandem.billing.models import BILLED_STATUSES, Invoice
from tandem.clients.models import ChurnReason, Client, ClientTier, LifecycleStatus, ServiceKind
from tandem.clients.permissions import clients_visible_to
from tandem.core.db import replica_reads
from tandem.core.money import ZERO, to_money
from tandem.core.months import add_months
from tandem.org.models import User

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
DIMENSIONS = ("group", "am", "tier", "service")
MAX_PERIOD_MONTHS = 24


# --- periods ---------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True)
class Period:
    """Whole months: from the first day of `start`'s month to the last day of `end`'s."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        result, month = [], month_start(self.start)
        while month <= self.end:
            result.append(month)
            month = add_months(month, 1)
        return result

    @property
    def month_count(self) -> int:
        return len(self.months)

    def previous(self) -> Period:
        """The base period: as many months, right before this one."""
        first = add_months(self.start, -self.month_count)
        return Period(start=first, end=self.start - timedelta(days=1))


def period_of(*, last_month: date, months: int) -> Period:
    """`months` whole months ending with `last_month` (1…MAX_PERIOD_MONTHS)."""
    months = max(1, min(months, MAX_PERIOD_MONTHS))
    return Period(start=add_months(last_month, -(months - 1)), end=month_end(last_month))


def default_period(today: date | None = None, months: int = 12) -> Period:
    today = today or timezone.localdate()
    return period_of(last_month=today, months=months)


# --- scope and per-client expressions ----------------------------------------------------------

# Cheap column expressions (no subqueries), so that they may be repeated in many conditional
# counts of one query.
START_ON = Coalesce(F("served_since"), TruncDate("created_at"), output_field=DateField())
CHURNED_ON = Case(
    When(status=LifecycleStatus.CHURNED,
         then=Coalesce(TruncDate("status_changed_at"), TruncDate("updated_at"), output_field=DateField())),
    default=None, output_field=DateField(),
)


def retention_clients(*, actor: User) -> QuerySet[Client]:
    """Clients the actor sees that were ever served (not leads), with `start_on` and
    `churned_on` (None unless churned) annotated."""
    return (
        clients_visible_to(actor)
        .exclude(status=LifecycleStatus.LEAD)
        .annotate(start_on=START_ON, churned_on=CHURNED_ON)
    )


def _served_in(first: date, last: date) -> Q:
    return Q(start_on__lte=last) & (Q(churned_on__isnull=True) | Q(churned_on__gte=first))


def _rate(part: int, whole: int) -> Decimal | None:
    return percent(Decimal(part), Decimal(whole))


def _lifetime_revenue() -> Coalesce:
    return Coalesce(
        Subquery(
            Invoice.objects.filter(client_id=OuterRef("pk"), status__in=BILLED_STATUSES)
            .order_by().values("client_id").annotate(s=Sum("total")).values("s")[:1],
            output_field=MONEY_FIELD,
        ),
        Value(ZERO), output_field=MONEY_FIELD,
    )


# --- churn rate --------------------------------------------------------------------------------


@dataclass
class ChurnMonth:
    month: date
    active_at_start: int
    new: int
    churned: int

    @property
    def served(self) -> int:
        return self.active_at_start + self.new

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.churned, self.served)


@dataclass
class ChurnRow:
    """One slice (a group, an AM, a tier or a service) over the whole period."""

    key: str
    label: str
    served: int
    churned: int

    @property
    def rate(self) -> Decimal | None:
        return _rate(self.churned, self.served)


@dataclass
class ChurnReport:
    period: Period
    months: list[ChurnMonth]
    total: ChurnRow


@replica_reads
def churn_by_month(*, actor: User, period: Period) -> ChurnReport:
    """Per month of the period: clients served at the month's start, new in it, churned in it and
    the churn rate; plus the period's total. One aggregate query."""
    sums: dict[str, Count] = {
        "served": Count("pk", filter=_served_in(period.start, period.end)),
        "churned": Count("pk", filter=Q(churned_on__gte=period.start, churned_on__lte=period.end)),
    }
    for i, month in enumerate(period.months):
        last = month_end(month)
        sums[f"a{i}"] = Count("pk", filter=_served_in(month, month) & Q(start_on__lt=month))
        sums[f"n{i}"] = Count("pk", filter=Q(start_on__gte=month, start_on__lte=last))
        sums[f"c{i}"] = Count("pk", filter=Q(churned_on__gte=month, churned_on__lte=last))
    row = retention_clients(actor=actor).aggregate(**sums)
    months = [
        ChurnMonth(month=month, active_at_start=row[f"a{i}"], new=row[f"n{i}"], churned=row[f"c{i}"])
        for i, month in enumerate(period.months)
    ]
    total = ChurnRow(key="total", label=_("Итого"), served=row["served"], churned=row["churned"])
    return ChurnReport(period=period, months=months, total=total)


@replica_reads
def churn_by(*, actor: User, period: Period, by: str) -> list[ChurnRow]:
    """Churn rate of the period per group, AM (the client's last responsible AM), tier or service
    kind (from the client's contract lines; a client counts once per kind). One aggregate query;
    rows sorted by the rate, highest first, then by name."""
    if by not in DIMENSIONS:
        by = "group"
    qs = retention_clients(actor=actor).filter(_served_in(period.start, period.end))
    fields = {
        "group": ("group_id", "group__name"),
        "am": ("account_manager_id", "account_manager__full_name"),
        "tier": ("tier",),
        "service": ("contracts__lines__service__kind",),
    }[by]
    churned = Q(churned_on__gte=period.start, churned_on__lte=period.end)
    rows = []
    for g in qs.order_by().values(*fields).annotate(
        served=Count("pk", distinct=True), churned=Count("pk", filter=churned, distinct=True)
    ):
        key = g[fields[0]]
        if by == "group":
            label = g["group__name"] if key is not None else _("Без группы")
        elif by == "am":
            label = g["account_manager__full_name"] if key is not None else _("Без аккаунта")
        elif by == "tier":
            label = str(ClientTier(key).label) if key in ClientTier.values else str(key)
        else:
            label = str(ServiceKind(key).label) if key in ServiceKind.values else _("Без договора")
        rows.append(ChurnRow(key="" if key is None else str(key), label=label,
                             served=g["served"], churned=g["churned"]))
    rows.sort(key=lambda r: (-(r.rate or 0), r.label))
    return rows


# --- reasons and lifetime ----------------------------------------------------------------------


@dataclass
class ReasonRow:
    reason: str
    label: str
    count: int
    share: Decimal | None
    lifetime_revenue: Decimal


@replica_reads
def churn_reasons(*, actor: User, period: Period) -> list[ReasonRow]:
    """Clients churned during the period by churn reason: count, share of all churned, and the
    lifetime revenue of those clients (what the agency had billed them). Two aggregate queries."""
    churned = retention_clients(actor=actor).filter(churned_on__gte=period.start, churned_on__lte=period.end)  # type: ignore[misc]
    counts = {r["churn_reason"]: r["n"] for r in churned.order_by().values("churn_reason").annotate(n=Count("pk"))}
    revenue = {
        r["client__churn_reason"]: to_money(r["s"] or ZERO)
        for r in Invoice.objects.filter(client__in=churned.values("pk"), status__in=BILLED_STATUSES)
        .order_by().values("client__churn_reason").annotate(s=Sum("total"))
    }
    total = sum(counts.values())
    rows = [
        ReasonRow(reason=key, label=str(ChurnReason(key).label) if key in ChurnReason.values else key or "—",
                  count=n, share=_rate(n, total), lifetime_revenue=revenue.get(key, ZERO))
        for key, n in counts.items()
    ]
    rows.sort(key=lambda r: (-r.count, r.label))
    return rows


@dataclass
class LifetimeSummary:
    """Clients churned in the period: how long they stayed and what they brought; and the same
    for the clients still served at the period's end."""

    churned_count: int
    churned_avg_months: Decimal | None
    churned_avg_revenue: Decimal | None
    served_count: int
    served_avg_months: Decimal | None
    served_avg_revenue: Decimal | None


def _months_between(first: date, last: date) -> Decimal:
    return (Decimal((last - first).days) / Decimal("30.4375")).quantize(Decimal("0.1"))


@replica_reads
def lifetime_summary(*, actor: User, period: Period, today: date | None = None) -> LifetimeSummary:
    """Average lifetime (months) and lifetime revenue of the clients churned in the period, and of
    the clients served at its end (their lifetime so far, to `today` or the period's end).
    Four aggregate queries; the average lifetime is the average of day counts, summed in SQL as
    Σ(end) − Σ(start) over day ordinals would need vendor SQL, so the dates are read grouped by
    (start, end) — at most one row per distinct pair."""
    today = min(today or timezone.localdate(), period.end)
    base = retention_clients(actor=actor)
    churned = base.filter(churned_on__gte=period.start, churned_on__lte=period.end)  # type: ignore[misc]
    served = base.filter(start_on__lte=period.end).filter(Q(churned_on__isnull=True) | Q(churned_on__gt=period.end))  # type: ignore[misc]

    def stats(qs: QuerySet[Client], end_of: str | None) -> tuple[int, Decimal | None, Decimal | None]:
        days, count = 0, 0
        group = ("start_on", end_of) if end_of else ("start_on",)
        for g in qs.order_by().values(*group).annotate(n=Count("pk")):
            end = g[end_of] if end_of else today
            days += max((end - g["start_on"]).days, 0) * g["n"]
            count += g["n"]
        if not count:
            return 0, None, None
        billed = Invoice.objects.filter(client__in=qs.values("pk"), status__in=BILLED_STATUSES).aggregate(
            s=Sum("total"))["s"] or ZERO
        avg_days = Decimal(days) / count
        return count, (avg_days / Decimal("30.4375")).quantize(Decimal("0.1")), to_money(to_money(billed) / count)

    c_n, c_months, c_rev = stats(churned, "churned_on")
    s_n, s_months, s_rev = stats(served, None)
    return LifetimeSummary(c_n, c_months, c_rev, s_n, s_months, s_rev)


# --- cohorts -----------------------------------------------------------------------------------


@dataclass
class CohortRow:
    cohort: date
    size: int
    # Index k: month cohort + k, up to the period's last month.
    retained: list[int] = field(default_factory=list)
    revenue: list[Decimal] = field(default_factory=list)

    @property
    def client_percents(self) -> list[Decimal | None]:
        return [_rate(n, self.size) for n in self.retained]

    @property
    def revenue_percents(self) -> list[Decimal | None]:
        base = self.revenue[0] if self.revenue else ZERO
        return [percent(r, base) for r in self.revenue]


@dataclass
class CohortReport:
    period: Period
    rows: list[CohortRow]

    @property
    def width(self) -> int:
        return max((len(r.retained) for r in self.rows), default=0)


@replica_reads
def cohort_retention(*, actor: User, period: Period) -> CohortReport:
    """Cohorts of clients by the month they started in (months of the period), with the number
    still served at the end of each later month and the cohort's revenue in each month, up to the
    period's last month. Two aggregate queries (cohort × churn month, cohort × invoice month)."""
    months = period.months
    cohort_clients = retention_clients(actor=actor).filter(  # type: ignore[misc]  # annotated fields
        start_on__gte=period.start, start_on__lte=period.end)
    churn_counts: dict[date | None, dict[date | None, int]] = {}
    for g in (
        cohort_clients.annotate(cohort=TruncMonth("start_on", output_field=DateField()),
                                churn_month=TruncMonth("churned_on", output_field=DateField()))
        .order_by().values("cohort", "churn_month").annotate(n=Count("pk"))
    ):
        churn_counts.setdefault(_as_date(g["cohort"]), {})[_as_date(g["churn_month"])] = g["n"]
    revenue: dict[tuple[date | None, date | None], Decimal] = {}
    invoice_start = Coalesce(F("client__served_since"), TruncDate("client__created_at"), output_field=DateField())
    for inv in (
        Invoice.objects.filter(client__in=cohort_clients.values("pk"), status__in=BILLED_STATUSES,
                               date__gte=period.start, date__lte=period.end)
        .annotate(cohort=TruncMonth(invoice_start, output_field=DateField()),
                  month=TruncMonth("date", output_field=DateField()))
        .order_by().values("cohort", "month").annotate(s=Sum("total"))
    ):
        revenue[(_as_date(inv["cohort"]), _as_date(inv["month"]))] = to_money(inv["s"] or ZERO)
    rows = []
    for cohort in months:
        churns = churn_counts.get(cohort)
        if not churns:
            continue
        row = CohortRow(cohort=cohort, size=sum(churns.values()))
        for month in months[months.index(cohort):]:
            churned_by = sum(n for m, n in churns.items() if m is not None and m <= month)
            row.retained.append(row.size - churned_by)
            row.revenue.append(revenue.get((cohort, month), ZERO))
        rows.append(row)
    return CohortReport(period=period, rows=rows)


def _as_date(value: date | None) -> date | None:
    """TruncMonth gives a datetime on some backends for some inputs; months are dates here."""
    if value is None:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- revenue retention ---------------------------------------------------------------------------


@dataclass
class RevenueRetention:
    """GRR and NRR of `period` against `base` (see the module docstring)."""

    period: Period
    base: Period
    clients: int
    base_revenue: Decimal
    kept_revenue: Decimal
    current_revenue: Decimal

    @property
    def grr(self) -> Decimal | None:
        return percent(self.kept_revenue, self.base_revenue)

    @property
    def nrr(self) -> Decimal | None:
        return percent(self.current_revenue, self.base_revenue)


@replica_reads
def revenue_retention(*, actor: User, period: Period) -> RevenueRetention:
    """GRR and NRR of the period against the months right before it. One aggregate query."""
    return _retention_windows(actor=actor, windows=[(period.previous(), period)])[0]


@replica_reads
def revenue_retention_by_month(*, actor: User, period: Period) -> list[RevenueRetention]:
    """For each month of the period, GRR and NRR against the month before. One aggregate query
    (one revenue subquery per month, computed once per client)."""
    months = [Period(start=m, end=month_end(m)) for m in period.months]
    return _retention_windows(actor=actor, windows=[(m.previous(), m) for m in months])


@replica_reads
def revenue_retention_with_months(*, actor: User, period: Period) -> tuple[RevenueRetention, list[RevenueRetention]]:
    """`revenue_retention` and `revenue_retention_by_month` of the same period in one query (the
    head's dashboard shows both; the windows share the per-client pass over the invoices)."""
    months = [Period(start=m, end=month_end(m)) for m in period.months]
    rows = _retention_windows(actor=actor, windows=[(period.previous(), period), *[(m.previous(), m) for m in months]])
    return rows[0], rows[1:]


def _retention_windows(*, actor: User, windows: list[tuple[Period, Period]]) -> list[RevenueRetention]:
    """One query: the visible clients' billed invoices within the windows, summed per client and
    window in an inner GROUP BY, then GRR/NRR sums over those per-client rows (Django wraps the
    grouped query as a subquery). The cap min(now, base) is a CASE, portable to SQLite."""
    spans: dict[tuple[date, date], str] = {}
    for base, current in windows:
        for p in (base, current):
            spans.setdefault((p.start, p.end), f"r{len(spans)}")
    first = min(start for start, _end in spans)
    last = max(end for _start, end in spans)
    per_client = (
        Invoice.objects.filter(
            client__in=clients_visible_to(actor).exclude(status=LifecycleStatus.LEAD).values("pk"),
            status__in=BILLED_STATUSES, date__gte=first, date__lte=last,
        )
        .order_by().values("client_id")
        .annotate(**{
            alias: Coalesce(Sum("total", filter=Q(date__gte=start, date__lte=end)), Value(ZERO),
                            output_field=MONEY_FIELD)
            for (start, end), alias in spans.items()
        })
    )
    sums: dict[str, Sum | Count] = {}
    for i, (base, current) in enumerate(windows):
        b, c = spans[(base.start, base.end)], spans[(current.start, current.end)]
        had = Q(**{f"{b}__gt": 0})
        sums[f"n{i}"] = Count("client_id", filter=had)
        sums[f"b{i}"] = Sum(b, filter=had)
        sums[f"k{i}"] = Sum(Case(When(**{f"{c}__lt": F(b)}, then=F(c)), default=F(b), output_field=MONEY_FIELD),
                            filter=had)
        sums[f"c{i}"] = Sum(c, filter=had)
    row = per_client.aggregate(**sums)
    return [
        RevenueRetention(
            period=current, base=base, clients=row[f"n{i}"] or 0,
            base_revenue=to_money(row[f"b{i}"] or ZERO), kept_revenue=to_money(row[f"k{i}"] or ZERO),
            current_revenue=to_money(row[f"c{i}"] or ZERO),
        )
        for i, (base, current) in enumerate(windows)
    ]


# --- win-back list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WinbackFilters:
    reason: str = ""
    start: date | None = None
    end: date | None = None


def winback_list(*, actor: User, filters: WinbackFilters | None = None) -> QuerySet[Client]:
    """Churned clients the actor sees, most recent churn first, with `start_on`, `churned_on`
    and `lifetime_revenue` annotated and the last responsible AM and group joined; optionally
    only one churn reason and churns within [start, end]. One query per page."""
    filters = filters or WinbackFilters()
    qs = retention_clients(actor=actor).filter(status=LifecycleStatus.CHURNED)
    if filters.reason:
        qs = qs.filter(churn_reason=filters.reason)
    if filters.start:
        qs = qs.filter(churned_on__gte=filters.start)  # type: ignore[misc]
    if filters.end:
        qs = qs.filter(churned_on__lte=filters.end)  # type: ignore[misc]
    return (
        qs.annotate(lifetime_revenue=_lifetime_revenue())
        .select_related("account_manager", "group")
        .order_by(F("status_changed_at").desc(nulls_last=True), "pk")
    )


def lifetime_months(client: Client) -> Decimal | None:
    """Months from the start of service to the churn date of a `winback_list` row."""
    start, end = getattr(client, "start_on", None), getattr(client, "churned_on", None)
    if start is None or end is None:
        return None
    return _months_between(start, end)
