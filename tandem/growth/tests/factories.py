"""Test helpers for growth: signed client services with projects, monthly results, hours,
invoices and opportunities, all with fixed dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import factory
from django.utils import timezone

from tandem.billing.models import Invoice, InvoiceLine, InvoiceStatus
from tandem.clients.models import Client, ServiceKind
from tandem.contracts.models import BillingModel, ContractLine, ContractStatus, Service
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory
from tandem.growth.models import Opportunity, Stage
from tandem.org.models import Employee
from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource
from tandem.work.models import Project, TimeEntry
from tandem.work.services import time_rollup_refresh
from tandem.work.services.rollups import rollup_key

TODAY = date(2026, 12, 3)  # the complete months before it: …, September, October, November 2026


def service(agency, kind: str, name: str | None = None) -> Service:
    found = Service.objects.filter(agency=agency, kind=kind).first()
    return found or Service.objects.create(agency=agency, kind=kind, name=name or f"Услуга {kind}")


def client_service(client: Client, kind: str = ServiceKind.SEO, *, amount: str = "100000", planned: str = "40",
                   start: date = date(2026, 1, 15)) -> ContractLine:
    """A signed contract running since `start` with one retainer line of `kind` and its project."""
    contract = ContractFactory.create(client=client, status=ContractStatus.SIGNED, date=start, start_date=start)
    line = ContractLineFactory.create(contract=contract, service=service(client.agency, kind),
                                      billing_model=BillingModel.MONTHLY_RETAINER, amount=Decimal(amount),
                                      planned_hours_per_month=Decimal(planned))
    Project.objects.create(agency=client.agency, client=client, contract_line=line, name=f"{client} — {line.service}",
                           account_manager=client.account_manager, start_date=start)
    return line


def results(client: Client, leads_by_month: dict[date, int]) -> None:
    """One analytics snapshot per month (on the 10th) carrying the month's leads."""
    source, _ = AnalyticsSource.objects.get_or_create(client=client, defaults={"counter_id": str(1000 + client.pk)})
    for month, leads in leads_by_month.items():
        AnalyticsSnapshot.objects.create(source=source, client=client, date=month.replace(day=10), visits=leads * 50,
                                         goal_conversions=leads * 2, leads=leads, fetched_at=timezone.now())


def hours(line: ContractLine, employee: Employee, month: date, total: str) -> None:
    """`total` hours logged on the line's project in `month`, 8 h a day from the 1st."""
    left, day = Decimal(total), 1
    while left > 0:
        chunk = min(left, Decimal("8"))
        entry = TimeEntry.objects.create(employee=employee, project=line.project, date=month.replace(day=day), hours=chunk)
        time_rollup_refresh([rollup_key(entry)])
        left -= chunk
        day += 1


_invoice_seq = iter(range(1, 10_000))


def invoice(line: ContractLine, day: date, amount: str) -> Invoice:
    """An issued invoice of the line's client with one line for the service (issue them in date order)."""
    client = line.contract.client
    inv = Invoice.objects.create(agency=client.agency, client=client, contract=line.contract, number=str(next(_invoice_seq)),
                                 date=day, due_date=day, status=InvoiceStatus.ISSUED, total=Decimal(amount),
                                 subtotal=Decimal(amount), issued_at=timezone.make_aware(datetime(day.year, day.month, day.day)))
    InvoiceLine.objects.create(invoice=inv, service=line.service, contract_line=line, name=line.service.name,
                               price=Decimal(amount), amount=Decimal(amount))
    return inv


class OpportunityFactory(factory.django.DjangoModelFactory[Opportunity]):
    class Meta:
        model = Opportunity

    agency = factory.SelfAttribute("client.agency")
    service = factory.LazyAttribute(lambda o: service(o.client.agency, ServiceKind.SMM, "SMM"))
    monthly_value = Decimal("50000.00")
    stage = Stage.IDEA
    probability = 10
    owner = factory.LazyAttribute(lambda o: o.client.account_manager)
