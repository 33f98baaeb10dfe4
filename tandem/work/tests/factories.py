"""Test helpers for the work app: a signed contract with projects, tasks, stages, entries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from tandem.clients.models import ServiceKind
from tandem.contracts.models import ContractStatus
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory, ServiceFactory
from tandem.work.models import Project, Stage, StageKind, Task, TimeEntry
from tandem.work.services import contract_sign, time_rollup_refresh
from tandem.work.services.rollups import rollup_key


def signed_project(org, *, client=None, actor=None, kind: str = ServiceKind.SEO, planned: str = "40") -> Project:
    """Sign a one-line contract for `client` (default client_a) and return its project."""
    client = client or org.client_a
    actor = actor or org.head
    day = timezone.localdate() - timedelta(days=90)
    contract = ContractFactory.create(client=client, status=ContractStatus.IN_APPROVAL, date=day, start_date=day)
    ContractLineFactory.create(contract=contract, service=ServiceFactory.create(agency=client.agency, kind=kind),
                               planned_hours_per_month=Decimal(planned))
    return contract_sign(actor=actor.user, contract=contract, on_date=day)[0]


class TaskFactory(factory.django.DjangoModelFactory[Task]):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Задача {n}")
    assignee = factory.LazyAttribute(lambda o: o.project.specialist or o.project.account_manager)
    reviewer = factory.LazyAttribute(lambda o: o.project.account_manager)
    created_by = factory.LazyAttribute(lambda o: o.reviewer.user)


class StageFactory(factory.django.DjangoModelFactory[Stage]):
    class Meta:
        model = Stage

    kind = StageKind.AUDIT
    title = "Аудит сайта"


class TimeEntryFactory(factory.django.DjangoModelFactory[TimeEntry]):
    class Meta:
        model = TimeEntry

    hours = Decimal("1")
    date = factory.LazyFunction(timezone.localdate)
    cost_rate = factory.LazyAttribute(lambda o: o.employee.hourly_cost_rate)
    cost = factory.LazyAttribute(lambda o: o.hours * o.cost_rate)

    @classmethod
    def _create(cls, model_class: type[TimeEntry], *args: object, **kwargs: object) -> TimeEntry:
        # Written as the services write time: the month rollup follows (work.services.rollups).
        entry = super()._create(model_class, *args, **kwargs)
        time_rollup_refresh([rollup_key(entry)])
        return entry
