"""Retainer budgets (issue 13) on top of the demo's contracts and year of time:

- every signed monthly-retainer line of am1's clients gets terms from a year ago (hours sized
  from the line's own time, so some months leave hours that roll over and later lapse);
- one of them carries unused hours for two months with a cap (rollover and expiry show);
- one is at 80–100 % of this month's hours (My day shows «Ретейнер близко к бюджету» and am1
  gets the alert);
- one went over budget last month, and finance billed the over-service on a draft invoice; an
  earlier over-service month of another line was written off with a reason;
- a context-ads line has a money budget with ad spend booked every month;
- the agency's closed months are frozen.

Goes through the services where the rule matters (terms history, overage billing, alerts).
Skips itself when retainer terms exist.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_UP, Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from tandem.billing.services import retainer_alerts_run, retainer_overage_bill, retainer_overage_write_off
from tandem.clients.models import ServiceKind
from tandem.contracts.models import (
    BillingModel,
    ContractLine,
    ContractStatus,
    RetainerExpense,
    RetainerExpenseKind,
    RetainerTerms,
)
from tandem.contracts.services import retainer_terms_set
from tandem.org.models import Employee
from tandem.work.models import ClosedMonth, RetainerMonthFreezeReason, TimeEntry
from tandem.work.retainers import first_of_month, months_between, retainer_month_row
from tandem.work.services import retainer_months_freeze, time_rollup_refresh
from tandem.work.services.rollups import rollup_key

from .context import DemoContext

QUARTER = Decimal("0.25")


def _quarters_up(value: Decimal) -> Decimal:
    return (value / QUARTER).to_integral_value(rounding=ROUND_UP) * QUARTER


def _month_back(month: date, k: int) -> date:
    total = month.year * 12 + month.month - 1 - k
    return date(total // 12, total % 12 + 1, 1)


def seed(ctx: DemoContext) -> None:
    if RetainerTerms.objects.filter(line__contract__agency=ctx.agency).exists():
        ctx.log("retainers: already there, skipped")
        return
    staff = {e.user.username: e for e in Employee.objects.filter(agency=ctx.agency).select_related("user")}
    if not {"am1", "finance"} <= staff.keys():
        ctx.log("retainers: no demo staff yet, skipped")
        return
    am1, finance = staff["am1"], staff["finance"]
    today = ctx.today
    this_month = first_of_month(today)
    start = _month_back(this_month, 11)
    lines = list(
        ContractLine.objects.filter(
            contract__agency=ctx.agency, contract__status=ContractStatus.SIGNED,
            billing_model=BillingModel.MONTHLY_RETAINER, contract__client__account_manager=am1,
            project__isnull=False,
        ).select_related("contract__client", "service", "project").order_by("pk")
    )
    if len(lines) < 3:
        ctx.log("retainers: am1 has fewer than three retainer lines, skipped")
        return
    used = _used_by_month(lines, start)
    near, over, rolling, *others = lines
    # Near budget: this month's hours are 80–100 % of the budget (no rollover).
    this_used = used[(near.pk, this_month)]
    if this_used <= 0:
        _log_time(near, today, Decimal("6"))
        this_used = Decimal("6")
    _terms(ctx, am1, near, start, hours=_quarters_up(this_used / Decimal("0.88")), carry=0)
    # Over budget last month; billed by finance.
    last_month = _month_back(this_month, 1)
    if used[(over.pk, last_month)] < 4:
        _log_time(over, last_month.replace(day=12), Decimal("8"))
        used[(over.pk, last_month)] += Decimal("8")
    over_hours = _quarters_up(used[(over.pk, last_month)] * Decimal("0.8"))
    _terms(ctx, am1, over, start, hours=over_hours, carry=0, overage=True, rate=Decimal("3500"))
    # Rollover: sized to the average month, carried two months and capped.
    average = sum((used[(rolling.pk, m)] for m in months_between(start, this_month)), Decimal("0")) / 12
    rolling_hours = _quarters_up(max(average * Decimal("1.1"), Decimal("10")))
    _terms(ctx, am1, rolling, start, hours=rolling_hours, carry=2, cap=_quarters_up(rolling_hours * Decimal("1.5")))
    expenses = 0
    for line in others:
        average = sum((used[(line.pk, m)] for m in months_between(start, this_month)), Decimal("0")) / 12
        money = Decimal("150000") if line.service.kind in (ServiceKind.CONTEXT, ServiceKind.TARGETED) else Decimal(0)
        _terms(ctx, am1, line, start, hours=_quarters_up(max(average, Decimal("5"))), carry=1, money=money,
               overage=True, rate=Decimal("3000"))
        if money:
            for month in months_between(start, this_month):
                amount = Decimal(ctx.rng.randint(110, 160) * 1000)
                RetainerExpense.objects.create(
                    line=line, kind=RetainerExpenseKind.AD_BUDGET, date=min(month.replace(day=5), today),
                    amount=amount, description="Яндекс Директ", created_by=am1.user,
                )
                expenses += 1
    frozen = 0
    for month in ClosedMonth.objects.filter(agency=ctx.agency, month__gte=start).values_list("month", flat=True):
        frozen += retainer_months_freeze(lines=lines, month=month, reason=RetainerMonthFreezeReason.MONTH_CLOSED,
                                         actor=finance.user)
    decisions = 0
    if (row := retainer_month_row(line=over, month=last_month)) is not None and row.overage > 0:
        retainer_overage_bill(actor=finance.user, line=over, month=last_month, invoice_date=today)
        decisions += 1
    decisions += _write_off_one(finance, others or [rolling], this_month)
    alerts = retainer_alerts_run(today=today, agency_id=ctx.agency.pk)
    ctx.log(f"retainers: {len(lines)} lines with terms, {expenses} expenses, {frozen} frozen months, "
            f"{decisions} overage decisions, {alerts.created} alerts")


def _terms(ctx: DemoContext, am1: Employee, line: ContractLine, start: date, *, hours: Decimal, carry: int,
           cap: Decimal | None = None, money: Decimal = Decimal(0), overage: bool = False,
           rate: Decimal = Decimal(0)) -> None:
    retainer_terms_set(actor=am1.user, line=line, data={
        "start_month": max(start, first_of_month(line.contract.start_date)), "hours_per_month": hours,
        "money_per_month": money, "rollover_months": carry, "rollover_cap_hours": cap, "overage_allowed": overage,
        "overage_rate": rate,
    })


def _used_by_month(lines: list[ContractLine], start: date) -> defaultdict[tuple[int, date], Decimal]:
    used: defaultdict[tuple[int, date], Decimal] = defaultdict(Decimal)
    for row in (TimeEntry.objects.filter(project__contract_line__in=lines, date__gte=start)
                .annotate(m=TruncMonth("date")).values("project__contract_line_id", "m").annotate(h=Sum("hours"))
                .order_by()):
        used[(row["project__contract_line_id"], row["m"])] = row["h"]
    return used


def _log_time(line: ContractLine, day: date, hours: Decimal) -> None:
    project = line.project
    employee = project.specialist or project.account_manager
    assert employee is not None
    entry = TimeEntry.objects.create(employee=employee, project=project, date=day, hours=hours,
                                     note="Работы по абонементу", cost_rate=employee.hourly_cost_rate,
                                     cost=hours * employee.hourly_cost_rate)
    time_rollup_refresh([rollup_key(entry)])


def _write_off_one(finance: Employee, lines: list[ContractLine], this_month: date) -> int:
    """Write off the oldest undecided over-service month of the first line that has one."""
    for line in lines:
        for k in range(11, 1, -1):
            month = _month_back(this_month, k)
            row = retainer_month_row(line=line, month=month)
            if row is not None and row.overage > 0:
                retainer_overage_write_off(actor=finance.user, line=line, month=month,
                                           reason="Доработки по гарантии: клиенту не выставляем")
                return 1
    return 0

