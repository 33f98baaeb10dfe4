"""AM credit from day one: a client's first AM is on record from the start of service («served
since» or the first contract), so payments of months before the client row existed are credited
to them — alike in the resolver, plan fulfilment, the plan overview, bonus statements and
profitability by AM."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tandem.billing import selectors, services
from tandem.clients import services as client_services
from tandem.clients.models import AccountManagerChange, Client
from tandem.contracts import services as contract_services

from .helpers import issued_invoice

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")
MARCH = date(2026, 3, 1)


def _new_client(money, **data) -> Client:
    """A client entered today through the service (as at go-live), am1 responsible."""
    return client_services.client_create(
        actor=money.head.user, data={"legal_name": 'ООО "Гамма"', "status": "active", **data},
        account_manager=money.am1,
    ).client


def _pay(money, client, day, amount):
    return services.payment_record(actor=money.finance.user, client=client, date=day, amount=Decimal(amount),
                                   auto_allocate=False)


def test_without_start_of_service_past_payments_resolve_to_nobody(money):
    # given a client entered today with no start of service and no contract
    client = _new_client(money)

    # when the AM on a past day is asked
    resolve = selectors.am_resolver([client.pk])

    # then there was none (the gap this issue closes) but today there is
    assert resolve(client.pk, date(2026, 3, 10)) is None
    assert resolve(client.pk, date.today() + timedelta(days=1)) == money.am1.pk


def test_served_since_credits_the_first_am_from_that_day(money):
    # given a client imported today, served since 1 February
    client = _new_client(money, served_since=date(2026, 2, 1))

    # when
    resolve = selectors.am_resolver([client.pk])

    # then the first AM is on record from 1 February, not before
    assert resolve(client.pk, date(2026, 2, 1)) == money.am1.pk
    assert resolve(client.pk, date(2026, 1, 31)) is None
    first = AccountManagerChange.objects.get(client=client)
    assert first.changed_at == datetime(2026, 2, 1, tzinfo=MSK)


def test_first_contract_with_earlier_start_moves_the_start_of_service_back(money):
    # given a client entered today, served since 1 February
    client = _new_client(money, served_since=date(2026, 2, 1))

    # when a contract starting on 10 January is drafted, then one starting later
    contract_services.contract_create(actor=money.am1.user, client=client,
                                      data={"date": date(2026, 1, 5), "start_date": date(2026, 1, 10)})
    contract_services.contract_create(actor=money.am1.user, client=client,
                                      data={"date": date(2026, 4, 1), "start_date": date(2026, 4, 1)})

    # then the start of service follows the earliest contract and the first AM is credited from it
    client.refresh_from_db()
    assert client.served_since == date(2026, 1, 10)
    resolve = selectors.am_resolver([client.pk])
    assert resolve(client.pk, date(2026, 1, 10)) == money.am1.pk
    assert resolve(client.pk, date(2026, 1, 9)) is None


def test_contract_without_served_since_moves_back_from_the_creation_day(money):
    # given a client entered today without a start of service
    client = _new_client(money)

    # when its first contract started in January
    contract_services.contract_create(actor=money.am1.user, client=client,
                                      data={"date": date(2026, 1, 5), "start_date": date(2026, 1, 10)})

    # then
    client.refresh_from_db()
    assert client.served_since == date(2026, 1, 10)
    assert selectors.am_resolver([client.pk])(client.pk, date(2026, 3, 10)) == money.am1.pk


def test_a_later_reassignment_keeps_its_date(money):
    # given a client served since February whose AM changed on 15 March
    client = _new_client(money, served_since=date(2026, 2, 1))
    client_services.client_assign_account_manager(actor=money.head.user, client=client, manager=money.am2)
    AccountManagerChange.objects.filter(client=client, previous_manager=money.am1).update(
        changed_at=datetime(2026, 3, 15, 10, 0, tzinfo=MSK))

    # when a contract starting in January is drafted
    contract_services.contract_create(actor=money.head.user, client=client,
                                      data={"date": date(2026, 1, 5), "start_date": date(2026, 1, 10)})

    # then am1 holds January to 14 March, am2 from 15 March
    resolve = selectors.am_resolver([client.pk])
    assert [resolve(client.pk, d) for d in (date(2026, 1, 10), date(2026, 3, 14), date(2026, 3, 15))] == [
        money.am1.pk, money.am1.pk, money.am2.pk]


def test_every_credit_agrees_for_a_past_month(money):
    # given a client entered today with its first contract from January, a plan and payments in March
    client = _new_client(money)
    contract_services.contract_create(actor=money.am1.user, client=client,
                                      data={"date": date(2026, 1, 5), "start_date": date(2026, 1, 10)})
    services.bonus_rule_set(actor=money.head.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("60000"),
                            tiers=[(Decimal("80"), Decimal("5")), (Decimal("100"), Decimal("8"))])
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=MARCH, amount=Decimal("50000"))
    invoice = issued_invoice(money.finance, client, "45000", on=date(2026, 3, 2))
    payment = _pay(money, client, date(2026, 3, 12), "45000")
    services.payment_allocate(actor=money.finance.user, payment=payment, invoice=invoice)

    # when
    single = selectors.plan_fulfilment(actor=money.head.user, employee=money.am1, month=MARCH)
    overview = {f.employee.pk: f for f in selectors.plan_overview(actor=money.head.user, month=MARCH)}
    statement = services.bonus_statement_build(actor=money.head.user, employee=money.am1, month=MARCH)
    by_am = selectors.profitability(actor=money.head.user, start=MARCH, end=date(2026, 3, 31), by="am",
                                    basis="payments")

    # then all four credit am1 with the March payment
    assert single.paid == overview[money.am1.pk].paid == statement.paid == Decimal("45000.00")
    assert single.percent == statement.percent == Decimal("90.00")
    assert statement.share_percent == Decimal("5.00") and statement.bonus == Decimal("2250.00")
    assert [r["client"] for r in statement.details] == ['ООО "Гамма"']
    rows = {r.key: r for r in by_am.rows}
    assert set(rows) == {money.am1.pk}
    assert [c.client_id for c in rows[money.am1.pk].children] == [client.pk]
    assert rows[money.am1.pk].revenue > 0
