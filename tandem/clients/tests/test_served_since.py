"""«Served since»: the start of service dates the first AM's record; it is edited on the client,
moved back (never forward) by contracts, and refused in the future."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.clients import services
from tandem.clients.models import AccountManagerChange, Client
from tandem.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")


def _client(org, **data) -> Client:
    return services.client_create(
        actor=org.head.user, data={"legal_name": 'ООО "Гамма"', "status": "active", **data}, account_manager=org.am1,
    ).client


def _first_change(client: Client) -> AccountManagerChange:
    return AccountManagerChange.objects.filter(client=client).order_by("changed_at", "id")[0]


def test_editing_served_since_redates_the_first_am_record(org):
    # given a client entered today
    client = _client(org)

    # when the head enters the start of service from the old system
    services.client_update(actor=org.head.user, client=client, data={"served_since": date(2025, 9, 1)})

    # then the initial assignment is on record from that day
    client.refresh_from_db()
    assert client.served_since == date(2025, 9, 1)
    assert _first_change(client).changed_at == datetime(2025, 9, 1, tzinfo=MSK)


def test_served_since_in_the_future_is_refused(org):
    client = _client(org)
    before = _first_change(client).changed_at

    with pytest.raises(ValidationError) as exc:
        services.client_update(actor=org.head.user, client=client,
                               data={"served_since": timezone.localdate() + timedelta(days=1)})

    assert "served_since" in exc.value.message_dict
    client.refresh_from_db()
    assert client.served_since is None and _first_change(client).changed_at == before


def test_first_record_never_moves_past_the_next_change(org):
    # given am1 from September, replaced by am2 on 1 November
    client = _client(org, served_since=date(2025, 9, 1))
    services.client_assign_account_manager(actor=org.head.user, client=client, manager=org.am2)
    second_at = datetime(2025, 11, 1, 12, 0, tzinfo=MSK)
    AccountManagerChange.objects.filter(client=client, previous_manager=org.am1).update(changed_at=second_at)

    # when served-since is corrected to a day after the replacement
    services.client_update(actor=org.head.user, client=client, data={"served_since": date(2025, 12, 1)})

    # then the history keeps its order: the first record stops at the replacement
    changes = list(AccountManagerChange.objects.filter(client=client).order_by("changed_at", "id"))
    assert [c.new_manager for c in changes] == [org.am1, org.am2]
    assert changes[0].changed_at == second_at == changes[1].changed_at


def test_later_first_assignment_is_dated_at_the_start_of_service(org):
    # given a client served since March that got no AM at creation
    client = services.client_create(
        actor=org.head.user, data={"legal_name": 'ООО "Дельта"', "status": "active", "served_since": date(2026, 3, 1)},
    ).client

    # when its first AM is assigned today
    services.client_assign_account_manager(actor=org.head.user, client=client, manager=org.am1)

    # then that AM is on record from March
    assert _first_change(client).changed_at == datetime(2026, 3, 1, tzinfo=MSK)


def test_start_extend_moves_back_only(org):
    client = _client(org, served_since=date(2026, 2, 1))

    services.client_service_start_extend(actor=org.am1.user, client=client, day=date(2026, 5, 1))
    client.refresh_from_db()
    assert client.served_since == date(2026, 2, 1)

    services.client_service_start_extend(actor=org.am1.user, client=client, day=date(2026, 1, 15))
    client.refresh_from_db()
    assert client.served_since == date(2026, 1, 15)
    assert _first_change(client).changed_at == datetime(2026, 1, 15, tzinfo=MSK)


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_start_extend_needs_the_contract_managers_right(org, role):
    client = _client(org, served_since=date(2026, 2, 1))

    with pytest.raises(PermissionDenied):
        services.client_service_start_extend(actor=org.by_role_name(role).user, client=client, day=date(2025, 1, 1))

    client.refresh_from_db()
    assert client.served_since == date(2026, 2, 1)
