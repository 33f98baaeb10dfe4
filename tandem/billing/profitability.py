"""Profitability per client, project, AM or group for a period.

revenue      — net of VAT; by acts (acts dated in the period) or by payments (allocations of
               payments dated in the period, each net of its invoice's VAT share; unallocated
               advances are not revenue yet);
staff cost   — time entries × cost rate (tandem.work stores the cost on each entry;
               `time_by_client` for clients, TimeEntry by project);
subcontractor cost — billing.SubcontractorCost dated in the period (client level);
margin = revenue − staff cost − subcontractor cost; margin % = margin / revenue;
effective hourly rate = revenue / hours; hours per 1000 ₽ of revenue. Negative margins are flagged.

AM and group follow the AM responsible at the time (tandem.clients AccountManagerChange, as
payments do for plans): revenue on the act or payment date, staff cost and hours on the time
entry's date and subcontractor cost on its month go to the AM responsible for the client that
day, and to that AM's group (the client's group when there was no AM or the AM has none). A
client whose AM changed in the period therefore appears under both AMs with its two parts.
Revenue of a project is that of the invoice lines billing one of its contract lines (act lines
through the invoice line they close). Revenue and costs that belong to no project
(subcontractors, invoice lines without a contract line) appear under a client's «Без проекта»
row when grouping by project; `invoice_lines_without_project` lists those lines so that someone
attributes them (billing.services.invoice_line_set_contract_line).
A constant number of queries whatever the number of clients.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from tandem.core.money import ZERO, to_money
from tandem.org.models import Employee, User
from tandem.work.models import Project, TimeEntry, TimeMonthRollup
from tandem.work.selectors import time_by_client, time_totals, whole_months

from . import permissions
from .models import BILLED_STATUSES, Act, ActLine, InvoiceLine, PaymentAllocation, SubcontractorCost

GROUPINGS = ("client", "project", "am", "group")
BASES = ("acts", "payments")


@dataclass
class ProfitRow:
    key: int | str | None
    label: str
    client_id: int | None = None
    revenue: Decimal = ZERO
    staff_cost: Decimal = ZERO
    subcontractor_cost: Decimal = ZERO
    hours: Decimal = ZERO
    # Loyalty and manual discounts given on the period's invoices, net of VAT (by client and by
    # project only: revenue by AM or group follows who served the client on each day).
    discount: Decimal = ZERO
    children: list[ProfitRow] = field(default_factory=list)
    # A client's «Без проекта» row (by project): its invoice lines are listed by
    # `invoice_lines_without_project` so that someone can attribute them.
    without_project: bool = False

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.staff_cost - self.subcontractor_cost

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.01"))

    @property
    def effective_hourly_rate(self) -> Decimal | None:
        return to_money(self.revenue / self.hours) if self.hours else None

    @property
    def hours_per_1000_rub(self) -> Decimal | None:
        return (self.hours * 1000 / self.revenue).quantize(Decimal("0.0001")) if self.revenue else None

    @property
    def negative(self) -> bool:
        return self.margin < 0

    def add(self, other: ProfitRow) -> None:
        self.revenue += other.revenue
        self.staff_cost += other.staff_cost
        self.subcontractor_cost += other.subcontractor_cost
        self.hours += other.hours
        self.discount += other.discount


@dataclass
class ProfitReport:
    start: date
    end: date
    by: str
    basis: str
    rows: list[ProfitRow]
    total: ProfitRow


def project_label(client_name: str, project_name: str) -> str:
    """A project as «Клиент — Услуга», the client named once: projects opened at signing are
    already named so (tandem.work.services.contract_sign); others get the client in front."""
    if project_name.startswith(f"{client_name} — ") or project_name == client_name:
        return project_name
    return f"{client_name} — {project_name}"


def _net(amount: Decimal, gross_total: Decimal, net_total: Decimal) -> Decimal:
    if not gross_total:
        return amount
    return amount * net_total / gross_total


# `_net` of an act line in SQL (amount × (act total − VAT) / act total; the amount itself for a
# zero act), kept with 12 decimals so that rounding happens once, on the sum, as in Python.
_ACT_LINE_NET = Case(
    When(act__total=0, then=F("amount")),
    default=F("amount") * (F("act__total") - F("act__vat_amount")) / F("act__total"),
    output_field=DecimalField(max_digits=28, decimal_places=12),
)


@dataclass(frozen=True)
class _GroupInfo:
    pk: int
    name: str


@dataclass(frozen=True)
class _ClientInfo:
    """What the report needs of a client: its name and group (for "by group" without an AM)."""

    pk: int
    display_name: str
    group: _GroupInfo | None


@dataclass
class _Dated:
    """Amounts per (client, day), to be attributed to whoever was the AM on that day."""

    revenue: dict[tuple[int, date], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    sub_cost: dict[tuple[int, date], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))


def _rows_by_responsible(
    *, clients: dict[int, _ClientInfo], dated: _Dated, by: str, start: date, end: date, agency_id: int,
    visible: Callable[[str], dict[str, Any]],
) -> dict[int | str | None, ProfitRow]:
    """AM or group rows with per-client children, every amount attributed to the AM responsible
    for the client on its date. Four queries: time per client (per month from the rollup for
    whole months, per day for partial edge months), AM history (two), the AMs involved; a fifth,
    the days of a month, only for clients whose AM changed within a whole month of the period."""
    from .selectors import am_resolver  # selectors re-exports this module

    time_rows, month_rows = _time_by_client_day_or_month(start=start, end=end, agency_id=agency_id,
                                                         visible=visible("client_id"))
    # (client, day) -> [revenue, staff cost, subcontractor cost, hours]
    facts: dict[tuple[int, date], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for fact_key, amount in dated.revenue.items():
        facts[fact_key][0] += amount
    for fact_key, amount in dated.sub_cost.items():
        facts[fact_key][2] += amount
    resolve = am_resolver({client_id for client_id, _day in facts} | {client_id for client_id, _m, _c, _h in month_rows})
    split: list[tuple[int, date]] = []
    for client_id, month, cost, hours in month_rows:
        if resolve.changes_within(client_id, month, _month_last_day(month)):
            split.append((client_id, month))  # the AM changed within the month: its days one by one
        else:  # one AM all month: the month's time is attributed on its first day
            time_rows.append((client_id, month, cost, hours))
    if split:
        time_rows += _time_days_of_months(split, agency_id=agency_id)
    for client_id, day, cost, hours in time_rows:
        facts[(client_id, day)][1] += cost or ZERO
        facts[(client_id, day)][3] += hours or ZERO
    children: dict[tuple[int | None, int], ProfitRow] = {}
    for (client_id, day), (rev, staff, sub, hours) in facts.items():
        child_key = (resolve(client_id, day), client_id)
        child = children.get(child_key)
        if child is None:
            child = children[child_key] = ProfitRow(key=client_id, label=clients[client_id].display_name,
                                              client_id=client_id)
        child.add(ProfitRow(key=None, label="", revenue=rev, staff_cost=staff, subcontractor_cost=sub, hours=hours))
    managers = {
        e.pk: e for e in Employee.objects.filter(pk__in={am for am, _c in children if am is not None})
        .select_related("group").only("id", "full_name", "group__id", "group__name")
    }
    rows: dict[int | str | None, ProfitRow] = {}
    for (am_id, client_id), child in sorted(children.items(), key=lambda kv: kv[1].label):
        child.revenue = to_money(child.revenue)
        child.staff_cost = to_money(child.staff_cost)
        child.subcontractor_cost = to_money(child.subcontractor_cost)
        manager = managers.get(am_id) if am_id is not None else None
        if by == "am":
            key, label = (manager.pk, manager.full_name) if manager else (None, _("Без аккаунта"))
        else:
            grp = manager.group if manager and manager.group_id else clients[client_id].group
            key, label = (grp.pk, grp.name) if grp else (None, _("Без группы"))
        parent = rows.setdefault(key, ProfitRow(key=key, label=label))
        parent.add(child)
        parent.children.append(child)
    return rows


def _month_last_day(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1) - timedelta(days=1)


_TimeRow = tuple[int, date, Decimal, Decimal]  # client, day or month, cost, hours


def _time_by_client_day_or_month(
    *, start: date, end: date, agency_id: int, visible: dict[str, Any],
) -> tuple[list[_TimeRow], list[_TimeRow]]:
    """Time cost and hours of start..end in one query: per (client, day) for the days of partial
    months at the edges (raw rows), per (client, month) for whole months (the month rollup)."""
    raw_visible = {f"project__{name}": ids for name, ids in visible.items()}
    raw = TimeEntry.objects.filter(project__agency_id=agency_id, **raw_visible)
    months = whole_months(start, end)
    ranges = [(start, end)] if months is None else [
        (lo, hi) for lo, hi in ((start, months[0] - timedelta(days=1)), (months[1], end)) if lo <= hi
    ]
    parts: list[QuerySet[Any]] = [
        raw.filter(date__gte=lo, date__lte=hi).annotate(k=F("project__client_id"), d=F("date"), whole=Value(0))
        .values("k", "d", "whole") for lo, hi in ranges
    ]
    if months is not None:
        parts.append(TimeMonthRollup.objects.filter(agency_id=agency_id, month__gte=months[0], month__lt=months[1],
                                                    **visible)
                     .annotate(k=F("client_id"), d=F("month"), whole=Value(1)).values("k", "d", "whole"))
    queries = [p.annotate(c=Sum("cost"), h=Sum("hours")).values_list("k", "d", "whole", "c", "h").order_by()
               for p in parts]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    days: list[_TimeRow] = []
    whole: list[_TimeRow] = []
    for client_id, day, is_month, cost, hours in rows:
        (whole if is_month else days).append((client_id, day, cost or ZERO, hours or ZERO))
    return days, whole


def _time_days_of_months(client_months: list[tuple[int, date]], *, agency_id: int) -> list[_TimeRow]:
    """Time cost and hours per (client, day) of these client-months, from the raw rows."""
    which = Q()
    for client_id, month in client_months:
        which |= Q(project__client_id=client_id, date__gte=month, date__lte=_month_last_day(month))
    return [
        (client_id, day, cost or ZERO, hours or ZERO)
        for client_id, day, cost, hours in TimeEntry.objects.filter(which, project__agency_id=agency_id)
        .values("project__client_id", "date").annotate(c=Sum("cost"), h=Sum("hours")).order_by()
        .values_list("project__client_id", "date", "c", "h")
    ]


# The discount of an invoice line net of VAT: (list amount − amount) × subtotal / total.
_LINE_DISCOUNT_NET = Case(
    When(invoice__total=0, then=F("list_amount") - F("amount")),
    default=ExpressionWrapper(
        (F("list_amount") - F("amount")) * F("invoice__subtotal") / F("invoice__total"),
        output_field=DecimalField(max_digits=30, decimal_places=12),
    ),
    output_field=DecimalField(max_digits=30, decimal_places=12),
)


def _add_discounts(
    rows: dict[int | str | None, ProfitRow], *, by: str, agency_id: int, start: date, end: date,
    visible: Any,
) -> None:
    """Discounts of the invoices dated in the period (issued, partly paid or paid), by the row's
    client, or by project (a client's lines without a project go to its «Без проекта» row)."""
    lines = InvoiceLine.objects.filter(
        invoice__agency_id=agency_id, invoice__date__gte=start, invoice__date__lte=end,
        invoice__status__in=BILLED_STATUSES, discount_percent__gt=0, **visible("invoice__client_id"),
    ).order_by()
    if by == "client":
        for client_id, amount in lines.values_list("invoice__client_id").annotate(s=Sum(_LINE_DISCOUNT_NET)):
            if client_id in rows:
                rows[client_id].discount = to_money(amount)
        return
    for client_id, project_id, amount in lines.values_list(
        "invoice__client_id", "contract_line__project"
    ).annotate(s=Sum(_LINE_DISCOUNT_NET)):
        key = project_id if project_id is not None else f"c{client_id}"
        if key in rows:
            rows[key].discount = to_money(amount)


def profitability(*, actor: User, start: date, end: date, by: str = "client", basis: str = "acts") -> ProfitReport:
    """Rows for the clients whose money the actor sees (none for specialists), sorted by margin
    ascending so that losses come first; `children` of an AM/group row are its clients."""
    by = by if by in GROUPINGS else "client"
    basis = basis if basis in BASES else "acts"
    # Plain rows, not models: an agency's thousand clients with their groups cost more to build
    # as model instances than the revenue query takes.
    clients = {
        pk: _ClientInfo(pk=pk, display_name=brand or legal,
                        group=_GroupInfo(pk=group_id, name=group_name) if group_id is not None else None)
        for pk, brand, legal, group_id, group_name in permissions.money_clients_visible_to(actor)
        .values_list("id", "brand_name", "legal_name", "group_id", "group__name")
    }
    employee = permissions.actor_employee(actor)
    total = ProfitRow(key="total", label=_("Итого"))
    if not clients or employee is None:
        return ProfitReport(start, end, by, basis, [], total)
    agency_id = employee.agency_id
    sees_all = employee.role in permissions.MONEY_ALL_ROLES

    def visible(path: str) -> dict[str, Any]:
        """The filter to the visible clients; none when the actor sees the whole agency's money
        (the list would be every client id, and the agency filter already says it)."""
        return {} if sees_all else {f"{path}__in": list(clients)}

    # revenue per (client, project or None), net of VAT; and per (client, day) for AM attribution
    revenue: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
    dated = _Dated()
    if basis == "acts":
        # Summed in SQL, grouped only as finely as the grouping needs: per client, per
        # (client, project), or per (client, act date) for AM/group attribution.
        lines = ActLine.objects.filter(
            act__agency_id=agency_id, act__date__gte=start, act__date__lte=end, **visible("act__client_id")
        ).order_by()
        if by in ("am", "group"):
            for client_id, day, net in lines.values_list("act__client_id", "act__date").annotate(s=Sum(_ACT_LINE_NET)):
                dated.revenue[(client_id, day)] += net
        else:
            detail = "invoice_line__contract_line__project" if by == "project" else "act__client_id"
            for client_id, project_id, net in lines.values_list("act__client_id", detail).annotate(
                s=Sum(_ACT_LINE_NET)
            ):
                revenue[(client_id, project_id if by == "project" else None)] += net
    else:
        for inv_id, client_id, amount, inv_total, inv_sub, day in PaymentAllocation.objects.filter(
            invoice__agency_id=agency_id, payment__date__gte=start, payment__date__lte=end,
            **visible("invoice__client_id"),
        ).values_list("invoice_id", "invoice__client_id", "amount", "invoice__total", "invoice__subtotal",
                      "payment__date"):
            net = _net(amount, inv_total, inv_sub)
            revenue[(client_id, -inv_id)] += net  # split to projects below
            dated.revenue[(client_id, day)] += net
        if by == "project" and revenue:
            shares: dict[int, list[tuple[int | None, Decimal]]] = defaultdict(list)
            inv_totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
            for inv_id, project_id, amount in InvoiceLine.objects.filter(
                invoice_id__in=[-k[1] for k in revenue if k[1] is not None]
            ).values_list("invoice_id", "contract_line__project", "amount"):
                shares[inv_id].append((project_id, amount))
                inv_totals[inv_id] += amount
            split: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
            for (client_id, neg_inv), amount in revenue.items():
                invoice_id = -neg_inv if neg_inv is not None else 0
                parts = shares.get(invoice_id) or [(None, Decimal("1"))]
                whole = inv_totals.get(invoice_id) or Decimal("1")
                for share_project_id, part in parts:
                    split[(client_id, share_project_id)] += amount * part / whole
            revenue = split
        else:
            collapsed: dict[tuple[int, int | None], Decimal] = defaultdict(lambda: ZERO)
            for (client_id, _inv), amount in revenue.items():
                collapsed[(client_id, None)] += amount
            revenue = collapsed

    sub_cost: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for client_id, day, amount in (
        SubcontractorCost.objects.filter(agency_id=agency_id, date__gte=start, date__lte=end, **visible("client_id"))
        .values("client_id", "date").annotate(s=Sum("amount")).values_list("client_id", "date", "s").order_by()
    ):
        sub_cost[client_id] += amount or ZERO
        dated.sub_cost[(client_id, day)] += amount or ZERO

    rows: dict[int | str | None, ProfitRow] = {}
    if by == "project":
        projects = {
            p.pk: p for p in Project.objects.filter(agency_id=agency_id, client_id__in=clients).only("id", "name", "client_id")
        }
        time = time_totals(start=start, end=end, by="project", project=list(projects))
        for pid, project in projects.items():
            cost, logged = time.get(pid, (ZERO, ZERO))
            rev = revenue.get((project.client_id, pid), ZERO)
            if not (cost or logged or rev):
                continue
            client = clients[project.client_id]
            rows[pid] = ProfitRow(key=pid, label=project_label(client.display_name, project.name), client_id=client.pk,
                                  revenue=to_money(rev), staff_cost=cost, hours=logged)
        for client_id, client in clients.items():
            rev = revenue.get((client_id, None), ZERO)
            sub = sub_cost.get(client_id, ZERO)
            if rev or sub:
                rows[f"c{client_id}"] = ProfitRow(
                    key=f"c{client_id}", label=f"{client.display_name} — {gettext('Без проекта')}",
                    client_id=client_id, revenue=to_money(rev), subcontractor_cost=sub, without_project=bool(rev),
                )
    elif by in ("am", "group"):
        rows = _rows_by_responsible(clients=clients, dated=dated, by=by, start=start, end=end, agency_id=agency_id,
                                    visible=visible)
    else:
        time_spent = time_by_client(start=start, end=end, agency=agency_id)
        costs = {client_id: cost for client_id, (cost, _h) in time_spent.items()}
        hours = {client_id: h for client_id, (_c, h) in time_spent.items()}
        per_client: dict[int | str | None, ProfitRow] = {}
        rev_by_client: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for (client_id, _p), amount in revenue.items():
            rev_by_client[client_id] += amount
        for client_id, client in clients.items():
            row = ProfitRow(
                key=client_id, label=client.display_name, client_id=client_id,
                revenue=to_money(rev_by_client.get(client_id, ZERO)),
                staff_cost=costs.get(client_id, ZERO), subcontractor_cost=sub_cost.get(client_id, ZERO),
                hours=hours.get(client_id, ZERO),
            )
            if row.revenue or row.staff_cost or row.subcontractor_cost or row.hours:
                per_client[client_id] = row
        rows = dict(per_client)
    if by in ("client", "project"):
        _add_discounts(rows, by=by, agency_id=agency_id, start=start, end=end, visible=visible)
    for row in rows.values():
        row.revenue = to_money(row.revenue)
        row.staff_cost = to_money(row.staff_cost)
        row.subcontractor_cost = to_money(row.subcontractor_cost)
        total.add(row)
    total.revenue = to_money(total.revenue)
    ordered = sorted(rows.values(), key=lambda r: (r.margin, r.label))
    return ProfitReport(start=start, end=end, by=by, basis=basis, rows=ordered, total=total)


def invoice_lines_without_project(
    *, actor: User, start: date, end: date, basis: str = "acts", client_id: int | None = None
) -> QuerySet[InvoiceLine]:
    """The invoice lines behind the «Без проекта» revenue of `profitability` by project for the
    same period and basis: lines with no contract line (or one without a project) that are
    closed by acts dated in the period (basis "acts") or whose invoice received payments dated
    in it (basis "payments"). Only clients whose money the actor sees; with invoice, client
    and contract loaded, oldest invoice first."""
    qs = InvoiceLine.objects.filter(
        invoice__client__in=permissions.money_clients_visible_to(actor),
    ).filter(Q(contract_line__isnull=True) | Q(contract_line__project__isnull=True))
    if basis == "payments":
        qs = qs.filter(invoice__allocations__payment__date__gte=start, invoice__allocations__payment__date__lte=end)
    else:
        qs = qs.filter(act_lines__act__date__gte=start, act_lines__act__date__lte=end)
    if client_id is not None:
        qs = qs.filter(invoice__client_id=client_id)
    return (
        qs.select_related("invoice", "invoice__client", "invoice__contract", "contract_line")
        .distinct().order_by("invoice__date", "invoice_id", "position", "id")
    )


@dataclass(frozen=True)
class ProfitMonth:
    """One month of the agency's (or the actor's visible clients') profitability, by acts."""

    month: date
    revenue: Decimal
    staff_cost: Decimal
    subcontractor_cost: Decimal

    @property
    def costs(self) -> Decimal:
        return self.staff_cost + self.subcontractor_cost

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.costs

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.01"))


def profit_by_month(*, actor: User, months: list[date]) -> list[ProfitMonth]:
    """The totals of `profitability(by="client", basis="acts")` for each month in `months` (first
    days, ascending, contiguous): revenue net of VAT by act date, staff cost of time entries and
    subcontractor costs, over the clients whose money the actor sees. Three GROUP BY month
    queries for the whole range (the same rules as `profitability`, not one report per month)."""
    employee = permissions.actor_employee(actor)
    if not months or employee is None or not permissions.can_view_money(actor):
        return [ProfitMonth(m, ZERO, ZERO, ZERO) for m in months]
    start = months[0]
    last = months[-1]
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    agency_id = employee.agency_id
    sees_all = employee.role in permissions.MONEY_ALL_ROLES
    clients = None if sees_all else permissions.money_clients_visible_to(actor).values("pk")

    def only_visible(path: str) -> dict[str, Any]:
        return {} if clients is None else {f"{path}__in": clients}

    def by_month(qs: QuerySet[Any], day: str, amount: Any) -> dict[date, Decimal]:
        result: dict[date, Decimal] = {}
        for row in qs.annotate(m=TruncMonth(day)).order_by().values("m").annotate(s=Sum(amount)):
            key = row["m"].date() if hasattr(row["m"], "hour") else row["m"]
            result[key] = result.get(key, ZERO) + to_money(row["s"] or ZERO)
        return result

    # Σ over an act's lines of amount × (total − VAT) / total is the act's total − VAT: `act_create`
    # writes the total as the sum of the lines' amounts (kopecks) and nothing changes them after.
    # So the months need only the acts (an index range), not the join with every act line.
    revenue = by_month(
        Act.objects.filter(agency_id=agency_id, date__gte=start, date__lt=end, **only_visible("client_id")),
        "date", F("total") - F("vat_amount"))
    staff: dict[date, Decimal] = {  # whole months: the month rollup of time entries
        month: to_money(cost or ZERO) for month, cost in
        TimeMonthRollup.objects.filter(agency_id=agency_id, month__gte=start, month__lt=end, **only_visible("client_id"))
        .values("month").annotate(s=Sum("cost")).values_list("month", "s").order_by()
    }
    subs = by_month(
        SubcontractorCost.objects.filter(agency_id=agency_id, date__gte=start, date__lt=end,
                                         **only_visible("client_id")), "date", "amount")
    return [ProfitMonth(m, revenue.get(m, ZERO), staff.get(m, ZERO), subs.get(m, ZERO)) for m in months]
