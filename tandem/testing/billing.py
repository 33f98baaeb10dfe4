"""Billing fixture shared by the billing, API and web tests: VAT rates 20 % (from 2019) and 22 % (2026),
billing settings (requisites with `OWN_ACCOUNT`), a contract with one retainer line per client.

Registered as a plugin in the root conftest.py, so any test module can ask for `money`; a module
that needs a different set-up defines its own `money` fixture, which overrides this one there.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing.models import BillingSettings
from tandem.billing.tests.factories import ContractFactory, ContractLineFactory
from tandem.contracts.models import VatRate

OWN_ACCOUNT = "40702810200000000001"


@pytest.fixture
def money(org):
    """The org plus VAT history, billing settings and a signed retainer contract per client."""
    return make_money(org)


def make_money(org):  # type: ignore[no-untyped-def]
    """The `money` fixture's data on top of `org`, for module-scoped fixtures."""
    VatRate.objects.create(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("20"))
    VatRate.objects.create(agency=org.agency, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))
    BillingSettings.objects.create(
        agency=org.agency, supplier_name='ООО "Тандем"', inn="7707083893", bank_account=OWN_ACCOUNT,
        director_name="Иванов И. И.", director_position="Генеральный директор",
    )
    org.client_a.inn = "7702070139"
    org.client_a.save()
    org.contract_a = ContractFactory(client=org.client_a, payment_terms_days=10)
    ContractLineFactory(contract=org.contract_a, amount=Decimal("100000.00"))
    org.contract_b = ContractFactory(client=org.client_b, vat_mode="no_vat")
    ContractLineFactory(contract=org.contract_b, amount=Decimal("50000.00"))
    return org


@pytest.fixture
def hourly(money):
    """`money` plus a signed two-line contract of client_a (SEO retainer 90 000 ₽ and extra work
    at 2 500 ₽/h) with its two projects, and spec1's time in March 2026: 6.5 h on the hourly
    project (three entries) and 2 h on the SEO project; one more hourly entry in April.
    Adds `contract_h`, `seo_line`, `hourly_line`, `seo_project`, `hourly_project`, `march_entries`."""
    from tandem.billing.tests.factories import ServiceFactory
    from tandem.clients.models import ServiceKind
    from tandem.contracts.models import BillingModel, ContractStatus
    from tandem.work.services import contract_sign
    from tandem.work.tests.factories import TimeEntryFactory

    org = money
    org.contract_h = ContractFactory(client=org.client_a, status=ContractStatus.IN_APPROVAL,
                                     date=date(2026, 1, 10), start_date=date(2026, 1, 15))
    org.seo_line = ContractLineFactory(
        contract=org.contract_h, amount=Decimal("90000.00"),
        service=ServiceFactory(agency=org.agency, name="SEO-продвижение", kind=ServiceKind.SEO),
    )
    org.hourly_line = ContractLineFactory(
        contract=org.contract_h, amount=Decimal("2500.00"), billing_model=BillingModel.HOURLY,
        service=ServiceFactory(agency=org.agency, name="Доп. работы", kind=ServiceKind.OTHER),
    )
    org.seo_project, org.hourly_project = contract_sign(actor=org.head.user, contract=org.contract_h,
                                                       on_date=date(2026, 1, 15))
    org.contract_h.refresh_from_db()
    org.march_entries = [
        TimeEntryFactory(employee=org.spec1, project=org.hourly_project, date=date(2026, 3, day), hours=Decimal(h))
        for day, h in ((2, "2"), (10, "4"), (31, "0.5"))
    ]
    TimeEntryFactory(employee=org.spec1, project=org.seo_project, date=date(2026, 3, 3), hours=Decimal("2"))
    TimeEntryFactory(employee=org.spec1, project=org.hourly_project, date=date(2026, 4, 1), hours=Decimal("3"))
    return org
