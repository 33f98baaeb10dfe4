"""Organisation pages: team load chart, directory of groups and employees, edit pages for org managers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.clients.models import LifecycleStatus
from tandem.clients.tests.factories import ClientFactory
from tandem.org.models import Group
from tandem.org.roles import Role

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
ORG_MANAGERS = {"head", "admin"}


# --- team load ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_team_load_page_opens_for_every_employee(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).get(reverse("web:team_load"))

    assert response.status_code == 200


def test_team_load_renders_a_bar_per_manager_with_state(org, web_client_for):
    org.agency.am_soft_client_limit = 2
    org.agency.am_hard_client_limit = 3
    org.agency.save()
    ClientFactory.create_batch(3, agency=org.agency, account_manager=org.am2, status=LifecycleStatus.ACTIVE)
    ClientFactory(agency=org.agency, account_manager=org.am1, status=LifecycleStatus.CHURNED, churn_reason="budget")

    response = web_client_for(org.head).get(reverse("web:team_load"))

    html = response.content.decode()
    bars = {b.load.employee.full_name: b for b in response.context["bars"]}
    assert set(bars) == {"am1", "am2", "group_head"}
    assert bars["am1"].load.active_clients == 1 and bars["am1"].load.state == "ok"
    assert bars["am2"].load.active_clients == 4 and bars["am2"].load.state == "over"
    assert html.count('class="bar-row"') == 3
    assert 'class="bar-fill over"' in html and 'class="bar-mark hard"' in html
    assert bars["am2"].fill_pct > bars["am2"].hard_pct > bars["am2"].soft_pct


def test_team_load_filters_by_group(org, web_client_for):
    response = web_client_for(org.head).get(reverse("web:team_load"), {"group": org.seo2.pk})

    assert [b.load.employee for b in response.context["bars"]] == [org.am2]


def test_team_load_empty_state(org, web_client_for):
    empty = Group.objects.create(agency=org.agency, name="Пустая")

    response = web_client_for(org.head).get(reverse("web:team_load"), {"group": empty.pk})

    assert "нет аккаунт-менеджеров" in response.content.decode()


# --- directory -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_directory_lists_only_own_agency(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))

    groups = web.get(reverse("web:group_list"))
    employees = web.get(reverse("web:employee_list"))

    own = role != "outsider"
    assert {g.name for g in groups.context["groups"]} == ({"SEO 1", "SEO 2"} if own else set())
    assert ("am1" in {e.full_name for e in employees.context["employees"]}) is own
    edit_link = reverse("web:group_edit", args=[org.seo1.pk])
    assert (edit_link in groups.content.decode()) is (role in ORG_MANAGERS)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"role": Role.SPECIALIST}, {"spec1", "spec2"}), ({"group": "seo2"}, {"am2", "spec2"}), ({"q": "spec"}, {"spec1", "spec2"})],
)
def test_employee_list_filters(org, web_client_for, params, expected):
    params = {k: (org.seo2.pk if v == "seo2" else v) for k, v in params.items()}

    response = web_client_for(org.am1).get(reverse("web:employee_list"), params)

    assert {e.full_name for e in response.context["employees"]} == expected


# --- edit pages ------------------------------------------------------------------------------------


def org_edit_pages(org) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "group_edit": (reverse("web:group_edit", args=[org.seo1.pk]), {"name": "Взломано", "kind": "seo"}),
        "group_create": (reverse("web:group_create"), {"name": "Новая", "kind": "seo"}),
        "employee_edit": (
            reverse("web:employee_edit", args=[org.am1.pk]),
            {"full_name": "Взломано", "role": Role.ACCOUNT_MANAGER, "hourly_cost_rate": "1",
             "monthly_capacity_hours": "1", "is_active": "on"},
        ),
        "agency_edit": (
            reverse("web:agency_edit"), {"name": "Взломано", "am_soft_client_limit": "1", "am_hard_client_limit": "1"}
        ),
    }


def assert_org_unchanged(org) -> None:
    org.seo1.refresh_from_db()
    org.am1.refresh_from_db()
    org.agency.refresh_from_db()
    assert org.seo1.name == "SEO 1" and org.am1.full_name == "am1"
    assert org.agency.name != "Взломано" and org.agency.am_hard_client_limit == 25
    assert not Group.objects.filter(agency=org.agency, name="Новая").exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != "outsider"])
def test_org_edit_pages_are_404_for_non_managers_and_nothing_changes(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    pages = org_edit_pages(org)

    codes = {name: (web.get(url).status_code, web.post(url, data).status_code) for name, (url, data) in pages.items()}

    if role in ORG_MANAGERS:
        assert codes == {name: (200, 302) for name in pages}
    else:
        assert codes == {name: (404, 404) for name in pages}
        assert_org_unchanged(org)


def test_another_agencys_head_cannot_touch_this_agency(org, web_client_for):
    """The outsider manages their own agency: they get its forms, never this agency's objects."""
    web = web_client_for(org.outsider)
    pages = org_edit_pages(org)

    codes = {name: (web.get(url).status_code, web.post(url, data).status_code) for name, (url, data) in pages.items()}

    assert codes["group_edit"] == codes["employee_edit"] == (404, 404)
    assert_org_unchanged(org)
    assert Group.objects.get(name="Новая").agency == org.outsider.agency


def test_agency_limits_error_is_shown_next_to_the_field(org, web_client_for):
    response = web_client_for(org.head).post(
        reverse("web:agency_edit"), {"name": "Агентство", "am_soft_client_limit": "10", "am_hard_client_limit": "5"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["am_hard_client_limit"]
    org.agency.refresh_from_db()
    assert org.agency.am_hard_client_limit == 25


def test_employee_edit_specialist_needs_a_specialty(org, web_client_for):
    data = {"full_name": "am1", "role": Role.SPECIALIST, "specialty": "", "hourly_cost_rate": "1000",
            "monthly_capacity_hours": "160", "is_active": "on", "group": org.seo1.pk}

    response = web_client_for(org.admin).post(reverse("web:employee_edit", args=[org.am1.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors["specialty"]
    org.am1.refresh_from_db()
    assert org.am1.role == Role.ACCOUNT_MANAGER


def test_group_create_and_edit_by_admin(org, web_client_for):
    web = web_client_for(org.admin)

    web.post(reverse("web:group_create"), {"name": "Performance", "kind": "performance", "head": org.am2.pk})
    group = Group.objects.get(agency=org.agency, name="Performance")
    web.post(reverse("web:group_edit", args=[group.pk]), {"name": "Performance 1", "kind": "performance", "head": ""})

    group.refresh_from_db()
    assert group.name == "Performance 1" and group.head is None


def test_group_head_choice_excludes_other_agencies(org, web_client_for):
    response = web_client_for(org.head).post(
        reverse("web:group_create"), {"name": "Чужая", "kind": "seo", "head": org.outsider.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["head"]
    assert not Group.objects.filter(name="Чужая").exists()
