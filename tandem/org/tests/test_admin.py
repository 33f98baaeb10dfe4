"""The Django admin for the organisation keeps the rules of the org services: an account manager
who still serves clients is not deactivated there (tandem.org.deactivation), and the pages of
every org model open for a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin

from tandem.clients.models import Client, LifecycleStatus
from tandem.org.models import Agency, ApiToken, Employee, Group, User
from tandem.org.services import api_token_issue
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser

pytestmark = pytest.mark.django_db

MODELS = [User, Agency, Group, Employee]


@pytest.fixture
def superuser_client(client, org):
    return login_superuser(client, org.head)


def test_every_org_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_open(superuser_client, org, model):
    obj = {User: org.am1.user, Agency: org.agency, Group: org.seo1, Employee: org.am1}[model]

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == 200
    assert superuser_client.get(admin_url(obj)).status_code == 200


def test_deactivating_an_am_who_serves_clients_is_refused_with_the_reason(superuser_client, org):
    # am1 is the responsible AM of client_a, an active client.
    data = change_form_data(superuser_client, admin_url(org.am1))
    data.pop("is_active")  # untick "работает"
    data["full_name"] = "am1 renamed"

    response = superuser_client.post(admin_url(org.am1), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["is_active"] == [
        "Клиентов в работе у сотрудника: 1. Сначала передайте их другому аккаунт-менеджеру."
    ]
    assert "Клиентов в работе у сотрудника: 1" in response.content.decode()
    org.am1.refresh_from_db()
    assert org.am1.is_active is True and org.am1.full_name == "am1"
    assert org.am1.history.count() == 1


def test_deactivating_an_am_without_served_clients_works(superuser_client, org):
    # am2's only client is a lead, which does not occupy an AM.
    Client.objects.filter(pk=org.client_b.pk).update(status=LifecycleStatus.LEAD)
    data = change_form_data(superuser_client, admin_url(org.am2))
    data.pop("is_active")

    response = superuser_client.post(admin_url(org.am2), data)

    assert response.status_code == 302
    org.am2.refresh_from_db()
    assert org.am2.is_active is False


def test_other_fields_of_an_am_with_clients_still_change(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(org.am1))
    data["monthly_capacity_hours"] = "120"

    response = superuser_client.post(admin_url(org.am1), data)

    assert response.status_code == 302
    org.am1.refresh_from_db()
    assert org.am1.monthly_capacity_hours == 120 and org.am1.is_active is True


def test_reverting_to_an_inactive_version_is_refused_while_clients_are_served(superuser_client, org):
    # am1 was inactive once (history), came back, and now serves client_a.
    org.am1.is_active = False
    org.am1.save()
    old = org.am1.history.first()
    org.am1.is_active = True
    org.am1.save()
    url = f"{admin_url(org.am1, 'history')}{old.history_id}/"
    data = change_form_data(superuser_client, url)
    assert "is_active" not in data

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "Клиентов в работе у сотрудника: 1" in response.content.decode()
    org.am1.refresh_from_db()
    assert org.am1.is_active is True


def test_hard_limit_below_soft_is_refused_as_in_the_service(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(org.am1))
    data.update(soft_client_limit="10", hard_client_limit="5")

    response = superuser_client.post(admin_url(org.am1), data)

    assert response.context["adminform"].form.errors["hard_client_limit"] == [
        "Жёсткий лимит не может быть меньше мягкого."
    ]
    org.am1.refresh_from_db()
    assert org.am1.hard_client_limit is None


def test_group_from_another_agency_is_refused(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(org.am1))
    data["group"] = str(Group.objects.create(agency=org.outsider.agency, name="Чужая").pk)

    response = superuser_client.post(admin_url(org.am1), data)

    assert response.context["adminform"].form.errors["group"] == ["Объект из другого агентства."]
    org.am1.refresh_from_db()
    assert org.am1.group == org.seo1


def test_group_head_from_another_agency_is_refused(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(org.seo2))
    data["head"] = str(org.outsider.pk)

    response = superuser_client.post(admin_url(org.seo2), data)

    assert response.context["adminform"].form.errors["head"] == ["Объект из другого агентства."]
    org.seo2.refresh_from_db()
    assert org.seo2.head is None


def test_a_password_set_in_the_admin_revokes_the_users_api_tokens(superuser_client, org):
    api_token_issue(user=org.am1.user)
    url = f"/admin/org/user/{org.am1.user.pk}/password/"

    response = superuser_client.post(url, {"password1": "Nov-Parol-2026!", "password2": "Nov-Parol-2026!",
                                           "usable_password": "true"})

    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=org.am1.user).exists()


def test_an_admin_password_form_with_errors_keeps_the_tokens(superuser_client, org):
    api_token_issue(user=org.am1.user)
    url = f"/admin/org/user/{org.am1.user.pk}/password/"

    response = superuser_client.post(url, {"password1": "Nov-Parol-2026!", "password2": "other"})

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=org.am1.user).exists()
