"""Issue 16: the read plans of tandem.api.fastread write exactly what DRF writes, the lists of
`make load-api` read only the columns they return (no query per row), and a short first page is
its own count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.paginator import Paginator
from rest_framework import serializers

from tandem.api import fastread
from tandem.api.fastread import FastReadMixin
from tandem.api.pagination import CappedCountPaginator, ShortFirstPagePaginator
from tandem.api.v1 import billing, clients, comms, org, work
from tandem.billing import services as billing_services
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.tests.factories import InteractionFactory
from tandem.org.models import User
from tandem.work.tests.factories import TaskFactory, TimeEntryFactory, signed_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(money):
    o = money
    project = signed_project(o)
    contacts = [ContactFactory.create(client=o.client_a, full_name=f"Контакт {i}", is_urgent_contact=i == 0)
                for i in range(3)]
    for i in range(4):
        TaskFactory.create(project=project, deadline=date(2026, 3, 1) + timedelta(days=i), priority=i % 3,
                           brief="" if i else "бриф", estimate_hours=Decimal("2.50") if i else None)
        TimeEntryFactory.create(employee=o.spec1, project=project, date=date(2026, 3, 2 + i), hours=Decimal("1.25"),
                                note=f"заметка {i}")
        interaction = InteractionFactory.create(client=o.client_a, contacts=contacts[: i % 3 + 1],
                                                next_step="звонок" if i else "")
        interaction.employees.set([o.am1, o.spec1][: i % 2 + 1])
    o.client_a.website = "https://example.ru"
    o.client_a.brand_name = ""
    o.client_a.save()
    billing_services.invoice_create(actor=o.finance.user, client=o.client_a, contract=o.contract_a,
                                    date=date(2026, 3, 2), lines=[billing_services.LineInput(name="x", price=Decimal("5"))])
    o.project = project
    return o


def _paths(o: Any) -> list[str]:
    return [
        "/api/v1/clients/", f"/api/v1/clients/{o.client_a.pk}/", f"/api/v1/contacts/?client={o.client_a.pk}",
        "/api/v1/invoices/", "/api/v1/tasks/", f"/api/v1/interactions/?client={o.client_a.pk}",
        f"/api/v1/time-entries/?project={o.project.pk}", "/api/v1/clients/?page_size=1",
    ]


@pytest.mark.parametrize("role", ["head", "am1", "finance"])
def test_plans_write_what_drf_writes(data, api_client_for, role, monkeypatch):
    client = api_client_for(getattr(data, role))
    for path in _paths(data):
        monkeypatch.setattr(fastread, "ENABLED", False)
        drf = client.get(path)
        monkeypatch.setattr(fastread, "ENABLED", True)
        fast = client.get(path)
        assert drf.status_code == fast.status_code == 200, path
        assert drf.content == fast.content, path  # byte for byte: same keys, order and values


def test_load_api_lists_have_no_query_per_row(data, api_client_for, django_assert_max_num_queries):
    client = api_client_for(data.am1)
    budget = {"/api/v1/clients/": 1, f"/api/v1/clients/{data.client_a.pk}/": 3,
              f"/api/v1/contacts/?client={data.client_a.pk}": 1, "/api/v1/invoices/": 2, "/api/v1/tasks/": 2,
              f"/api/v1/interactions/?client={data.client_a.pk}": 4, f"/api/v1/time-entries/?project={data.project.pk}": 2}
    for path, queries in budget.items():
        with django_assert_max_num_queries(queries):
            assert client.get(path).status_code == 200, path


def test_serializers_of_the_load_mix_have_plans():
    for cls in (clients.ClientListSerializer, clients.ClientDetailSerializer, clients.ContactSerializer,
                clients.TeamMemberSerializer, work.TaskSerializer, work.TimeEntrySerializer,
                billing.InvoiceSerializer, comms.InteractionSerializer, org.EmployeeBriefSerializer):
        assert cls._plan() is not None, cls.__name__
    # Subclasses do not inherit a plan unless they ask for one; nested serializers without a plan stop it.
    assert work.TaskDetailSerializer._plan() is None
    assert clients.WorkloadEmployeeSerializer._plan() is None


def test_no_plan_for_context_or_overrides():
    class Reads(FastReadMixin, serializers.Serializer):
        name = serializers.SerializerMethodField()

        def get_name(self, obj: Any) -> str:
            return str(self.context.get("who"))

    class Own(FastReadMixin, serializers.Serializer):
        id = serializers.IntegerField()

        def to_representation(self, instance: Any) -> Any:
            return {"id": 0}

    assert Reads._plan() is None and Reads(User(pk=1), context={"who": "x"}).data == {"name": "x"}
    assert Own._plan() is None and Own(User(pk=5)).data == {"id": 0}


def test_plan_falls_back_to_drf_for_dicts_and_missing_attributes():
    class Person(FastReadMixin, serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()

    assert Person({"id": 3, "username": "a"}).data == {"id": 3, "username": "a"}
    assert Person(User(pk=4, username="b")).data == {"id": 4, "username": "b"}


@pytest.mark.parametrize("paginator_class", [ShortFirstPagePaginator, CappedCountPaginator])
def test_short_first_page_is_its_own_count(paginator_class, django_assert_num_queries):
    User.objects.bulk_create([User(username=f"u{i}") for i in range(7)])
    with django_assert_num_queries(1):
        page = paginator_class(User.objects.order_by("username"), 10).page("1")
        assert page.paginator.count == 7 and not page.has_next() and len(page) == 7
    with django_assert_num_queries(2):  # a full first page counts
        page = paginator_class(User.objects.order_by("username"), 5).page(1)
        assert page.paginator.count == 7 and page.has_next() and len(page) == 5
    assert paginator_class(User.objects.filter(username="nobody").order_by("pk"), 5).page(1).paginator.count == 0
    plain = Paginator(User.objects.order_by("username"), 5).page(2)
    assert [u.username for u in paginator_class(User.objects.order_by("username"), 5).page(2)] == \
        [u.username for u in plain]
