"""Factories for billing tests (contracts has none of its own yet, so the few needed are here)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from tandem.clients.models import ServiceKind
from tandem.contracts.models import (
    BillingModel,
    Contract,
    ContractLine,
    ContractStatus,
    Service,
    VatMode,
    VatRate,
)
from tandem.org.tests.factories import AgencyFactory


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Продвижение {n}")
    kind = ServiceKind.SEO


class VatRateFactory(factory.django.DjangoModelFactory[VatRate]):
    class Meta:
        model = VatRate

    agency = factory.SubFactory(AgencyFactory)
    valid_from = dt.date(2026, 1, 1)
    rate_percent = Decimal("22.00")


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    agency = factory.SelfAttribute("client.agency")
    client = None
    number = factory.Sequence(lambda n: f"Д-{n}")
    date = dt.date(2025, 12, 1)
    start_date = dt.date(2025, 12, 1)
    status = ContractStatus.SIGNED
    vat_mode = VatMode.VAT
    payment_terms_days = 5


class ContractLineFactory(factory.django.DjangoModelFactory[ContractLine]):
    class Meta:
        model = ContractLine

    contract = None
    service = factory.SubFactory(ServiceFactory, agency=factory.SelfAttribute("..contract.agency"))
    billing_model = BillingModel.MONTHLY_RETAINER
    amount = Decimal("100000.00")
