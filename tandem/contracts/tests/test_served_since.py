"""Contracts move a client's start of service back: on creation and on an edited start date, and
once for existing data (migration 0003)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone

from tandem.clients import services as client_services
from tandem.clients.models import AccountManagerChange, Client
from tandem.contracts import services
from tandem.contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def _client(org, **data) -> Client:
    return client_services.client_create(
        actor=org.head.user, data={"legal_name": 'ООО "Гамма"', "status": "active", **data}, account_manager=org.am1,
    ).client


def _first_change(client: Client) -> AccountManagerChange:
    return AccountManagerChange.objects.filter(client=client).order_by("changed_at", "id")[0]


def test_editing_a_draft_to_an_earlier_start_moves_the_start_of_service_back(org):
    # given a client served since February with a draft contract from April
    client = _client(org, served_since=date(2026, 2, 1))
    contract = services.contract_create(actor=org.am1.user, client=client,
                                        data={"date": date(2026, 4, 1), "start_date": date(2026, 4, 1)})
    client.refresh_from_db()
    assert client.served_since == date(2026, 2, 1)

    # when the draft's start is corrected to December of the year before
    services.contract_update(actor=org.am1.user, contract=contract,
                             data={"date": date(2025, 12, 1), "start_date": date(2025, 12, 1)})

    # then
    client.refresh_from_db()
    assert client.served_since == date(2025, 12, 1)
    assert _first_change(client).changed_at == datetime(2025, 12, 1, tzinfo=MSK)


def test_data_migration_backdates_the_first_am_to_the_first_contract(org):
    # given clients as they were before the fix: first AM recorded at creation (today)
    moved = _client(org)
    later = _client(org, legal_name='ООО "Эпсилон"')
    ContractFactory(client=moved, date=date(2025, 6, 1), start_date=date(2025, 6, 10))
    ContractFactory(client=moved, date=date(2025, 8, 1), start_date=date(2025, 8, 1))
    ContractFactory(client=later, date=timezone.localdate(), start_date=timezone.localdate() + timedelta(days=10))
    later_first = _first_change(later).changed_at

    # when the data migration runs
    import_module("tandem.contracts.migrations.0003_served_since_from_first_contract").backdate(apps, None)

    # then only the client served before its row existed moved back, to its first contract
    moved.refresh_from_db()
    later.refresh_from_db()
    assert moved.served_since == date(2025, 6, 10)
    assert _first_change(moved).changed_at == datetime(2025, 6, 10, tzinfo=MSK)
    assert later.served_since is None and _first_change(later).changed_at == later_first
