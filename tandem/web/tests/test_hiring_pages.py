"""Hiring and deactivation from the web UI (heads of accounts and admins; everyone else 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tandem.org.models import Employee, User
from tandem.org.roles import Role

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2"]
MANAGERS = {"head", "admin"}


def hire_data(**extra):
    return {"username": "newbie", "email": "newbie@example.com", "password": "Tandem-Strong-91",
            "full_name": "Новиков Павел", "role": Role.ACCOUNT_MANAGER, "specialty": "", "grade": "middle",
            "group": "", "hourly_cost_rate": "850.00", "monthly_capacity_hours": "150",
            "soft_client_limit": "15", "hard_client_limit": "18", **extra}


@pytest.mark.parametrize("role", ROLES)
def test_hire_page_permissions_and_nothing_created_when_denied(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:employee_create")

    codes = (web.get(url).status_code, web.post(url, hire_data()).status_code)

    if role in MANAGERS:
        assert codes == (200, 302)
        employee = Employee.objects.get(user__username="newbie")
        assert (employee.agency, employee.grade, employee.soft_client_limit) == (org.agency, "middle", 15)
        assert employee.user.check_password("Tandem-Strong-91")
    else:
        assert codes == (404, 404)
        assert not User.objects.filter(username="newbie").exists()


def test_weak_password_error_is_shown_next_to_the_field(org, web_client_for):
    response = web_client_for(org.head).post(reverse("web:employee_create"), hire_data(password="12345"))

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert 'class="field has-error"' in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_duplicate_login_and_missing_specialty_are_field_errors(org, web_client_for):
    web = web_client_for(org.admin)

    taken = web.post(reverse("web:employee_create"), hire_data(username="am1"))
    specialist = web.post(reverse("web:employee_create"), hire_data(role=Role.SPECIALIST))

    assert taken.context["form"].errors["username"]
    assert specialist.context["form"].errors["specialty"]
    assert not User.objects.filter(username="newbie").exists()


def test_employee_list_links_to_hiring_for_managers_only(org, web_client_for):
    url = reverse("web:employee_create")

    assert url in web_client_for(org.head).get(reverse("web:employee_list")).content.decode()
    assert url not in web_client_for(org.am1).get(reverse("web:employee_list")).content.decode()


def test_deactivate_am_with_clients_is_refused_in_place(org, web_client_for):
    response = web_client_for(org.head).post(reverse("web:employee_deactivate", args=[org.am1.pk]))

    assert response.status_code == 200
    assert response.context["deactivate_errors"] == [
        "Клиентов в работе у сотрудника: 1. Сначала передайте их другому аккаунт-менеджеру."
    ]
    assert "Клиентов в работе у сотрудника: 1" in response.content.decode()
    org.am1.refresh_from_db()
    assert org.am1.is_active is True


def test_deactivate_checkbox_on_edit_form_is_refused_next_to_the_field(org, web_client_for):
    data = {"full_name": "am1", "role": Role.ACCOUNT_MANAGER, "hourly_cost_rate": "1", "monthly_capacity_hours": "160"}

    response = web_client_for(org.head).post(reverse("web:employee_edit", args=[org.am1.pk]), data)

    assert response.context["form"].errors["is_active"]
    org.am1.refresh_from_db()
    assert org.am1.is_active is True


@pytest.mark.parametrize("role", ROLES)
def test_deactivate_button_permissions(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).post(reverse("web:employee_deactivate", args=[org.spec2.pk]))

    org.spec2.refresh_from_db()
    if role in MANAGERS:
        assert response.status_code == 302
        assert org.spec2.is_active is False
    else:
        assert response.status_code == 404
        assert org.spec2.is_active is True


def test_outsider_cannot_deactivate_this_agencys_employee(org, web_client_for):
    response = web_client_for(org.outsider).post(reverse("web:employee_deactivate", args=[org.spec2.pk]))

    assert response.status_code == 404
    org.spec2.refresh_from_db()
    assert org.spec2.is_active is True


def test_edit_page_shows_the_deactivate_button(org, web_client_for):
    page = web_client_for(org.head).get(reverse("web:employee_edit", args=[org.spec1.pk])).content.decode()

    assert reverse("web:employee_deactivate", args=[org.spec1.pk]) in page
