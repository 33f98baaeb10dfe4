"""REST API for clients, their team, histories and AM workload (issue #2).

The `org` fixture: client_a (am1, group seo1 headed by group_head, spec1 on the team) and
client_b (am2, seo2, spec2). Head, finance and admin see both; outsider belongs to another agency.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tandem.clients import services
from tandem.clients.models import (
    AccountManagerChange,
    Client,
    ClientKind,
    ClientTier,
    LifecycleStatus,
    LifecycleTransition,
    TeamMember,
)
from tandem.clients.tests.factories import ClientFactory, ContactFactory, TeamMemberFactory
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.org.tests.factories import EmployeeFactory
from tandem.testing.fixtures import PASSWORD

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
VISIBLE = {
    "head": {"a", "b"},
    "finance": {"a", "b"},
    "admin": {"a", "b"},
    "group_head": {"a"},
    "am1": {"a"},
    "am2": {"b"},
    "spec1": {"a"},
    "spec2": {"b"},
    "outsider": set(),
}
VALID_INN = "7707083893"
VALID_OGRN = "1027700132195"


def clients_url(pk: int | None = None, action: str = "") -> str:
    base = "/api/v1/clients/" if pk is None else f"/api/v1/clients/{pk}/"
    return f"{base}{action}/" if action else base


def ids_of(org, names: set[str]) -> set[int]:
    return {getattr(org, f"client_{n}").pk for n in names}


def listed_ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def set_limits(org, soft: int, hard: int) -> None:
    org.agency.am_soft_client_limit = soft
    org.agency.am_hard_client_limit = hard
    org.agency.save()


# --- visibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_client_list_shows_exactly_the_visible_clients(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).get(clients_url())

    assert response.status_code == 200
    assert listed_ids(response) == ids_of(org, VISIBLE[role])
    assert response.json()["count"] == len(VISIBLE[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("client_name", ["a", "b"])
def test_client_retrieve_is_200_when_visible_else_404(org, api_client_for, role, client_name):
    client = getattr(org, f"client_{client_name}")
    expected = 200 if client_name in VISIBLE[role] else 404

    response = api_client_for(org.by_role_name(role)).get(clients_url(client.pk))

    assert response.status_code == expected


@pytest.mark.parametrize("action", ["lifecycle", "manager-history", "team"])
@pytest.mark.parametrize("role", ["am2", "spec2", "outsider"])
def test_client_sub_resources_of_an_invisible_client_are_404(org, api_client_for, role, action):
    response = api_client_for(org.by_role_name(role)).get(clients_url(org.client_a.pk, action))

    assert response.status_code == 404


def test_missing_and_malformed_ids_are_404(org, api_client_for):
    api = api_client_for(org.head)

    assert api.get(clients_url(999_999)).status_code == 404
    assert api.get("/api/v1/clients/abc/").status_code == 404


def test_anonymous_requests_are_refused(org):
    response = APIClient().get(clients_url())

    assert response.status_code in (401, 403)


def test_employee_of_an_inactive_account_is_refused(org, api_client_for):
    org.am1.is_active = False
    org.am1.save()

    response = api_client_for(org.am1).get(clients_url())

    assert response.status_code == 403


# --- auth -------------------------------------------------------------------------------------


def test_token_auth_gives_the_same_scoped_view(org):
    anonymous = APIClient()
    token = anonymous.post("/api/v1/auth/token/", {"username": "am1", "password": PASSWORD}, format="json")
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    response = api.get(clients_url())

    assert token.status_code == 200
    assert response.status_code == 200
    assert listed_ids(response) == {org.client_a.pk}


def test_token_auth_rejects_a_wrong_token(org):
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-token").get(clients_url())

    # 403 rather than 401: SessionAuthentication comes first and sends no WWW-Authenticate.
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_session_auth_works(org):
    api = APIClient()
    assert api.login(username="spec2", password=PASSWORD)

    response = api.get(clients_url())

    assert response.status_code == 200
    assert listed_ids(response) == {org.client_b.pk}


# --- retrieve ---------------------------------------------------------------------------------


def test_client_card_nests_am_group_contacts_urgent_first_and_team(org, api_client_for):
    ContactFactory(client=org.client_a, full_name="Анна", is_urgent_contact=False)
    urgent = ContactFactory(client=org.client_a, full_name="Яков", is_urgent_contact=True)

    body = api_client_for(org.am1).get(clients_url(org.client_a.pk)).json()

    assert body["account_manager"] == {
        "id": org.am1.pk, "full_name": "am1", "role": Role.ACCOUNT_MANAGER, "specialty": "",
    }
    assert body["group"] == {"id": org.seo1.pk, "name": "SEO 1"}
    assert [c["full_name"] for c in body["contacts"]] == ["Яков", "Анна"]
    assert body["contacts"][0]["id"] == urgent.pk
    assert [(m["employee"]["id"], m["service"]) for m in body["team"]] == [(org.spec1.pk, "seo")]
    assert body["status"] == LifecycleStatus.ACTIVE
    assert body["display_name"] == "Альфа"


# --- list: filters, search, ordering, pagination, query count -----------------------------------


@pytest.fixture
def more_clients(org):
    """Three extra clients visible to the head, with distinct status, tier and kind."""
    lead = ClientFactory(
        agency=org.agency, legal_name="ООО Гамма", brand_name="Гамма", status=LifecycleStatus.LEAD,
        tier=ClientTier.NEW, kind=ClientKind.B2C, account_manager=org.am1, group=org.seo1, inn=VALID_INN,
    )
    at_risk = ClientFactory(
        agency=org.agency, legal_name="ООО Дельта", brand_name="Дельта", status=LifecycleStatus.AT_RISK,
        tier=ClientTier.KEY, kind=ClientKind.MARKETPLACE_SELLER, account_manager=org.am2, group=org.seo2,
    )
    churned = ClientFactory(
        agency=org.agency, legal_name="ООО Эпсилон", brand_name="Эпсилон", status=LifecycleStatus.CHURNED,
        churn_reason="budget", tier=ClientTier.CURRENT, kind=ClientKind.B2B,
    )
    ContactFactory(client=at_risk, full_name="Пётр Контактов", email="petr@delta.example")
    return {"lead": lead, "at_risk": at_risk, "churned": churned}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=lead", {"lead"}),
        ("status=lead&status=at_risk", {"lead", "at_risk"}),
        ("status=churned", {"churned"}),
        ("tier=key", {"at_risk"}),
        ("kind=b2c", {"lead"}),
        ("kind=marketplace_seller", {"at_risk"}),
        ("search=Гамма", {"lead"}),
        ("search=770708", {"lead"}),
        ("search=Контактов", {"at_risk"}),
        ("search=petr@delta", {"at_risk"}),
        ("status=lead&tier=key", set()),
    ],
)
def test_client_list_filters_and_search(org, api_client_for, more_clients, query, expected):
    response = api_client_for(org.head).get(f"{clients_url()}?{query}")

    assert response.status_code == 200
    assert listed_ids(response) == {more_clients[name].pk for name in expected}


def test_client_list_filters_by_account_manager_and_group(org, api_client_for, more_clients):
    api = api_client_for(org.head)

    by_am = api.get(clients_url(), {"account_manager": org.am2.pk})
    by_group = api.get(clients_url(), {"group": org.seo1.pk})

    assert listed_ids(by_am) == {org.client_b.pk, more_clients["at_risk"].pk}
    assert listed_ids(by_group) == {org.client_a.pk, more_clients["lead"].pk}


def test_search_never_widens_visibility(org, api_client_for, more_clients):
    response = api_client_for(org.am1).get(clients_url(), {"search": "Дельта"})

    assert listed_ids(response) == set()


@pytest.mark.parametrize("query", ["status=bogus", "tier=gold", "kind=b2x", "group=abc", "account_manager=x"])
def test_client_list_rejects_bad_filter_values(org, api_client_for, query):
    field = query.split("=")[0]

    response = api_client_for(org.head).get(f"{clients_url()}?{query}")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("legal_name", ['ООО "Альфа"', 'ООО "Бета"', "ООО Гамма", "ООО Дельта", "ООО Эпсилон"]),
        ("-legal_name", ["ООО Эпсилон", "ООО Дельта", "ООО Гамма", 'ООО "Бета"', 'ООО "Альфа"']),
        ("brand_name", ['ООО "Альфа"', 'ООО "Бета"', "ООО Гамма", "ООО Дельта", "ООО Эпсилон"]),
    ],
)
def test_client_list_ordering(org, api_client_for, more_clients, ordering, expected):
    response = api_client_for(org.head).get(clients_url(), {"ordering": ordering})

    assert [row["legal_name"] for row in response.json()["results"]] == expected


def test_client_list_orders_by_status_and_tier(org, api_client_for, more_clients):
    api = api_client_for(org.head)

    statuses = [row["status"] for row in api.get(clients_url(), {"ordering": "status"}).json()["results"]]
    tiers = [row["tier"] for row in api.get(clients_url(), {"ordering": "-tier"}).json()["results"]]

    assert statuses == sorted(statuses)
    assert tiers == sorted(tiers, reverse=True)


def test_client_list_paginates(org, api_client_for, more_clients):
    api = api_client_for(org.head)

    first = api.get(clients_url(), {"page_size": 2}).json()
    third = api.get(clients_url(), {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"] is not None
    assert len(third["results"]) == 1
    assert third["next"] is None


def _make_clients(org, count: int) -> None:
    for i in range(count):
        am, group = (org.am1, org.seo1) if i % 2 else (org.am2, org.seo2)
        client = ClientFactory(agency=org.agency, account_manager=am, group=group)
        ContactFactory(client=client)
        TeamMemberFactory(client=client, employee=org.spec1)


@pytest.mark.parametrize("role", ["head", "group_head", "am1", "spec1"])
def test_client_list_query_count_does_not_grow_with_clients(org, api_client_for, role):
    def fresh_api() -> APIClient:
        # A new Employee instance per request, as in production (permissions cache on it).
        return api_client_for(Employee.objects.select_related("user").get(pk=org.by_role_name(role).pk))

    _make_clients(org, 5)
    with CaptureQueriesContext(connection) as five:
        assert fresh_api().get(clients_url()).status_code == 200
    _make_clients(org, 45)

    with CaptureQueriesContext(connection) as fifty:
        response = fresh_api().get(clients_url())

    assert response.status_code == 200
    assert len(response.json()["results"]) >= 25
    # A first page that is not full is its own count (tandem.api.pagination): 5 visible clients
    # skip the COUNT that a full page of 50 needs. Nothing else may grow with the clients.
    assert len(five) <= len(fifty) <= len(five) + 1


@pytest.mark.parametrize("count", [5, 50])
def test_client_list_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries, count):
    _make_clients(org, count)
    api = api_client_for(org.head)

    with django_assert_max_num_queries(4):
        response = api.get(clients_url())

    assert len(response.json()["results"]) == min(count + 2, 50)


@pytest.mark.parametrize("count", [5, 50])
def test_client_card_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries, count):
    for _ in range(count):
        ContactFactory(client=org.client_a)
    api = api_client_for(org.am1)

    with django_assert_max_num_queries(8):
        response = api.get(clients_url(org.client_a.pk))

    assert len(response.json()["contacts"]) == count


# --- create -----------------------------------------------------------------------------------


CREATE_ALLOWED = ["head", "admin", "group_head", "am1", "am2"]
CREATE_DENIED = ["finance", "spec1", "spec2"]


@pytest.mark.parametrize("role", CREATE_ALLOWED)
def test_client_create_allowed_roles(org, api_client_for, role):
    actor = org.by_role_name(role)

    response = api_client_for(actor).post(
        clients_url(), {"legal_name": "ООО Новый", "inn": VALID_INN, "ogrn": VALID_OGRN}, format="json"
    )

    assert response.status_code == 201
    client = Client.objects.get(legal_name="ООО Новый")
    assert client.agency == org.agency
    assert client.status == LifecycleStatus.LEAD
    assert response.json()["client"]["id"] == client.pk
    assert response.json()["warnings"] == []
    assert response.json()["limit_overridden"] is False
    assert LifecycleTransition.objects.filter(client=client, to_status=LifecycleStatus.LEAD).count() == 1


@pytest.mark.parametrize("role", CREATE_DENIED)
def test_client_create_denied_roles_change_nothing(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(clients_url(), {"legal_name": "ООО Новый"}, format="json")

    assert response.status_code == 403
    assert not Client.objects.filter(legal_name="ООО Новый").exists()


def test_outsider_creates_in_their_own_agency_only(org, api_client_for):
    response = api_client_for(org.outsider).post(clients_url(), {"legal_name": "ООО Чужой"}, format="json")

    assert response.status_code == 201
    assert Client.objects.get(legal_name="ООО Чужой").agency == org.outsider.agency


def test_outsider_cannot_reference_another_agencys_manager_or_group(org, api_client_for):
    response = api_client_for(org.outsider).post(
        clients_url(),
        {"legal_name": "ООО Чужой", "account_manager": org.am1.pk, "group": org.seo1.pk},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"account_manager", "group"}
    assert not Client.objects.filter(legal_name="ООО Чужой").exists()


def test_am_who_creates_a_client_becomes_its_manager(org, api_client_for):
    response = api_client_for(org.am1).post(
        clients_url(), {"legal_name": "ООО Мой", "status": "active"}, format="json"
    )

    body = response.json()["client"]
    assert body["account_manager"]["id"] == org.am1.pk
    assert body["group"]["id"] == org.seo1.pk
    assert body["status"] == "active"
    assert AccountManagerChange.objects.filter(client_id=body["id"], new_manager=org.am1).exists()


def test_am_cannot_create_a_client_for_another_manager(org, api_client_for):
    response = api_client_for(org.am1).post(
        clients_url(), {"legal_name": "ООО Чужое", "account_manager": org.am2.pk}, format="json"
    )

    assert response.status_code == 400
    assert "account_manager" in response.json()
    assert not Client.objects.filter(legal_name="ООО Чужое").exists()


def test_client_create_with_full_details(org, api_client_for):
    payload = {
        "legal_name": 'ООО "Ромашка"', "brand_name": "Ромашка", "inn": "7702070139", "kpp": "770201001",
        "ogrn": VALID_OGRN, "kind": "marketplace_seller", "tier": "key", "group": org.seo2.pk,
        "account_manager": org.am2.pk, "status": "onboarding", "website": "https://romashka.example",
        "character_notes": "Любит цифры", "personal_notes": "Кот Барсик", "reason": "Пришёл по рекомендации",
    }

    response = api_client_for(org.head).post(clients_url(), payload, format="json")

    assert response.status_code == 201
    client = Client.objects.get(inn="7702070139")
    assert (client.kind, client.tier, client.status) == ("marketplace_seller", "key", "onboarding")
    assert client.account_manager == org.am2
    assert client.group == org.seo2
    assert response.json()["client"]["personal_notes"] == "Кот Барсик"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"legal_name": "ООО Х", "inn": "7712345678"}, "inn"),
        ({"legal_name": "ООО Х", "ogrn": "1027700132196"}, "ogrn"),
        ({"legal_name": "ООО Х", "kpp": "77-01"}, "kpp"),
        ({"legal_name": "ООО Х", "bik": "04452"}, "bik"),
        ({"legal_name": ""}, "legal_name"),
        ({"brand_name": "Без названия"}, "legal_name"),
        ({"legal_name": "ООО Х", "kind": "b2x"}, "kind"),
        ({"legal_name": "ООО Х", "status": "churned"}, "status"),
        ({"legal_name": "ООО Х", "colour": "red"}, "colour"),
        ({"legal_name": "ООО Х", "agency": 1}, "agency"),
    ],
)
def test_client_create_rejects_bad_input_with_field_messages(org, api_client_for, payload, field):
    response = api_client_for(org.head).post(clients_url(), payload, format="json")

    assert response.status_code == 400
    assert isinstance(response.json()[field], list)
    assert response.json()[field][0]
    assert not Client.objects.filter(legal_name="ООО Х").exists()


# --- update -----------------------------------------------------------------------------------

EDIT_ALLOWED = ["head", "admin", "finance", "group_head", "am1"]
EDIT_DENIED = [("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)]


@pytest.mark.parametrize("role", EDIT_ALLOWED)
def test_client_patch_allowed_roles(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        clients_url(org.client_a.pk), {"brand_name": "Альфа+", "inn": VALID_INN}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["brand_name"] == "Альфа+"
    org.client_a.refresh_from_db()
    assert (org.client_a.brand_name, org.client_a.inn) == ("Альфа+", VALID_INN)


@pytest.mark.parametrize(("role", "expected"), EDIT_DENIED)
def test_client_patch_denied_roles_change_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).patch(
        clients_url(org.client_a.pk), {"brand_name": "Взлом"}, format="json"
    )

    assert response.status_code == expected
    org.client_a.refresh_from_db()
    assert org.client_a.brand_name == "Альфа"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"inn": "7712345678"}, "inn"),
        ({"ogrn": "123"}, "ogrn"),
        ({"status": "churned"}, "status"),
        ({"account_manager": 1}, "account_manager"),
        ({"unknown": 1}, "unknown"),
        ({"legal_name": ""}, "legal_name"),
    ],
)
def test_client_patch_rejects_bad_input(org, api_client_for, payload, field):
    response = api_client_for(org.head).patch(clients_url(org.client_a.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    org.client_a.refresh_from_db()
    assert (org.client_a.inn, org.client_a.status) == ("", LifecycleStatus.ACTIVE)


def test_client_patch_can_clear_the_group(org, api_client_for):
    response = api_client_for(org.head).patch(clients_url(org.client_a.pk), {"group": None}, format="json")

    assert response.status_code == 200
    org.client_a.refresh_from_db()
    assert org.client_a.group is None


@pytest.mark.parametrize("role", ["finance", "am1"])
def test_only_staffing_roles_move_a_client_to_another_group(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        clients_url(org.client_a.pk), {"group": org.seo2.pk}, format="json"
    )

    assert response.status_code == 400
    assert "group" in response.json()
    org.client_a.refresh_from_db()
    assert org.client_a.group == org.seo1


def test_put_is_not_offered(org, api_client_for):
    response = api_client_for(org.head).put(clients_url(org.client_a.pk), {"legal_name": "X"}, format="json")

    assert response.status_code == 405


# --- lifecycle --------------------------------------------------------------------------------

LIFECYCLE_ALLOWED = ["head", "admin", "group_head", "am1"]
LIFECYCLE_DENIED = [("finance", 403), ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)]


@pytest.mark.parametrize("role", LIFECYCLE_ALLOWED)
def test_transition_allowed_roles(org, api_client_for, role):
    actor = org.by_role_name(role)

    response = api_client_for(actor).post(
        clients_url(org.client_a.pk, "transition"), {"to_status": "at_risk", "reason": "Молчит месяц"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "at_risk"
    step = LifecycleTransition.objects.get(client=org.client_a)
    assert (step.from_status, step.to_status, step.changed_by, step.reason) == (
        "active", "at_risk", actor.user, "Молчит месяц",
    )


@pytest.mark.parametrize(("role", "expected"), LIFECYCLE_DENIED)
def test_transition_denied_roles_change_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).post(
        clients_url(org.client_a.pk, "transition"), {"to_status": "at_risk"}, format="json"
    )

    assert response.status_code == expected
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.ACTIVE
    assert not LifecycleTransition.objects.exists()


def test_churn_needs_a_reason_and_a_comment(org, api_client_for):
    response = api_client_for(org.am1).post(
        clients_url(org.client_a.pk, "transition"), {"to_status": "churned"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"churn_reason", "churn_comment"}
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.ACTIVE


def test_churn_with_reason_is_recorded(org, api_client_for):
    response = api_client_for(org.am1).post(
        clients_url(org.client_a.pk, "transition"),
        {"to_status": "churned", "churn_reason": "budget", "churn_comment": "Бюджет урезали вдвое"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["churn_reason"], response.json()["churn_comment"]) == ("budget", "Бюджет урезали вдвое")
    assert LifecycleTransition.objects.get(client=org.client_a).churn_reason == "budget"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"to_status": "lead"}, "to_status"),
        ({"to_status": "active"}, "to_status"),
        ({"to_status": "frozen"}, "to_status"),
        ({}, "to_status"),
        ({"to_status": "churned", "churn_reason": "aliens", "churn_comment": "x"}, "churn_reason"),
        ({"to_status": "at_risk", "when": "now"}, "when"),
    ],
)
def test_invalid_transitions_are_400(org, api_client_for, payload, field):
    response = api_client_for(org.am1).post(clients_url(org.client_a.pk, "transition"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not LifecycleTransition.objects.exists()


def test_lifecycle_history_newest_first(org, api_client_for):
    api = api_client_for(org.am1)
    api.post(clients_url(org.client_a.pk, "transition"), {"to_status": "at_risk"}, format="json")
    api.post(clients_url(org.client_a.pk, "transition"), {"to_status": "active", "reason": "Ожил"}, format="json")

    response = api_client_for(org.spec1).get(clients_url(org.client_a.pk, "lifecycle"))

    assert response.status_code == 200
    rows = response.json()
    assert [(r["from_status"], r["to_status"]) for r in rows] == [("at_risk", "active"), ("active", "at_risk")]
    assert rows[0]["reason"] == "Ожил"
    assert rows[0]["changed_by"] == {"id": org.am1.user.pk, "username": "am1", "full_name": "am1"}


# --- account manager assignment, workload ---------------------------------------------------------

ASSIGN_ALLOWED = ["head", "admin", "group_head"]
ASSIGN_DENIED = [("finance", 403), ("am1", 403), ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)]


@pytest.mark.parametrize("role", ASSIGN_ALLOWED)
def test_assign_manager_allowed_roles(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        clients_url(org.client_a.pk, "assign-manager"), {"account_manager": org.am2.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["client"]["account_manager"]["id"] == org.am2.pk
    org.client_a.refresh_from_db()
    assert org.client_a.account_manager == org.am2


@pytest.mark.parametrize(("role", "expected"), ASSIGN_DENIED)
def test_assign_manager_denied_roles_change_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).post(
        clients_url(org.client_a.pk, "assign-manager"), {"account_manager": org.am2.pk}, format="json"
    )

    assert response.status_code == expected
    org.client_a.refresh_from_db()
    assert org.client_a.account_manager == org.am1
    assert not AccountManagerChange.objects.exists()


def test_am_replacement_keeps_history(org, api_client_for):
    api = api_client_for(org.head)
    api.post(
        clients_url(org.client_a.pk, "assign-manager"),
        {"account_manager": org.am2.pk, "reason": "Не сложился контакт"},
        format="json",
    )
    api.post(clients_url(org.client_a.pk, "assign-manager"), {"account_manager": org.am1.pk}, format="json")

    response = api_client_for(org.am1).get(clients_url(org.client_a.pk, "manager-history"))

    assert response.status_code == 200
    rows = response.json()
    assert [(r["previous_manager"]["id"], r["new_manager"]["id"]) for r in rows] == [
        (org.am2.pk, org.am1.pk), (org.am1.pk, org.am2.pk),
    ]
    assert rows[1]["reason"] == "Не сложился контакт"
    assert rows[1]["changed_by"]["username"] == "head"
    assert rows[1]["limit_overridden"] is False


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "account_manager"),
        ({"account_manager": 999_999}, "account_manager"),
        ({"account_manager": "am2"}, "account_manager"),
        ({"account_manager": None}, "account_manager"),
        ({"account_manager": "SPEC1"}, "account_manager"),
        ({"account_manager": "x", "force": "maybe"}, "force"),
    ],
)
def test_assign_manager_rejects_bad_input(org, api_client_for, payload, field):
    response = api_client_for(org.head).post(clients_url(org.client_a.pk, "assign-manager"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not AccountManagerChange.objects.exists()


def test_specialist_cannot_become_the_account_manager(org, api_client_for):
    response = api_client_for(org.head).post(
        clients_url(org.client_a.pk, "assign-manager"), {"account_manager": org.spec1.pk}, format="json"
    )

    assert response.status_code == 400
    assert "account_manager" in response.json()


def test_manager_of_another_agency_is_400(org, api_client_for):
    response = api_client_for(org.head).post(
        clients_url(org.client_a.pk, "assign-manager"), {"account_manager": org.outsider.pk}, format="json"
    )

    assert response.status_code == 400
    assert "account_manager" in response.json()


def test_assignment_above_soft_limit_warns(org, api_client_for):
    set_limits(org, soft=1, hard=3)

    response = api_client_for(org.head).post(
        clients_url(org.client_b.pk, "assign-manager"), {"account_manager": org.am1.pk}, format="json"
    )

    assert response.status_code == 200
    assert len(response.json()["warnings"]) == 1
    assert "am1" in response.json()["warnings"][0]
    assert response.json()["limit_overridden"] is False
    org.client_b.refresh_from_db()
    assert org.client_b.account_manager == org.am1


def test_client_create_above_soft_limit_returns_warnings(org, api_client_for):
    set_limits(org, soft=1, hard=3)

    response = api_client_for(org.am1).post(
        clients_url(), {"legal_name": "ООО Ещё", "status": "active"}, format="json"
    )

    assert response.status_code == 201
    assert len(response.json()["warnings"]) == 1
    assert response.json()["client"]["account_manager"]["id"] == org.am1.pk


@pytest.mark.parametrize(("role", "force"), [("group_head", False), ("group_head", True), ("admin", True), ("head", False)])
def test_assignment_above_hard_limit_is_refused(org, api_client_for, role, force):
    set_limits(org, soft=1, hard=1)
    client = ClientFactory(agency=org.agency, group=org.seo1, account_manager=org.am2)

    response = api_client_for(org.by_role_name(role)).post(
        clients_url(client.pk, "assign-manager"), {"account_manager": org.am1.pk, "force": force}, format="json"
    )

    assert response.status_code == 400
    assert "account_manager" in response.json()
    client.refresh_from_db()
    assert client.account_manager == org.am2
    assert not AccountManagerChange.objects.exists()


def test_head_of_accounts_forces_over_hard_limit_and_it_is_recorded(org, api_client_for):
    set_limits(org, soft=1, hard=1)
    api = api_client_for(org.head)

    response = api.post(
        clients_url(org.client_b.pk, "assign-manager"),
        {"account_manager": org.am1.pk, "force": True, "reason": "Ключевой клиент, больше некому"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["limit_overridden"] is True
    assert response.json()["warnings"]
    change = AccountManagerChange.objects.get(client=org.client_b)
    assert change.limit_overridden is True
    history = api.get(clients_url(org.client_b.pk, "manager-history")).json()
    assert history[0]["limit_overridden"] is True


def test_client_create_above_hard_limit_refused_without_force(org, api_client_for):
    set_limits(org, soft=1, hard=1)

    response = api_client_for(org.am1).post(
        clients_url(), {"legal_name": "ООО Лишний", "status": "active"}, format="json"
    )

    assert response.status_code == 400
    assert "account_manager" in response.json()
    assert not Client.objects.filter(legal_name="ООО Лишний").exists()


def test_client_create_above_hard_limit_forced_by_head(org, api_client_for):
    set_limits(org, soft=1, hard=1)

    response = api_client_for(org.head).post(
        clients_url(),
        {"legal_name": "ООО Лишний", "status": "active", "account_manager": org.am1.pk, "force": True},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["limit_overridden"] is True
    assert AccountManagerChange.objects.get(client__legal_name="ООО Лишний").limit_overridden is True


def test_workload_lists_managers_with_load_and_state(org, api_client_for):
    set_limits(org, soft=1, hard=2)
    ClientFactory(agency=org.agency, account_manager=org.am1, status=LifecycleStatus.ONBOARDING)
    ClientFactory(agency=org.agency, account_manager=org.am1, status=LifecycleStatus.AT_RISK)
    ClientFactory(agency=org.agency, account_manager=org.am2, status=LifecycleStatus.LEAD)
    ClientFactory(agency=org.agency, account_manager=org.am2, status=LifecycleStatus.CHURNED, churn_reason="budget")

    response = api_client_for(org.spec1).get("/api/v1/workload/")

    assert response.status_code == 200
    rows = {row["employee"]["full_name"]: row for row in response.json()}
    assert set(rows) == {"am1", "am2", "group_head"}
    assert (rows["am1"]["active_clients"], rows["am1"]["state"]) == (3, "over")
    assert (rows["am2"]["active_clients"], rows["am2"]["state"]) == (1, "ok")
    assert (rows["am1"]["soft_limit"], rows["am1"]["hard_limit"]) == (1, 2)
    assert rows["am1"]["employee"]["group"] == {"id": org.seo1.pk, "name": "SEO 1"}


def test_workload_filters_by_group_and_scopes_to_agency(org, api_client_for):
    seo2 = api_client_for(org.head).get("/api/v1/workload/", {"group": org.seo2.pk}).json()
    foreign = api_client_for(org.outsider).get("/api/v1/workload/").json()

    assert [row["employee"]["id"] for row in seo2] == [org.am2.pk]
    assert foreign == []


def test_workload_warning_state_between_limits(org, api_client_for):
    set_limits(org, soft=0, hard=1)

    rows = api_client_for(org.head).get("/api/v1/workload/", {"group": org.seo2.pk}).json()

    assert rows[0]["state"] == "warning"


def test_workload_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries):
    for _ in range(20):
        EmployeeFactory(agency=org.agency, role=Role.ACCOUNT_MANAGER, group=org.seo1)

    with django_assert_max_num_queries(3):
        response = api_client_for(org.head).get("/api/v1/workload/")

    assert len(response.json()) == 23


# --- team -------------------------------------------------------------------------------------

TEAM_ALLOWED = ["head", "admin", "group_head", "am1"]
TEAM_DENIED = [("finance", 403), ("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)]


def test_team_is_readable_by_everyone_who_sees_the_client(org, api_client_for):
    response = api_client_for(org.spec1).get(clients_url(org.client_a.pk, "team"))

    assert response.status_code == 200
    assert [(m["employee"]["id"], m["service"]) for m in response.json()] == [(org.spec1.pk, "seo")]


@pytest.mark.parametrize("role", TEAM_ALLOWED)
def test_team_add_allowed_roles(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        clients_url(org.client_a.pk, "team"), {"employee": org.spec2.pk, "service": "smm"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["employee"]["id"] == org.spec2.pk
    assert TeamMember.objects.filter(client=org.client_a, employee=org.spec2, service="smm").exists()


@pytest.mark.parametrize(("role", "expected"), TEAM_DENIED)
def test_team_add_denied_roles_change_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).post(
        clients_url(org.client_a.pk, "team"), {"employee": org.spec2.pk, "service": "smm"}, format="json"
    )

    assert response.status_code == expected
    assert not TeamMember.objects.filter(client=org.client_a, employee=org.spec2).exists()


def test_team_add_is_idempotent_and_gives_visibility(org, api_client_for):
    api = api_client_for(org.am1)
    api.post(clients_url(org.client_a.pk, "team"), {"employee": org.spec2.pk, "service": "smm"}, format="json")

    again = api.post(clients_url(org.client_a.pk, "team"), {"employee": org.spec2.pk, "service": "smm"}, format="json")

    assert again.status_code == 201
    assert TeamMember.objects.filter(client=org.client_a, employee=org.spec2).count() == 1
    assert api_client_for(org.spec2).get(clients_url(org.client_a.pk)).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"employee": 999_999, "service": "juggling"}, "service"),
        ({"service": "seo"}, "employee"),
        ({"employee": 999_999, "service": "seo"}, "employee"),
        ({"employee": 999_999, "service": "seo", "lead": True}, "lead"),
    ],
)
def test_team_add_rejects_bad_input(org, api_client_for, payload, field):
    count = TeamMember.objects.count()

    response = api_client_for(org.am1).post(clients_url(org.client_a.pk, "team"), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert TeamMember.objects.count() == count


@pytest.mark.parametrize("name", ["am2", "finance"])
def test_team_takes_specialists_only(org, api_client_for, name):
    response = api_client_for(org.head).post(
        clients_url(org.client_a.pk, "team"), {"employee": org.by_role_name(name).pk, "service": "seo"}, format="json"
    )

    assert response.status_code == 400
    assert "employee" in response.json()
    assert not TeamMember.objects.filter(client=org.client_a, employee=org.by_role_name(name)).exists()


def test_team_add_refuses_an_employee_of_another_agency(org, api_client_for):
    response = api_client_for(org.am1).post(
        clients_url(org.client_a.pk, "team"), {"employee": org.outsider.pk, "service": "seo"}, format="json"
    )

    assert response.status_code == 400
    assert not TeamMember.objects.filter(employee=org.outsider).exists()


@pytest.mark.parametrize("role", TEAM_ALLOWED)
def test_team_remove_allowed_roles(org, api_client_for, role):
    member = TeamMember.objects.get(client=org.client_a, employee=org.spec1)

    response = api_client_for(org.by_role_name(role)).delete(clients_url(org.client_a.pk, f"team/{member.pk}"))

    assert response.status_code == 204
    assert not TeamMember.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize(("role", "expected"), TEAM_DENIED)
def test_team_remove_denied_roles_change_nothing(org, api_client_for, role, expected):
    member = TeamMember.objects.get(client=org.client_a, employee=org.spec1)

    response = api_client_for(org.by_role_name(role)).delete(clients_url(org.client_a.pk, f"team/{member.pk}"))

    assert response.status_code == expected
    assert TeamMember.objects.filter(pk=member.pk).exists()


def test_team_remove_of_another_clients_member_is_404(org, api_client_for):
    member_of_b = TeamMember.objects.get(client=org.client_b)

    response = api_client_for(org.head).delete(clients_url(org.client_a.pk, f"team/{member_of_b.pk}"))

    assert response.status_code == 404
    assert TeamMember.objects.filter(pk=member_of_b.pk).exists()


def test_team_member_add_with_an_unknown_service_leaves_no_row(org):
    """The service validates before saving (an unknown service never reaches the table)."""
    with pytest.raises(ValidationError):
        services.team_member_add(actor=org.head.user, client=org.client_a, employee=org.spec2, service="juggling")

    assert not TeamMember.objects.filter(client=org.client_a, employee=org.spec2).exists()
