"""REST API for the organisation (issue #2): groups, employees, agency settings.

Everyone in the agency reads the directory; heads of accounts and admins write it. Another
agency's groups and employees are 404.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tandem.org.models import Agency, Employee, Group, User
from tandem.org.roles import Role
from tandem.org.tests.factories import EmployeeFactory, GroupFactory

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
MANAGERS = ["head", "admin"]
NON_MANAGERS = ["finance", "group_head", "am1", "am2", "spec1", "spec2"]
AGENCY_EMPLOYEES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2"]


def listed(response) -> list[dict]:
    return response.json()["results"]


# --- groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", AGENCY_EMPLOYEES)
def test_every_employee_lists_the_agencys_groups(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).get("/api/v1/groups/")

    assert response.status_code == 200
    rows = listed(response)
    assert [g["name"] for g in rows] == ["SEO 1", "SEO 2"]
    assert rows[0]["head"]["id"] == org.group_head.pk
    assert rows[0]["member_count"] == 3


def test_groups_are_listed_by_name(org, api_client_for):
    GroupFactory(agency=org.agency, name="Analytics")

    response = api_client_for(org.am1).get("/api/v1/groups/")

    assert [g["name"] for g in listed(response)] == ["Analytics", "SEO 1", "SEO 2"]


def test_outsider_sees_none_of_the_agencys_groups(org, api_client_for):
    api = api_client_for(org.outsider)

    assert listed(api.get("/api/v1/groups/")) == []
    assert api.get(f"/api/v1/groups/{org.seo1.pk}/").status_code == 404


def test_group_retrieve(org, api_client_for):
    response = api_client_for(org.spec2).get(f"/api/v1/groups/{org.seo2.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "SEO 2"
    assert response.json()["head"] is None
    assert response.json()["member_count"] == 2


@pytest.mark.parametrize("role", MANAGERS)
def test_group_create_by_managers(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/groups/", {"name": "Performance", "kind": "performance", "head": org.group_head.pk}, format="json"
    )

    assert response.status_code == 201
    group = Group.objects.get(name="Performance")
    assert (group.agency, group.kind, group.head) == (org.agency, "performance", org.group_head)
    assert response.json()["member_count"] == 0


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_group_create_denied_changes_nothing(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post("/api/v1/groups/", {"name": "Performance"}, format="json")

    assert response.status_code == 403
    assert not Group.objects.filter(name="Performance").exists()


def test_outsider_creates_groups_in_their_own_agency(org, api_client_for):
    response = api_client_for(org.outsider).post("/api/v1/groups/", {"name": "Performance"}, format="json")

    assert response.status_code == 201
    assert Group.objects.get(name="Performance").agency == org.outsider.agency


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "SEO 1"}, "__all__|name"),
        ({"name": ""}, "name"),
        ({"name": "X", "kind": "crypto"}, "kind"),
        ({"name": "X", "head": 999_999}, "head"),
        ({"name": "X", "agency": 1}, "agency"),
    ],
)
def test_group_create_rejects_bad_input(org, api_client_for, payload, field):
    count = Group.objects.count()

    response = api_client_for(org.head).post("/api/v1/groups/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) & set(field.replace("__all__", "non_field_errors").split("|"))
    assert Group.objects.count() == count


def test_group_head_from_another_agency_is_400(org, api_client_for):
    response = api_client_for(org.head).post(
        "/api/v1/groups/", {"name": "X", "head": org.outsider.pk}, format="json"
    )

    assert response.status_code == 400
    assert "head" in response.json()


@pytest.mark.parametrize("role", MANAGERS)
def test_group_update_by_managers(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/groups/{org.seo2.pk}/", {"name": "SEO Москва", "head": org.am2.pk}, format="json"
    )

    assert response.status_code == 200
    org.seo2.refresh_from_db()
    assert (org.seo2.name, org.seo2.head) == ("SEO Москва", org.am2)


@pytest.mark.parametrize(("role", "expected"), [*((r, 403) for r in NON_MANAGERS), ("outsider", 404)])
def test_group_update_denied_changes_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/groups/{org.seo2.pk}/", {"name": "Захвачено"}, format="json"
    )

    assert response.status_code == expected
    org.seo2.refresh_from_db()
    assert org.seo2.name == "SEO 2"


def test_group_list_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries):
    for _ in range(30):
        GroupFactory(agency=org.agency)

    with django_assert_max_num_queries(3):
        response = api_client_for(org.am1).get("/api/v1/groups/")

    assert response.json()["count"] == 32


# --- employees --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", AGENCY_EMPLOYEES)
def test_every_employee_lists_their_colleagues(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).get("/api/v1/employees/")

    assert response.status_code == 200
    assert {e["full_name"] for e in listed(response)} == set(AGENCY_EMPLOYEES)


def test_outsider_sees_only_their_own_agency(org, api_client_for):
    api = api_client_for(org.outsider)

    assert [e["id"] for e in listed(api.get("/api/v1/employees/"))] == [org.outsider.pk]
    assert api.get(f"/api/v1/employees/{org.am1.pk}/").status_code == 404


def test_employee_retrieve(org, api_client_for):
    response = api_client_for(org.am2).get(f"/api/v1/employees/{org.spec1.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"], body["specialty"]) == ("spec1", "specialist", "seo")
    assert body["group"] == {"id": org.seo1.pk, "name": "SEO 1"}
    assert (body["effective_soft_limit"], body["effective_hard_limit"]) == (20, 25)


@pytest.mark.parametrize(
    ("role", "shown"),
    [("head", True), ("admin", True), ("finance", True), ("group_head", False), ("am1", False), ("spec1", False)],
)
def test_cost_rates_are_shown_to_heads_admins_and_finance_only(org, api_client_for, role, shown):
    response = api_client_for(org.by_role_name(role)).get(f"/api/v1/employees/{org.spec1.pk}/")

    assert (response.json()["hourly_cost_rate"] == "1000.00") is shown
    assert (response.json()["hourly_cost_rate"] is None) is not shown


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"role": "specialist"}, {"spec1", "spec2"}),
        ({"role": "account_manager", "group": "SEO 1"}, {"am1"}),
        ({"search": "spec"}, {"spec1", "spec2"}),
        ({"search": "am1@"}, {"am1"}),
        ({"is_active": "false"}, {"former"}),
        ({"is_active": "true", "role": "finance"}, {"finance"}),
        ({"role": "account_manager"}, {"am1", "am2", "former"}),
    ],
)
def test_employee_list_filters(org, api_client_for, query, expected):
    EmployeeFactory(agency=org.agency, full_name="former", role=Role.ACCOUNT_MANAGER, is_active=False)
    params = {**query, **({"group": org.seo1.pk} if "group" in query else {})}

    response = api_client_for(org.head).get("/api/v1/employees/", params)

    assert response.status_code == 200
    assert {e["full_name"] for e in listed(response)} == expected


@pytest.mark.parametrize("query", [{"role": "boss"}, {"group": "x"}, {"is_active": "perhaps"}])
def test_employee_list_rejects_bad_filters(org, api_client_for, query):
    response = api_client_for(org.head).get("/api/v1/employees/", query)

    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_employee_list_ordering(org, api_client_for):
    api = api_client_for(org.head)

    by_name = [e["full_name"] for e in listed(api.get("/api/v1/employees/", {"ordering": "-full_name"}))]
    by_role = [e["role"] for e in listed(api.get("/api/v1/employees/", {"ordering": "role"}))]

    assert by_name == sorted(AGENCY_EMPLOYEES, reverse=True)
    assert by_role == sorted(by_role)


def test_employee_list_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries):
    for _ in range(30):
        EmployeeFactory(agency=org.agency, group=org.seo1)

    with django_assert_max_num_queries(3):
        response = api_client_for(org.head).get("/api/v1/employees/")

    assert response.json()["count"] == 38


@pytest.mark.parametrize("role", MANAGERS)
def test_employee_create_by_managers(org, api_client_for, role):
    payload = {
        "username": "newbie", "email": "newbie@agency.example", "password": "Secret-12345",
        "full_name": "Новиков Н.", "role": "specialist", "specialty": "ppc", "grade": "junior",
        "group": org.seo2.pk, "hourly_cost_rate": "850.50", "monthly_capacity_hours": 120,
    }

    response = api_client_for(org.by_role_name(role)).post("/api/v1/employees/", payload, format="json")

    assert response.status_code == 201
    employee = Employee.objects.get(user__username="newbie")
    assert (employee.agency, employee.group, employee.specialty) == (org.agency, org.seo2, "ppc")
    assert employee.hourly_cost_rate == Decimal("850.50")
    assert employee.user.check_password("Secret-12345")
    assert "password" not in response.json()
    assert response.json()["email"] == "newbie@agency.example"


def test_new_employee_can_log_in_with_the_password(org, api_client_for):
    api_client_for(org.head).post(
        "/api/v1/employees/",
        {"username": "newbie", "password": "Secret-12345", "full_name": "Новиков", "role": "account_manager"},
        format="json",
    )
    api = APIClient()

    token = api.post("/api/v1/auth/token/", {"username": "newbie", "password": "Secret-12345"}, format="json")

    assert token.status_code == 200


def test_employee_without_password_cannot_log_in(org, api_client_for):
    response = api_client_for(org.head).post(
        "/api/v1/employees/", {"username": "newbie", "full_name": "Новиков", "role": "finance"}, format="json"
    )

    assert response.status_code == 201
    assert not User.objects.get(username="newbie").has_usable_password()


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_employee_create_denied_changes_nothing(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).post(
        "/api/v1/employees/", {"username": "newbie", "full_name": "Новиков", "role": "admin"}, format="json"
    )

    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "am1", "full_name": "Дубль", "role": "finance"}, "username"),
        ({"username": "spec3", "full_name": "Спец", "role": "specialist"}, "specialty"),
        ({"username": "x", "full_name": "X", "role": "boss"}, "role"),
        ({"username": "x", "full_name": "X", "role": "finance", "email": "nope"}, "email"),
        ({"username": "x", "full_name": "X", "role": "finance", "group": 999_999}, "group"),
        ({"username": "x", "full_name": "X", "role": "finance", "soft_client_limit": 10, "hard_client_limit": 5},
         "hard_client_limit"),
        ({"username": "x", "full_name": "X", "role": "finance", "hourly_cost_rate": "-1"}, "hourly_cost_rate"),
        ({"username": "x", "full_name": "X", "role": "finance", "agency": 2}, "agency"),
        ({"username": "bad name!", "full_name": "X", "role": "finance"}, "username"),
        ({"full_name": "X", "role": "finance"}, "username"),
    ],
)
def test_employee_create_rejects_bad_input_and_creates_no_login(org, api_client_for, payload, field):
    users = User.objects.count()

    response = api_client_for(org.head).post("/api/v1/employees/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.count() == users


@pytest.mark.parametrize("role", MANAGERS)
def test_employee_update_by_managers(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/employees/{org.am2.pk}/",
        {"group": org.seo1.pk, "grade": "senior", "soft_client_limit": 10, "hard_client_limit": 12},
        format="json",
    )

    assert response.status_code == 200
    org.am2.refresh_from_db()
    assert (org.am2.group, org.am2.grade, org.am2.soft_client_limit) == (org.seo1, "senior", 10)
    assert (response.json()["effective_soft_limit"], response.json()["effective_hard_limit"]) == (10, 12)


def test_employee_can_be_deactivated(org, api_client_for):
    org.client_b.account_manager = org.am1  # an AM with served clients cannot leave (see test_hiring_api)
    org.client_b.save(update_fields=["account_manager"])
    response = api_client_for(org.head).patch(f"/api/v1/employees/{org.am2.pk}/", {"is_active": False}, format="json")

    assert response.status_code == 200
    org.am2.refresh_from_db()
    assert org.am2.is_active is False
    assert api_client_for(org.am2).get("/api/v1/clients/").status_code == 403


@pytest.mark.parametrize(("role", "expected"), [*((r, 403) for r in NON_MANAGERS), ("outsider", 404)])
def test_employee_update_denied_changes_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/employees/{org.am2.pk}/", {"role": "head_of_accounts"}, format="json"
    )

    assert response.status_code == expected
    org.am2.refresh_from_db()
    assert org.am2.role == Role.ACCOUNT_MANAGER


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "specialist"}, "specialty"),
        ({"username": "renamed"}, "username"),
        ({"email": "new@agency.example"}, "email"),
        ({"password": "x"}, "password"),
        ({"group": "nope"}, "group"),
        ({"group": 999_999}, "group"),
        ({"hard_client_limit": 1, "soft_client_limit": 2}, "hard_client_limit"),
    ],
)
def test_employee_update_rejects_bad_input(org, api_client_for, payload, field):
    response = api_client_for(org.head).patch(f"/api/v1/employees/{org.am2.pk}/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    org.am2.refresh_from_db()
    assert (org.am2.role, org.am2.group, org.am2.user.username) == (Role.ACCOUNT_MANAGER, org.seo2, "am2")


# --- agency settings --------------------------------------------------------------------------


@pytest.mark.parametrize("role", AGENCY_EMPLOYEES)
def test_every_employee_reads_the_agency_limits(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).get("/api/v1/agency/")

    assert response.status_code == 200
    assert response.json() == {
        "id": org.agency.pk, "name": "Тандем-Агентство", "legal_name": "",
        "started_on": None, "am_soft_client_limit": 20, "am_hard_client_limit": 25, "two_factor_roles": [],
    }


def test_outsider_reads_their_own_agency(org, api_client_for):
    response = api_client_for(org.outsider).get("/api/v1/agency/")

    assert response.json()["id"] == org.outsider.agency_id


@pytest.mark.parametrize("role", MANAGERS)
def test_agency_limits_changed_by_managers(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        "/api/v1/agency/", {"am_soft_client_limit": 12, "am_hard_client_limit": 15}, format="json"
    )

    assert response.status_code == 200
    org.agency.refresh_from_db()
    assert (org.agency.am_soft_client_limit, org.agency.am_hard_client_limit) == (12, 15)
    assert api_client_for(org.am1).get("/api/v1/workload/").json()[0]["soft_limit"] == 12


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_agency_patch_denied_changes_nothing(org, api_client_for, role):
    response = api_client_for(org.by_role_name(role)).patch(
        "/api/v1/agency/", {"am_soft_client_limit": 99, "am_hard_client_limit": 99}, format="json"
    )

    assert response.status_code == 403
    org.agency.refresh_from_db()
    assert (org.agency.am_soft_client_limit, org.agency.am_hard_client_limit) == (20, 25)


def test_outsider_changes_only_their_own_agency(org, api_client_for):
    api_client_for(org.outsider).patch("/api/v1/agency/", {"name": "Чужое"}, format="json")

    org.agency.refresh_from_db()
    assert org.agency.name == "Тандем-Агентство"
    assert Agency.objects.get(pk=org.outsider.agency_id).name == "Чужое"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"am_hard_client_limit": 10}, "am_hard_client_limit"),
        ({"am_soft_client_limit": -1}, "am_soft_client_limit"),
        ({"name": ""}, "name"),
        ({"vat_rate": 22}, "vat_rate"),
    ],
)
def test_agency_patch_rejects_bad_input(org, api_client_for, payload, field):
    response = api_client_for(org.head).patch("/api/v1/agency/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    org.agency.refresh_from_db()
    assert (org.agency.name, org.agency.am_hard_client_limit) == ("Тандем-Агентство", 25)


def test_org_endpoints_refuse_anonymous(org):
    api = APIClient()

    statuses = {api.get(url).status_code for url in ["/api/v1/groups/", "/api/v1/employees/", "/api/v1/agency/"]}

    assert statuses <= {401, 403}
