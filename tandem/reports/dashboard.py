"""The head of accounts' dashboard (issue 12): one read over the other apps' selectors.

Everything is scoped to the actor (a head of accounts or admin sees the agency, a group head the
clients they see — see `tandem.reports.permissions.can_view_dashboard`), for a period of whole
months chosen on the page:

- money by month: revenue (billed invoices by invoice date, with VAT), payments received (by
  payment date) and the payment plan (Σ the AMs' monthly plans the actor may see), with payments
  as a percent of plan;
- receivables: `tandem.billing.selectors.receivables_aging` by group;
- churn and retention: `tandem.reports.retention` (churn and new clients by month, GRR and NRR of
  the period against the one before it and month by month);
- new clients of the period, and at-risk clients with their top reason from the health score
  (`tandem.health.selectors.at_risk_clients`, the same list as the health page's);
- AM load: `tandem.clients.selectors.workload_list` (a group head: their groups' people);
- profitability trend: `tandem.billing.profitability` per month (by acts, net of VAT); a month
  not over yet is flagged (`ProfitTrendRow.unfinished`): its acts are usually issued at its end,
  so its revenue and margin are not a result yet (the page labels it instead of a 0 revenue);
- response times: `tandem.comms.selectors.response_stats` of the period's last month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DateField, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.billing import permissions as billing_permissions
from tandem.billing.calc import percent
from tandem.billing.models import BILLED_STATUSES
from tandem.billing.profitability import ProfitMonth, profit_by_month
from tandem.billing.selectors import AgingReport, receivables_aging
from tandem.clients.models import Client
from tandem.clients.selectors import Workload, workload_list
from tandem.comms.selectors import ResponseReport, response_stats
from tandem.core.db import replica_reads
from tandem.core.money import ZERO, to_money
from tandem.health.selectors import AtRiskClient, at_risk_clients
from tandem.org.models import User
from tandem.org.permissions import actor_employee, head_group_ids
from tandem.org.roles import Role

from . import retention
from .retention import ChurnReport, Period, RevenueRetention

AT_RISK_LIMIT = 20
NEW_CLIENTS_LIMIT = 20


@dataclass
class MoneyMonth:
    month: date
    revenue: Decimal
    payments: Decimal
    plan: Decimal

    @property
    def plan_percent(self) -> Decimal | None:
        return percent(self.payments, self.plan)


def money_by_month(*, actor: User, period: Period) -> list[MoneyMonth]:
    """Revenue, payments and plan per month of the period. Three aggregate queries."""

    def monthly(qs: QuerySet, date_field: str, amount: str) -> dict[date, Decimal]:  # type: ignore[type-arg]
        return {
            retention._as_date(g["m"]) or period.start: to_money(g["s"] or ZERO)
            for g in qs.filter(**{f"{date_field}__gte": period.start, f"{date_field}__lte": period.end})
            .annotate(m=TruncMonth(date_field, output_field=DateField()))
            .order_by().values("m").annotate(s=Sum(amount))
        }

    revenue = monthly(billing_permissions.invoices_visible_to(actor).filter(status__in=BILLED_STATUSES), "date", "total")
    payments = monthly(billing_permissions.payments_visible_to(actor), "date", "amount")
    plans = monthly(billing_permissions.plans_visible_to(actor), "month", "amount")
    return [
        MoneyMonth(month=m, revenue=revenue.get(m, ZERO), payments=payments.get(m, ZERO), plan=plans.get(m, ZERO))
        for m in period.months
    ]


def new_clients(*, actor: User, period: Period) -> QuerySet[Client]:
    """Clients who started being served during the period (see `retention` for the start of
    service), newest first, with `start_on` annotated."""
    return (
        retention.retention_clients(actor=actor)
        .filter(start_on__gte=period.start, start_on__lte=period.end)  # type: ignore[misc]
        .select_related("account_manager", "group")
        .order_by("-start_on", "pk")
    )


def am_load(*, actor: User) -> list[Workload]:
    """Load of the AMs: the agency's for heads and admins, a group head's own groups' people."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    rows = workload_list(actor=actor)
    if employee.role == Role.GROUP_HEAD:
        groups = set(head_group_ids(employee))
        rows = [w for w in rows if w.employee.group_id in groups or w.employee.pk == employee.pk]
    return rows


def profit_trend(*, actor: User, period: Period) -> list[ProfitMonth]:
    """Revenue (acts, net of VAT), staff and subcontractor costs and margin per month: the
    totals of `tandem.billing.profitability` by client, month by month (three queries)."""
    return profit_by_month(actor=actor, months=period.months)


@dataclass(frozen=True)
class ProfitTrendRow:
    """A month of the profitability trend as the dashboard shows it. The figures are
    `profit_by_month`'s, unchanged; the flags only say how far they can be read."""

    profit: ProfitMonth
    unfinished: bool  # the month is not over (today or later): revenue by acts is partial

    @property
    def awaiting_acts(self) -> bool:
        """Not over and no act yet: its revenue is 0 and its margin only the costs so far."""
        return self.unfinished and not self.profit.revenue


def profit_rows(profit: list[ProfitMonth], *, today: date) -> list[ProfitTrendRow]:
    current = today.replace(day=1)
    return [ProfitTrendRow(profit=p, unfinished=p.month >= current) for p in profit]


@dataclass
class Dashboard:
    period: Period
    money: list[MoneyMonth]
    receivables: AgingReport
    churn: ChurnReport
    retention: RevenueRetention
    retention_by_month: list[RevenueRetention]
    at_risk: list[AtRiskClient]
    at_risk_count: int
    new_clients: list[Client]
    new_count: int
    load: list[Workload]
    profit: list[ProfitMonth]
    responses: ResponseReport
    today: date

    @property
    def profit_rows(self) -> list[ProfitTrendRow]:
        return profit_rows(self.profit, today=self.today)

    @property
    def money_total(self) -> MoneyMonth:
        return MoneyMonth(
            month=self.period.start,
            revenue=sum((m.revenue for m in self.money), ZERO),
            payments=sum((m.payments for m in self.money), ZERO),
            plan=sum((m.plan for m in self.money), ZERO),
        )


@replica_reads
def dashboard(*, actor: User, period: Period, today: date | None = None) -> Dashboard:
    """Everything the head's dashboard shows, for the period (the caller checked
    `can_view_dashboard`). The number of queries depends on the number of months, not clients."""
    today = today or timezone.localdate()
    at_risk = at_risk_clients(actor=actor)
    fresh = new_clients(actor=actor, period=period)
    new_rows = list(fresh[:NEW_CLIENTS_LIMIT])
    period_retention, monthly_retention = retention.revenue_retention_with_months(actor=actor, period=period)
    return Dashboard(
        period=period,
        money=money_by_month(actor=actor, period=period),
        receivables=receivables_aging(actor=actor, by="group", today=today, reconcile=False),
        churn=retention.churn_by_month(actor=actor, period=period),
        retention=period_retention,
        retention_by_month=monthly_retention,
        at_risk=at_risk[:AT_RISK_LIMIT],
        at_risk_count=len(at_risk),
        new_clients=new_rows,
        new_count=len(new_rows) if len(new_rows) < NEW_CLIENTS_LIMIT else fresh.count(),
        load=am_load(actor=actor),
        profit=profit_trend(actor=actor, period=period),
        responses=response_stats(actor=actor, month=min(period.end, today)),
        today=today,
    )
