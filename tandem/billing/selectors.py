"""Billing reads, scoped to the actor: invoices, payments, the queue, receivables aging,
collection lists, plan fulfilment and bonus statements. Profitability is in profitability.py
(re-exported here)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import AccountManagerChange, Client
from tandem.contracts.models import BillingModel, ContractLine, ContractStatus
from tandem.core.errors import NotFound
from tandem.core.money import ZERO, to_money
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.work.models import TimeEntry

from . import permissions
from .calc import BUCKETS, aging_bucket, percent
from .loyalty import LoyaltyDiscount, loyalty_discount_for
from .models import (
    BILLED_STATUSES,
    OPEN_STATUSES,
    Act,
    ActLine,
    BillingSettings,
    BonusRule,
    BonusStatement,
    CollectionReminder,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LoyaltyRule,
    Payment,
    PaymentAllocation,
    PaymentPlan,
    PaymentReallocation,
    PromisedPayment,
    Refund,
    SubcontractorCost,
)
from .profitability import (
    BASES,
    GROUPINGS,
    ProfitMonth,
    ProfitReport,
    ProfitRow,
    invoice_lines_without_project,
    profit_by_month,
    profitability,
    project_label,
)

CHASE_DAYS_AHEAD = 3
OUTSTANDING = ExpressionWrapper(F("total") - F("paid_amount"), output_field=DecimalField(max_digits=14, decimal_places=2))


def month_bounds(month: date) -> tuple[date, date]:
    start = month.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


# --- invoices, acts, payments --------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    client_id: int | None = None
    search: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None


def invoice_list(*, actor: User, filters: InvoiceFilters | None = None, today: date | None = None) -> QuerySet[Invoice]:
    """Visible invoices, newest first, with client and contract joined and `outstanding_amount`."""
    f = filters or InvoiceFilters()
    today = today or timezone.localdate()
    qs = (
        permissions.invoices_visible_to(actor)
        .select_related("client", "contract", "client__account_manager")
        .annotate(outstanding_amount=OUTSTANDING)
    )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.search:
        qs = qs.filter(
            Q(number__icontains=f.search) | Q(client__legal_name__icontains=f.search)
            | Q(client__brand_name__icontains=f.search) | Q(client__inn__startswith=f.search)
        )
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_date__lt=today)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    return qs.order_by("-date", "-id")


def invoice_detail(*, invoice: Invoice) -> Invoice:
    """The invoice with lines, allocations (with payments), acts, reminders and promises loaded."""
    return (
        Invoice.objects.select_related("client", "contract", "agency", "client__account_manager", "client__group")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.select_related("contract_line__project",
                                                                          "contract_line__service")),
            Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("payment")),
            "acts",
            Prefetch("reminders", queryset=CollectionReminder.objects.select_related("contact", "assignee")),
            Prefetch("promises", queryset=PromisedPayment.objects.select_related("created_by")),
        )
        .get(pk=invoice.pk)
    )


def invoice_search(*, actor: User, query: str, limit: int = 10) -> list[Invoice]:
    """Invoices whose number contains `query`, among those whose money the actor sees (nothing
    for specialists); numbered ones only, the exact number first, then newest first, at most
    `limit`. Numbers may be one digit («{seq}» numbering), so any non-empty query searches.
    One query."""
    term = query.strip()
    if not term or not permissions.can_view_money(actor):
        return []
    qs = (
        permissions.invoices_visible_to(actor).exclude(number="")
        .filter(Q(number__icontains=term) | Q(number__icontains=term.upper()))
        .annotate(inexact=Case(When(number__iexact=term, then=Value(0)), default=Value(1)))
        .select_related("client")
    )
    return list(qs.order_by("inexact", "-date", "-pk")[:limit])


def act_list(*, actor: User, client_id: int | None = None, status: str = "") -> QuerySet[Act]:
    """Visible acts, newest first, with client, contract and invoice joined."""
    qs = permissions.acts_visible_to(actor).select_related("client", "invoice", "contract")
    if client_id:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-date", "-id")


def act_detail(*, act: Act) -> Act:
    """The act with parties, invoice and lines loaded."""
    return (
        Act.objects.select_related("client", "contract", "invoice", "agency", "created_by")
        .prefetch_related(Prefetch("lines", queryset=ActLine.objects.select_related(
            "invoice_line__contract_line__project"))).get(pk=act.pk)
    )


def invoice_lines_open_for_act(*, invoice: Invoice) -> QuerySet[InvoiceLine]:
    """Lines of the invoice not yet closed by an act (what a new act may include)."""
    return invoice.lines.filter(act_lines__isnull=True).order_by("position", "id")


@dataclass(frozen=True)
class PaymentFilters:
    """`needs_review`: only payments «на проверку»; `unmatched`: only those without a client."""

    client_id: int | None = None
    needs_review: bool = False
    unmatched: bool = False


_PAYMENT_RELATED = ("client", "statement_import", "suggested_client", "suggested_invoice", "reviewed_by")
_UNALLOCATED = ExpressionWrapper(F("amount") - F("allocated_amount"), output_field=DecimalField(max_digits=14, decimal_places=2))


def _payment_allocations() -> Prefetch:
    return Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("invoice").order_by("id"))


def payment_list(*, actor: User, client_id: int | None = None, filters: PaymentFilters | None = None) -> QuerySet[Payment]:
    """Visible payments, newest first, with client, suggestion, reviewer and allocations (with
    their invoices) loaded."""
    f = filters or PaymentFilters(client_id=client_id)
    qs = permissions.payments_visible_to(actor).select_related(*_PAYMENT_RELATED).prefetch_related(
        _payment_allocations()).annotate(unallocated_amount=_UNALLOCATED)
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.needs_review:
        qs = qs.filter(needs_review=True)
    if f.unmatched:
        qs = qs.filter(client__isnull=True)
    return qs.order_by("-date", "-id")


def payment_queue(*, actor: User, filters: PaymentFilters | None = None) -> QuerySet[Payment]:
    """Payments waiting for a person: no client, «на проверку» (an automatic decision to confirm
    or change), or money not yet set against invoices (credit). Payments without a client
    first, then those on review, then the oldest."""
    f = filters or PaymentFilters()
    qs = (
        permissions.payments_visible_to(actor)
        .filter(Q(allocated_amount__lt=F("amount")) | Q(needs_review=True))
        .select_related(*_PAYMENT_RELATED)
        .prefetch_related(_payment_allocations())
        .annotate(unallocated_amount=_UNALLOCATED)
    )
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.needs_review:
        qs = qs.filter(needs_review=True)
    if f.unmatched:
        qs = qs.filter(client__isnull=True)
    settled = _credit_refunded_clients(actor)
    if settled:
        # Their credit went back to them: the unallocated payments wait for nobody any more.
        qs = qs.exclude(Q(client_id__in=settled) & Q(needs_review=False))
    return qs.order_by(F("client_id").asc(nulls_first=True), "-needs_review", "date", "id")


def _credit_refunded_clients(actor: User) -> list[int]:
    """Clients (visible to the actor) whose refunds use up all their unallocated money."""
    refunded = {
        client_id: to_money(total) for client_id, total in permissions.refunds_visible_to(actor).order_by()
        .values("client_id").annotate(s=Sum("amount")).values_list("client_id", "s")
    }
    if not refunded:
        return []
    unallocated = {
        client_id: to_money(total) for client_id, total in Payment.objects.filter(client_id__in=list(refunded))
        .order_by().values("client_id").annotate(s=Sum(_UNALLOCATED)).values_list("client_id", "s")
    }
    return [pk for pk, total in refunded.items() if unallocated.get(pk, ZERO) - total <= 0]


def invoices_for_reallocation(*, actor: User, payment: Payment, client: Client | None) -> list[Invoice]:
    """Where a payment's money may go: the open visible invoices of `client` plus the invoices
    the payment pays now (they reopen when it is re-allocated), earliest due first."""
    visible = permissions.invoices_visible_to(actor).select_related("client")
    current = [inv for inv in visible.filter(allocations__payment=payment).distinct()
               if client is None or inv.client_id == client.pk]
    others = list(visible.filter(client=client, status__in=OPEN_STATUSES).exclude(
        pk__in=[i.pk for i in current])) if client is not None else []
    return sorted(current + others, key=lambda inv: (inv.due_date, inv.pk))


def payments_still_on_review(*, actor: User, payment_ids: Iterable[int]) -> set[int]:
    """Which of these visible payments are «на проверку» now (for a stored import report)."""
    return set(permissions.payments_visible_to(actor).filter(pk__in=list(payment_ids), needs_review=True)
               .values_list("pk", flat=True))


def payment_history(*, payment: Payment) -> QuerySet[PaymentReallocation]:
    """Who changed the payment's allocation, when and why (newest first). Callers hold a
    visible payment (`payment_get_for`)."""
    return payment.reallocations.select_related("actor", "client_before", "client_after").order_by("-created_at", "-id")


def refund_list(*, actor: User, client_id: int | None = None) -> QuerySet[Refund]:
    """Refunds of credit to clients the actor sees the money of, newest first."""
    qs = permissions.refunds_visible_to(actor).select_related("client")
    if client_id:
        qs = qs.filter(client_id=client_id)
    return qs.order_by("-date", "-id")


def open_invoices_for_matching(*, actor: User, payment: Payment) -> QuerySet[Invoice]:
    """Candidates to match a payment with: open visible invoices of the payment's client (or of
    every client while the payment has none), those of a client with the payer's INN first."""
    qs = invoice_list(actor=actor).filter(status__in=OPEN_STATUSES)
    if payment.client_id:
        return qs.filter(client_id=payment.client_id).order_by("due_date", "id")
    return qs.order_by("due_date", "id")


def statement_imports(*, actor: User) -> QuerySet:  # type: ignore[type-arg]
    from .models import StatementImport

    employee = actor_employee(actor)
    if employee is None or not permissions.sees_all_money(actor):
        return StatementImport.objects.none()
    return StatementImport.objects.filter(agency_id=employee.agency_id).order_by("-uploaded_at", "-id")


# --- collection ----------------------------------------------------------------------------------


def invoices_to_chase(*, actor: User, today: date | None = None) -> QuerySet[Invoice]:
    """Invoices to chase today: visible to the actor, issued or partly paid, due within
    CHASE_DAYS_AHEAD (3) days or already overdue; annotated with `outstanding_amount`
    (total − paid). Oldest due date first. Specialists get an empty queryset."""
    today = today or timezone.localdate()
    return (
        permissions.invoices_visible_to(actor)
        .filter(status__in=OPEN_STATUSES, due_date__lte=today + timedelta(days=CHASE_DAYS_AHEAD))
        .select_related("client", "client__account_manager")
        .annotate(outstanding_amount=OUTSTANDING)
        .order_by("due_date", "id")
    )


def promised_payments_due(*, actor: User, today: date | None = None) -> QuerySet[PromisedPayment]:
    """Promises that fall due today or were broken (date passed, invoice still open), on
    invoices the actor sees; the latest promise per invoice is what matters, older ones are
    listed too. Ordered by promised date."""
    today = today or timezone.localdate()
    return (
        PromisedPayment.objects.filter(
            invoice__in=permissions.invoices_visible_to(actor), invoice__status__in=OPEN_STATUSES,
            promised_on__lte=today,
        )
        .select_related("invoice", "invoice__client")
        .order_by("promised_on", "id")
    )


def reminders_due(*, actor: User, today: date | None = None) -> QuerySet[CollectionReminder]:
    """Planned reminders due by today on visible open invoices. An AM sees the ones assigned to
    them; escalations reach the group head they are assigned to."""
    today = today or timezone.localdate()
    qs = CollectionReminder.objects.filter(
        invoice__in=permissions.invoices_visible_to(actor), invoice__status__in=OPEN_STATUSES,
        status=CollectionReminder.Status.PLANNED, due_on__lte=today,
    ).select_related("invoice", "invoice__client", "contact", "assignee")
    employee = actor_employee(actor)
    if employee is not None and not permissions.sees_all_money(actor):
        qs = qs.filter(Q(assignee=employee) | Q(assignee__isnull=True))
    return qs.order_by("due_on", "id")


# --- receivables aging -----------------------------------------------------------------------


@dataclass
class AgingRow:
    key: int | str | None
    label: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: ZERO for b in BUCKETS})
    invoice_count: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.total - self.buckets["not_due"]

    def bucket_list(self) -> list[Decimal]:
        return [self.buckets[b] for b in BUCKETS]


@dataclass
class AgingReport:
    by: str
    today: date
    rows: list[AgingRow]
    totals: AgingRow
    billed_total: Decimal | None  # None: not reconciled (see receivables_aging)
    allocated_total: Decimal | None

    @property
    def reconciles(self) -> bool:
        """Σ buckets == Σ billed invoices − Σ allocations to them, to the kopeck (False when the
        report was made without the reconciliation)."""
        if self.billed_total is None or self.allocated_total is None:
            return False
        return self.totals.total == self.billed_total - self.allocated_total


AGING_GROUPINGS = ("client", "am", "group", "agency")


def receivables_aging(*, actor: User, by: str = "client", today: date | None = None,
                      reconcile: bool = True) -> AgingReport:
    """Outstanding amounts of visible issued/partly-paid invoices by days past due (not due,
    1–30, 31–60, 61–90, 90+), grouped per client, AM (current responsible), group or agency.
    Three queries whatever the size: bucket sums per group (in SQL), billed total, allocated total.
    The last two are the reconciliation (everything ever billed minus every allocation equals the
    outstanding total), which reads the whole billing history; a summary that does not show it (the
    head's dashboard) passes `reconcile=False` and gets the totals only."""
    if by not in AGING_GROUPINGS:
        by = "client"
    today = today or timezone.localdate()
    visible = permissions.invoices_visible_to(actor)
    # Buckets are summed in SQL: the boundaries are dates computed here (days past due ≤ 0 ⇔
    # due_date ≥ today; 1–30 ⇔ today − 30 ≤ due_date < today; …), so the query is portable.
    d0, d30, d60, d90 = (today - timedelta(days=n) for n in (0, 30, 60, 90))
    bucket_filters = {
        "not_due": Q(due_date__gte=d0),
        "d1_30": Q(due_date__lt=d0, due_date__gte=d30),
        "d31_60": Q(due_date__lt=d30, due_date__gte=d60),
        "d61_90": Q(due_date__lt=d60, due_date__gte=d90),
        "d90_plus": Q(due_date__lt=d90),
    }
    assert tuple(bucket_filters) == BUCKETS
    owed = ExpressionWrapper(F("total") - F("paid_amount"), output_field=DecimalField(max_digits=14, decimal_places=2))
    group_fields = {
        "client": ("client_id", "client__brand_name", "client__legal_name"),
        "am": ("client__account_manager_id", "client__account_manager__full_name"),
        "group": ("client__group_id", "client__group__name"),
        "agency": (),
    }[by]
    sums = {"n": Count("id"), **{b: Sum(owed, filter=q) for b, q in bucket_filters.items()}}
    open_invoices = visible.filter(status__in=OPEN_STATUSES).order_by()
    grouped = (
        open_invoices.values(*group_fields).annotate(**sums) if group_fields else [open_invoices.aggregate(**sums)]
    )
    rows: dict[int | str | None, AgingRow] = {}
    totals = AgingRow(key="total", label=_("Итого"))
    key: int | str | None
    for g in grouped:
        if not g["n"]:
            continue
        if by == "client":
            key, label = g["client_id"], g["client__brand_name"] or g["client__legal_name"]
        elif by == "am":
            key = g["client__account_manager_id"]
            label = g["client__account_manager__full_name"] if key is not None else _("Без аккаунта")
        elif by == "group":
            key = g["client__group_id"]
            label = g["client__group__name"] if key is not None else _("Без группы")
        else:
            key, label = "agency", _("Агентство")
        row = rows.get(key)
        if row is None:
            row = rows[key] = AgingRow(key=key, label=label)
        row.invoice_count += g["n"]
        totals.invoice_count += g["n"]
        for bucket in BUCKETS:
            amount = g[bucket]  # None for an empty bucket: most of them, nothing to add
            if amount:
                amount = to_money(amount)  # SQLite sums decimals as floats
                row.buckets[bucket] += amount
                totals.buckets[bucket] += amount
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.label))
    if not reconcile:
        return AgingReport(by=by, today=today, rows=ordered, totals=totals, billed_total=None, allocated_total=None)
    billed = visible.filter(status__in=BILLED_STATUSES).aggregate(s=Sum("total"))["s"] or ZERO
    allocated = (
        PaymentAllocation.objects.filter(invoice__in=visible.filter(status__in=BILLED_STATUSES))
        .aggregate(s=Sum("amount"))["s"] or ZERO
    )
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.label))
    return AgingReport(by=by, today=today, rows=ordered, totals=totals, billed_total=billed, allocated_total=allocated)


# --- who was the AM on a date ------------------------------------------------------------------


class AmResolver:
    """(client_id, day) → the client's responsible AM that day (see `am_resolver`)."""

    def __init__(self, current: Mapping[int, int | None], changes: dict[int, list[tuple[date, int | None, int | None]]]):
        self._current = current
        self._changes = changes

    def __call__(self, client_id: int, day: date) -> int | None:
        history = self._changes.get(client_id)
        if not history:
            return self._current.get(client_id)
        manager = history[0][1]
        for changed_on, _prev, new in history:
            if changed_on <= day:
                manager = new
            else:
                break
        return manager

    def changes_within(self, client_id: int, first: date, last: date) -> bool:
        """Whether the answer may differ between days of first..last: a change dated after
        `first` and on or before `last`. False means every day of the range has the AM of `first`."""
        return any(first < changed_on <= last for changed_on, _p, _n in self._changes.get(client_id, ()))


def am_resolver(client_ids: Iterable[int]) -> AmResolver:
    """A function (client_id, day) → the id of the client's responsible AM on that day, from
    AccountManagerChange history (two queries for all clients):
    the new manager of the last change on or before the day; before the first change, that
    change's previous manager; with no history at all, the current AM.

    The initial assignment is dated at the client's start of service (`Client.served_since`,
    moved back by the first contract: tandem.clients.services), so the first AM is credited
    from the day the client started being served, not from the day the row was created. This is
    the one rule for plan fulfilment, bonus statements and profitability by AM."""
    ids = set(client_ids)
    current = dict(Client.objects.filter(pk__in=ids).values_list("pk", "account_manager_id"))
    changes: dict[int, list[tuple[date, int | None, int | None]]] = defaultdict(list)
    for client_id, changed_at, prev_id, new_id in (
        AccountManagerChange.objects.filter(client_id__in=ids)
        .order_by("changed_at", "id")
        .values_list("client_id", "changed_at", "previous_manager_id", "new_manager_id")
    ):
        changes[client_id].append((timezone.localdate(changed_at), prev_id, new_id))
    return AmResolver(current, changes)


@dataclass(frozen=True)
class PaymentRow:
    payment_id: int
    date: date
    client_id: int
    client_name: str
    amount: Decimal


def _month_payments(agency_id: int, month: date) -> list[PaymentRow]:
    start, end = month_bounds(month)
    return [
        PaymentRow(pk, day, client_id, brand or legal, amount)
        for pk, day, client_id, brand, legal, amount in Payment.objects.filter(
            agency_id=agency_id, client__isnull=False, date__gte=start, date__lte=end
        ).order_by("date", "id").values_list(
            "pk", "date", "client_id", "client__brand_name", "client__legal_name", "amount"
        )
    ]


def am_month_payments(*, employee: Employee, month: date) -> list[PaymentRow]:
    """Payments received in `month` from clients for which `employee` was the responsible AM on
    the payment date (the whole payment counts, advances included). No actor scoping: callers
    check that the employee's plan is visible."""
    rows = _month_payments(employee.agency_id, month)
    resolve = am_resolver({r.client_id for r in rows})
    return [r for r in rows if resolve(r.client_id, r.date) == employee.pk]


def _paid_by_responsible_am(*, agency_id: int, start: date, end: date, ids: list[int]) -> dict[int | None, Decimal]:
    """Payments dated start..end summed per responsible AM (the rule of `am_resolver`); exact for
    the employees `ids`. A client that never changed AM belongs to its current AM, so those are
    summed per AM in SQL; the few clients with AM history are summed per (client, day) in SQL and
    attributed by `am_resolver`."""
    payments = Payment.objects.filter(
        agency_id=agency_id, client__isnull=False, date__gte=start, date__lte=end
    ).order_by()
    with_history = AccountManagerChange.objects.values("client_id")
    paid: dict[int | None, Decimal] = defaultdict(lambda: ZERO)
    for am_id, amount in (
        payments.filter(client__account_manager_id__in=ids).exclude(client_id__in=with_history)
        .values("client__account_manager_id").annotate(s=Sum("amount"))
        .values_list("client__account_manager_id", "s")
    ):
        paid[am_id] += to_money(amount)  # SQLite sums decimals as floats
    dated = list(
        payments.filter(client_id__in=with_history).values("client_id", "date").annotate(s=Sum("amount"))
        .values_list("client_id", "date", "s")
    )
    resolve = am_resolver({client_id for client_id, _day, _s in dated})
    for client_id, day, amount in dated:
        paid[resolve(client_id, day)] += to_money(amount)
    return paid


@dataclass(frozen=True)
class PlanFulfilment:
    """An AM's month: plan, payments counted toward it, and the fulfilment percent (None without a plan)."""

    employee: Employee
    month: date
    plan: Decimal
    paid: Decimal
    percent: Decimal | None

    @property
    def bar_percent(self) -> int:
        return min(int(self.percent or 0), 150)

    @property
    def state(self) -> str:
        if self.percent is None:
            return "none"
        if self.percent >= 100:
            return "ok"
        return "warning" if self.percent >= 80 else "over"


def plan_fulfilment(*, actor: User, employee: Employee, month: date) -> PlanFulfilment:
    """Plan, paid and percent for one AM and month. Raises NotFound unless the actor may see
    this AM's plan (self for an AM, the group's AMs for a group head, all for heads/finance)."""
    if not permissions.plan_employees_visible_to(actor).filter(pk=employee.pk).exists():
        raise NotFound()
    start, _end = month_bounds(month)
    plan = PaymentPlan.objects.filter(employee=employee, month=start).values_list("amount", flat=True).first()
    paid = sum((r.amount for r in am_month_payments(employee=employee, month=start)), ZERO)
    plan = plan if plan is not None else ZERO
    return PlanFulfilment(employee=employee, month=start, plan=plan, paid=paid, percent=percent(paid, plan))


def plan_overview(*, actor: User, month: date) -> list[PlanFulfilment]:
    """Fulfilment of every visible AM with a plan or payments in the month (constant queries)."""
    employee = actor_employee(actor)
    if employee is None:
        return []
    start, end = month_bounds(month)
    people = list(
        permissions.plan_employees_visible_to(actor).filter(
            Q(role__in=["account_manager", "group_head"])
            | Q(pk__in=PaymentPlan.objects.filter(month=start).values("employee_id"))
        ).select_related("group").order_by("group__name", "full_name")
    )
    plans = dict(
        PaymentPlan.objects.filter(employee__in=[p.pk for p in people], month=start).order_by()
        .values_list("employee_id", "amount")
    )
    paid = _paid_by_responsible_am(agency_id=employee.agency_id, start=start, end=end, ids=[p.pk for p in people])
    result = []
    for person in people:
        plan = plans.get(person.pk, ZERO)
        got = paid.get(person.pk, ZERO)
        if person.role not in ("account_manager", "group_head") and not plan:
            continue
        result.append(PlanFulfilment(employee=person, month=start, plan=plan, paid=got, percent=percent(got, plan)))
    return result


def bonus_statements(*, actor: User, month: date | None = None) -> QuerySet[BonusStatement]:
    qs = BonusStatement.objects.filter(employee__in=permissions.plan_employees_visible_to(actor)).select_related(
        "employee"
    )
    if month:
        qs = qs.filter(month=month.replace(day=1))
    return qs.order_by("-month", "employee__full_name")


@dataclass(frozen=True)
class CostFilters:
    client_id: int | None = None
    month_from: date | None = None
    month_to: date | None = None


def subcontractor_cost_list(*, actor: User, filters: CostFilters | None = None) -> QuerySet[SubcontractorCost]:
    """Subcontractor costs of the agency (settings managers only), newest month first, with
    client, contract and subcontractor joined; months are matched by their first day."""
    f = filters or CostFilters()
    qs = permissions.subcontractor_costs_visible_to(actor).select_related("client", "contract", "subcontractor")
    if f.client_id:
        qs = qs.filter(client_id=f.client_id)
    if f.month_from:
        qs = qs.filter(date__gte=f.month_from.replace(day=1))
    if f.month_to:
        qs = qs.filter(date__lte=month_bounds(f.month_to)[1])
    return qs.order_by("-date", "client__legal_name", "-id")


def billing_settings_get(*, actor: User) -> BillingSettings:
    """The actor's agency settings (unsaved defaults before the first edit). Settings managers
    only: NotFound for everyone else."""
    employee = actor_employee(actor)
    if employee is None or not permissions.can_manage_settings(actor):
        raise NotFound()
    return BillingSettings.objects.filter(agency_id=employee.agency_id).first() or BillingSettings(
        agency_id=employee.agency_id
    )


def bonus_rule_list(*, actor: User) -> QuerySet[BonusRule]:
    """The agency's bonus rules, the latest first, tiers prefetched (settings managers only)."""
    employee = actor_employee(actor)
    if employee is None or not permissions.can_manage_settings(actor):
        return BonusRule.objects.none()
    return BonusRule.objects.filter(agency_id=employee.agency_id).prefetch_related("tiers").order_by("-valid_from")


def client_credit(*, client: Client) -> Decimal:
    """Unallocated money of a client (advances, overpayments) less the refunds made to it."""
    agg = Payment.objects.filter(client=client).aggregate(a=Sum("amount"), b=Sum("allocated_amount"))
    refunded = Refund.objects.filter(client=client).aggregate(s=Sum("amount"))["s"] or ZERO
    return to_money((agg["a"] or ZERO) - (agg["b"] or ZERO) - refunded)


@dataclass
class ClientMoney:
    """The money panel of a client card: what is open, how old the debt is, the last payment
    and the unallocated credit."""

    client_id: int
    today: date
    open_invoices: list[Invoice]
    debt_by_age: dict[str, Decimal]
    last_payment: Payment | None
    credit: Decimal

    @property
    def debt(self) -> Decimal:
        return sum(self.debt_by_age.values(), ZERO)

    @property
    def overdue(self) -> Decimal:
        return self.debt - self.debt_by_age["not_due"]

    def buckets(self) -> list[tuple[str, Decimal]]:
        return [(b, self.debt_by_age[b]) for b in BUCKETS]


def client_money(*, actor: User, client: Client, today: date | None = None) -> ClientMoney | None:
    """The client's money for the card, or None when the actor may not see it (specialists;
    an AM for another AM's client). Four queries whatever the history: visibility, open
    invoices (buckets are summed from them, as in receivables_aging), last payment, credit."""
    if not permissions.can_view_money(actor) or not permissions.money_clients_visible_to(actor).filter(
        pk=client.pk
    ).exists():
        return None
    today = today or timezone.localdate()
    invoices = list(
        Invoice.objects.filter(client_id=client.pk, status__in=OPEN_STATUSES).order_by("due_date", "id")
    )
    by_age = {b: ZERO for b in BUCKETS}
    for invoice in invoices:
        by_age[aging_bucket((today - invoice.due_date).days)] += invoice.outstanding
    last = Payment.objects.filter(client_id=client.pk).order_by("-date", "-id").first()
    return ClientMoney(client_id=client.pk, today=today, open_invoices=invoices, debt_by_age=by_age,
                       last_payment=last, credit=client_credit(client=client))


__all__ = [
    "AGING_GROUPINGS", "AgingReport", "AgingRow", "InvoiceFilters", "PaymentRow", "PlanFulfilment",
    "act_list", "am_month_payments", "am_resolver", "bonus_statements", "client_credit", "invoice_detail",
    "invoice_list", "invoices_to_chase", "month_bounds", "open_invoices_for_matching", "payment_list",
    "payment_queue", "plan_fulfilment", "plan_overview", "promised_payments_due", "receivables_aging",
    "reminders_due", "statement_imports", "InvoiceStatus", "BASES", "GROUPINGS", "ProfitReport", "ProfitRow",
    "profitability", "CostFilters", "PaymentFilters", "payment_history", "payments_still_on_review", "refund_list", "invoices_for_reallocation", "billing_settings_get", "bonus_rule_list", "act_detail", "invoice_lines_open_for_act", "subcontractor_cost_list",
    "profitability", "CostFilters", "billing_settings_get", "bonus_rule_list", "act_detail", "invoice_lines_open_for_act", "subcontractor_cost_list",
    "invoice_lines_without_project", "project_label", "invoice_contract_lines", "hourly_contract_lines",
    "unbilled_hours", "ProfitMonth", "profit_by_month",
]


def invoice_contract_lines(*, actor: User, contract_id: int | str | None) -> QuerySet[ContractLine]:
    """The lines (services, and so projects) an invoice on this contract may bill: those of a
    signed or closed contract of a client whose money the actor sees; none for anything else."""
    if not contract_id or not str(contract_id).isdigit():
        return ContractLine.objects.none()
    return (
        ContractLine.objects.filter(
            contract_id=int(contract_id), contract__client__in=permissions.money_clients_visible_to(actor),
            contract__status__in=[ContractStatus.SIGNED, ContractStatus.CLOSED],
        ).select_related("service").order_by("id")
    )


def hourly_contract_lines(*, actor: User, contract_id: int | str | None) -> QuerySet[ContractLine]:
    """The hourly lines of such a contract: what «Счёт по часам за месяц» may bill."""
    return invoice_contract_lines(actor=actor, contract_id=contract_id).filter(billing_model=BillingModel.HOURLY)


def unbilled_hours(*, contract_line: ContractLine, month: date) -> Decimal:
    """Hours logged in the month on the line's project that no invoice line bills yet."""
    start, end = month_bounds(month)
    return TimeEntry.objects.filter(
        project__contract_line=contract_line, date__gte=start, date__lte=end, billed_in__isnull=True,
    ).aggregate(h=Sum("hours"))["h"] or Decimal("0")


__all__ += ["ClientMoney", "client_money"]


# --- loyalty discounts ------------------------------------------------------------------------


def loyalty_rule_list(*, actor: User) -> QuerySet[LoyaltyRule]:
    """The agency's loyalty rules, active first, by condition and threshold."""
    return permissions.loyalty_rules_visible_to(actor).annotate(invoice_count=Count("invoices")).order_by(
        "-is_active", "basis", "threshold", "id")


def client_loyalty_discount(*, actor: User, client_id: int | str, on: date) -> LoyaltyDiscount | None:
    """The discount a visible client's new invoice dated `on` would get (NotFound otherwise)."""
    client = permissions.money_client_get_for(actor, client_id)
    return loyalty_discount_for(client=client, on=on)
