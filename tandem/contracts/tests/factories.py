from datetime import date
from decimal import Decimal

import factory

from tandem.clients.models import ServiceKind
from tandem.clients.tests.factories import ClientFactory
from tandem.contracts.models import BillingModel, Contract, ContractLine, Service, VatRate


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service

    agency = factory.SubFactory("tandem.org.tests.factories.AgencyFactory")
    name = factory.Sequence(lambda n: f"Услуга {n}")
    kind = ServiceKind.SEO


class ContractFactory(factory.django.DjangoModelFactory[Contract]):
    class Meta:
        model = Contract

    client = factory.SubFactory(ClientFactory)
    agency = factory.SelfAttribute("client.agency")
    number = factory.Sequence(lambda n: f"F-{n:05d}")
    date = factory.LazyFunction(lambda: date(2026, 1, 15))
    start_date = factory.SelfAttribute("date")


class ContractLineFactory(factory.django.DjangoModelFactory[ContractLine]):
    class Meta:
        model = ContractLine

    contract = factory.SubFactory(ContractFactory)
    service = factory.SubFactory(ServiceFactory, agency=factory.SelfAttribute("..contract.agency"))
    billing_model = BillingModel.MONTHLY_RETAINER
    amount = Decimal("100000.00")
    planned_hours_per_month = Decimal("40")


class VatRateFactory(factory.django.DjangoModelFactory[VatRate]):
    class Meta:
        model = VatRate

    agency = factory.SubFactory("tandem.org.tests.factories.AgencyFactory")
    valid_from = date(2026, 1, 1)
    rate_percent = Decimal("22.00")
