"""The bonus statements page: who sees and who builds, the same statement as the API, bounded
queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tandem.billing import services
from tandem.billing.models import BonusStatement
from tandem.clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
BUILDERS = {"head", "finance", "admin", "group_head"}
SEES_AM1 = BUILDERS | {"am1"}
URL = "/plans/bonus/"
MARCH = date(2026, 3, 1)


@pytest.fixture
def bonus(money):
    services.bonus_rule_set(actor=money.head.user, valid_from=date(2026, 1, 1), fixed_salary=Decimal("60000"),
                            tiers=[(Decimal("80"), Decimal("5")), (Decimal("100"), Decimal("8"))])
    services.payment_plan_set(actor=money.head.user, employee=money.am1, month=MARCH, amount=Decimal("100000"))
    services.payment_plan_set(actor=money.head.user, employee=money.am2, month=MARCH, amount=Decimal("40000"))
    for client, day, amount in [(money.client_a, date(2026, 3, 3), "70000"), (money.client_a, date(2026, 3, 20), "25000.50"),
                                (money.client_b, date(2026, 3, 5), "50000")]:
        services.payment_record(actor=money.finance.user, client=client, date=day, amount=Decimal(amount),
                                auto_allocate=False)
    return money


@pytest.mark.parametrize("role", ROLES)
def test_page_by_role(bonus, web_client_for, role):
    # given am1's March statement
    services.bonus_statement_build(actor=bonus.head.user, employee=bonus.am1, month=MARCH)

    # when
    response = web_client_for(bonus.by_role_name(role)).get(f"{URL}?month=2026-03&employee={bonus.am1.pk}")

    # then specialists see no money, others see am1's statement only when it is theirs to see
    if role.startswith("spec") or role in {"am2", "outsider"}:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert "Альфа" in body and "95\xa0000,50" in body
    assert ("bonus-build-form" in body) == (role in BUILDERS)


@pytest.mark.parametrize("role", ROLES)
def test_build_by_role_and_denied_changes_nothing(bonus, web_client_for, role):
    # when
    response = web_client_for(bonus.by_role_name(role)).post(URL, {"month": "2026-03", "employee": bonus.am1.pk})

    # then
    if role in BUILDERS:
        assert response.status_code == 302
        assert response["Location"] == f"{URL}?month=2026-03&employee={bonus.am1.pk}"
        assert BonusStatement.objects.get().paid == Decimal("95000.50")
    else:
        assert response.status_code == (404 if role.startswith("spec") else 403)
        assert not BonusStatement.objects.exists()


def test_group_head_cannot_build_another_groups_am(bonus, web_client_for):
    response = web_client_for(bonus.group_head).post(URL, {"month": "2026-03", "employee": bonus.am2.pk})

    assert response.status_code == 200 and "has-error" in response.content.decode()
    assert not BonusStatement.objects.exists()


def test_build_every_am_of_the_month(bonus, web_client_for):
    # when finance builds March for everyone, and the group head for their group
    web_client_for(bonus.finance).post(URL, {"month": "2026-03", "employee": ""})

    # then every AM and group head has a statement; the table lists them
    built = {s.employee_id: s for s in BonusStatement.objects.all()}
    assert set(built) == {bonus.am1.pk, bonus.am2.pk, bonus.group_head.pk}
    assert built[bonus.am2.pk].paid == Decimal("50000.00") and built[bonus.am2.pk].share_percent == Decimal("8.00")
    page = web_client_for(bonus.am2).get(f"{URL}?month=2026-03").content.decode()
    assert bonus.am2.full_name in page and bonus.am1.full_name not in page


def test_web_and_api_give_the_same_statement(bonus, web_client_for, api_client_for):
    # given am1's statement built on the web
    web_client_for(bonus.head).post(URL, {"month": "2026-03", "employee": bonus.am1.pk})
    web = BonusStatement.objects.get(employee=bonus.am1)

    # when the API reads it, then rebuilds it
    read = api_client_for(bonus.head).get(f"/api/v1/plans/{bonus.am1.pk}/bonus/?month=2026-03").json()
    rebuilt = api_client_for(bonus.finance).post(f"/api/v1/plans/{bonus.am1.pk}/bonus/?month=2026-03").json()

    # then every figure and the payments behind it are the same
    expected = {
        "plan": "100000.00", "paid": "95000.50", "percent": "95.00", "fixed_salary": "60000.00",
        "share_percent": "5.00", "bonus": "4750.03", "total": "64750.03",
    }
    for body in (read, rebuilt):
        assert {k: body[k] for k in expected} == expected
        assert body["details"] == web.details
    assert (str(web.paid), str(web.bonus), str(web.total)) == ("95000.50", "4750.03", "64750.03")
    page = web_client_for(bonus.am1).get(f"{URL}?month=2026-03&employee={bonus.am1.pk}").content.decode()
    assert "64\xa0750,03" in page and "4\xa0750,03" in page and "60\xa0000,00" in page


def test_visible_employee_without_statement_says_so(bonus, web_client_for):
    response = web_client_for(bonus.am1).get(f"{URL}?month=2026-03&employee={bonus.am1.pk}")

    assert response.status_code == 200
    assert "ещё не сформирована" in response.content.decode()


def test_page_queries_do_not_grow_with_statements_and_payments(bonus, web_client_for, django_assert_max_num_queries):
    # given statements with many payments for every AM
    for n in range(15):
        client = ClientFactory(agency=bonus.agency, account_manager=bonus.am1, group=bonus.seo1)
        services.payment_record(actor=bonus.finance.user, client=client, date=date(2026, 3, 10), amount=Decimal(n + 1),
                                auto_allocate=False)
    services.bonus_statements_build_month(actor=bonus.head.user, month=MARCH)
    web = web_client_for(bonus.head)

    # when / then
    with django_assert_max_num_queries(6):
        response = web.get(f"{URL}?month=2026-03&employee={bonus.am1.pk}")
    assert response.status_code == 200 and response.content.decode().count("<tr>") >= 17
