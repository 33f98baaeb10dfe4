"""Loyalty discounts for regular clients [003]: what a client measures on a date against the
agency's rules, and the discount that follows.

A client's measures on day D:
- tenure: whole months from the day the agency started serving the client (`served_since`, or
  the start of its first signed contract) to D;
- monthly volume: the total of its invoices (issued, partly paid or paid) dated in the three
  whole months before D's month, divided by three;
- services: distinct catalogue services on lines of its signed contracts active on D.

Rules never add up: of the active rules whose threshold the client reaches, the one with the
largest percentage applies (the first by name on a tie), and the invoice records which rule and
the measured value, so anyone can check the discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Min, Q, Sum
from django.utils.translation import gettext as _

from tandem.clients.models import Client
from tandem.contracts.models import ContractLine, ContractStatus
from tandem.core.money import ZERO, format_money, format_quantity, to_money
from tandem.core.months import add_months

from .models import BILLED_STATUSES, Invoice, LoyaltyBasis, LoyaltyRule

VOLUME_MONTHS = 3


@dataclass(frozen=True)
class LoyaltyDiscount:
    rule: LoyaltyRule
    measured: Decimal

    @property
    def percent(self) -> Decimal:
        return self.rule.percent

    @property
    def reason(self) -> str:
        """«Скидка лояльности 5 %: «Два года с нами» — 26 мес. сотрудничества (порог 24)»."""
        return _("Скидка лояльности %(percent)s %%: «%(name)s» — %(measure)s (порог %(threshold)s)") % {
            "percent": format_quantity(self.rule.percent), "name": self.rule.name,
            "measure": describe_measure(self.rule.basis, self.measured),
            "threshold": describe_threshold(self.rule.basis, self.rule.threshold),
        }


def describe_measure(basis: str, value: Decimal) -> str:
    if basis == LoyaltyBasis.TENURE_MONTHS:
        return _("%(n)s мес. сотрудничества") % {"n": format_quantity(value)}
    if basis == LoyaltyBasis.MONTHLY_VOLUME:
        return _("в среднем %(money)s ₽ в месяц") % {"money": format_money(value)}
    return _("услуг по договорам: %(n)s") % {"n": format_quantity(value)}


def describe_threshold(basis: str, value: Decimal) -> str:
    return format_money(value) if basis == LoyaltyBasis.MONTHLY_VOLUME else format_quantity(value)


def _months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 when end is before start)."""
    months = (end.year - start.year) * 12 + (end.month - start.month) - (1 if end.day < start.day else 0)
    return max(months, 0)


def client_measures(*, client: Client, on: date, bases: set[str]) -> dict[str, Decimal]:
    """The client's measures on `on` for the given bases (one query each, none for unused bases)."""
    measures: dict[str, Decimal] = {}
    if LoyaltyBasis.TENURE_MONTHS in bases:
        since = client.served_since
        if since is None:
            since = client.contracts.filter(
                status__in=[ContractStatus.SIGNED, ContractStatus.CLOSED]
            ).aggregate(first=Min("start_date"))["first"]
        measures[LoyaltyBasis.TENURE_MONTHS] = Decimal(_months_between(since, on) if since else 0)
    if LoyaltyBasis.MONTHLY_VOLUME in bases:
        month_start = on.replace(day=1)
        total = Invoice.objects.filter(
            client=client, status__in=BILLED_STATUSES,
            date__gte=add_months(month_start, -VOLUME_MONTHS), date__lt=month_start,
        ).aggregate(s=Sum("total"))["s"] or ZERO
        measures[LoyaltyBasis.MONTHLY_VOLUME] = to_money(total / VOLUME_MONTHS)
    if LoyaltyBasis.SERVICES_COUNT in bases:
        count = (
            ContractLine.objects.filter(
                contract__client=client, contract__status=ContractStatus.SIGNED, contract__start_date__lte=on,
            ).filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=on))
            .values("service_id").distinct().count()
        )
        measures[LoyaltyBasis.SERVICES_COUNT] = Decimal(count)
    return measures


def loyalty_discount_for(*, client: Client, on: date) -> LoyaltyDiscount | None:
    """The discount the agency's active rules give `client` on `on`, or None."""
    rules = list(LoyaltyRule.objects.filter(agency_id=client.agency_id, is_active=True).order_by("name"))
    if not rules:
        return None
    measures = client_measures(client=client, on=on, bases={r.basis for r in rules})
    best: LoyaltyDiscount | None = None
    for rule in rules:
        measured = measures[rule.basis]
        if measured >= rule.threshold and (best is None or rule.percent > best.percent):
            best = LoyaltyDiscount(rule=rule, measured=measured)
    return best
