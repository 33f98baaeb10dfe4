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
