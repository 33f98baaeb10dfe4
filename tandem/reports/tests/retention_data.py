"""A small hand-computed history for the churn and retention arithmetic (used by the selector,
API and page tests). Period: January–March 2026.

Clients (all in the `org` agency; `org.client_a`/`client_b` started «today», after the period):
- C1 served since 2025-06-01, active, seo1, SEO line;
- C2 served since 2025-10-15, churned 2026-02-10 (budget), seo1, SEO + context lines;
- C3 served since 2026-01-20, churned 2026-03-05 (results), seo2;
- C4 served since 2026-02-01, active, no group;
- C5 served since 2025-01-01, churned 2025-12-20 (other agency), before the period;
- C6 a lead (never served);
- C7 served since 2026-01-05, active, seo1.

Billed invoice totals by month (a cancelled and a draft invoice are ignored):
C1 Dec 100, Jan 100, Feb 100, Mar 150; C2 Dec 200, Jan 200, Feb 50; C3 Jan 80, Feb 80, Mar 40;
C4 Feb 60, Mar 60; C5 Dec 90; C7 Feb 100.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tandem.billing.models import Invoice, InvoiceStatus
from tandem.billing.tests.factories import ContractFactory, ContractLineFactory, ServiceFactory
from tandem.clients.models import ChurnReason, Client, ClientTier, LifecycleStatus, ServiceKind
from tandem.clients.tests.factories import ClientFactory

D = dt.date


@dataclass
class History:
    c1: Client
    c2: Client
    c3: Client
    c4: Client
    c5: Client
    c6: Client
    c7: Client


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, 12, 0))


def build_history(org: Any, suffix: str = "") -> History:  # org: tandem.testing.fixtures.Org
    """The history above; `suffix` names a second copy (client names and invoice numbers)."""
    def client(name: str, since: dt.date, group=None, am=None, churned: dt.date | None = None, reason: str = "",
               status: str = LifecycleStatus.ACTIVE, tier: str = ClientTier.CURRENT) -> Client:
        return ClientFactory.create(
            agency=org.agency, brand_name=name + suffix, legal_name=f'ООО "{name}{suffix}"', served_since=since, group=group,
            account_manager=am, tier=tier,
            status=LifecycleStatus.CHURNED if churned else status,
            status_changed_at=_at(churned) if churned else None, churn_reason=reason,
        )

    h = History(
        c1=client("C1", D(2025, 6, 1), org.seo1, org.am1, tier=ClientTier.KEY),
        c2=client("C2", D(2025, 10, 15), org.seo1, org.am1, churned=D(2026, 2, 10), reason=ChurnReason.BUDGET),
        c3=client("C3", D(2026, 1, 20), org.seo2, org.am2, churned=D(2026, 3, 5), reason=ChurnReason.RESULTS),
        c4=client("C4", D(2026, 2, 1)),
        c5=client("C5", D(2025, 1, 1), org.seo2, org.am2, churned=D(2025, 12, 20), reason=ChurnReason.OTHER_AGENCY),
        c6=client("C6", D(2026, 1, 1), status=LifecycleStatus.LEAD),
        c7=client("C7", D(2026, 1, 5), org.seo1, org.am1),
    )
    seo = ServiceFactory.create(agency=org.agency, kind=ServiceKind.SEO)
    context = ServiceFactory.create(agency=org.agency, kind=ServiceKind.CONTEXT)
    ContractLineFactory.create(contract=ContractFactory.create(client=h.c1), service=seo)
    c2_contract = ContractFactory.create(client=h.c2)
    ContractLineFactory.create(contract=c2_contract, service=seo)
    ContractLineFactory.create(contract=c2_contract, service=context)
    billed = [
        (h.c5, D(2025, 12, 2), 90), (h.c1, D(2025, 12, 3), 100), (h.c2, D(2025, 12, 4), 200),
        (h.c1, D(2026, 1, 10), 100), (h.c2, D(2026, 1, 11), 200), (h.c3, D(2026, 1, 25), 80),
        (h.c1, D(2026, 2, 2), 100), (h.c2, D(2026, 2, 3), 50), (h.c3, D(2026, 2, 4), 80),
        (h.c4, D(2026, 2, 5), 60), (h.c7, D(2026, 2, 6), 100),
        (h.c1, D(2026, 3, 2), 150), (h.c3, D(2026, 3, 3), 40), (h.c4, D(2026, 3, 4), 60),
    ]
    statuses = [InvoiceStatus.PAID, InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID]
    for n, (c, day, total) in enumerate(billed, start=1):
        _invoice(c, day, total, statuses[n % 3], f"{suffix}{n}")
    _invoice(h.c1, D(2026, 3, 20), 1000, InvoiceStatus.CANCELLED, f"{suffix}99")
    _invoice(h.c1, D(2026, 3, 21), 1000, InvoiceStatus.DRAFT, "")
    return h


def _invoice(client: Client, day: dt.date, total: int, status: str, number: str) -> Invoice:
    amount = Decimal(total)
    return Invoice.objects.create(
        agency=client.agency, client=client, number=number, date=day, due_date=day + dt.timedelta(days=5),
        status=status, subtotal=amount, total=amount,
        paid_amount=amount if status == InvoiceStatus.PAID else Decimal(0),
    )
