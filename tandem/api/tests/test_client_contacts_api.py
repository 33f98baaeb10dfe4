"""REST API for contact people of clients (issue #2): visibility follows the client."""

from __future__ import annotations

import pytest

from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
VISIBLE = {
    "head": {"a", "b"}, "finance": {"a", "b"}, "admin": {"a", "b"}, "group_head": {"a"},
    "am1": {"a"}, "am2": {"b"}, "spec1": {"a"}, "spec2": {"b"}, "outsider": set(),
}
EDIT_ALLOWED = ["head", "finance", "admin", "group_head", "am1"]
EDIT_DENIED = [("spec1", 403), ("am2", 404), ("spec2", 404), ("outsider", 404)]


def contacts_url(pk: int | None = None) -> str:
    return "/api/v1/contacts/" if pk is None else f"/api/v1/contacts/{pk}/"


@pytest.fixture
def contacts(org):
    return {
        "a": ContactFactory(client=org.client_a, full_name="Анна Альфина", email="anna@alfa.example", phone="+7 900"),
        "b": ContactFactory(client=org.client_b, full_name="Борис Бетов", email="boris@beta.example"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_contact_list_and_retrieve_follow_client_visibility(org, api_client_for, contacts, role):
    api = api_client_for(org.by_role_name(role))
    visible = VISIBLE[role]

    listed = api.get(contacts_url())
    retrieved = {name: api.get(contacts_url(c.pk)).status_code for name, c in contacts.items()}

    assert {row["id"] for row in listed.json()["results"]} == {contacts[n].pk for n in visible}
    assert retrieved == {"a": 200 if "a" in visible else 404, "b": 200 if "b" in visible else 404}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("search=Анна", {"a"}), ("search=beta.example", {"b"}), ("search=+7 900", {"a"}), ("search=нет", set())],
)
def test_contact_search(org, api_client_for, contacts, query, expected):
    response = api_client_for(org.head).get(f"{contacts_url()}?{query.replace('+', '%2B')}")

    assert {row["id"] for row in response.json()["results"]} == {contacts[n].pk for n in expected}


def test_contact_filter_by_client(org, api_client_for, contacts):
    api = api_client_for(org.head)

    by_b = api.get(contacts_url(), {"client": org.client_b.pk}).json()["results"]
    by_invisible = api_client_for(org.am1).get(contacts_url(), {"client": org.client_b.pk}).json()["results"]

    assert [row["id"] for row in by_b] == [contacts["b"].pk]
    assert by_invisible == []


def test_contact_filter_rejects_a_malformed_client(org, api_client_for):
    response = api_client_for(org.head).get(contacts_url(), {"client": "x"})

    assert response.status_code == 400
    assert "client" in response.json()


# --- create -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDIT_ALLOWED)
def test_contact_create_allowed_roles(org, api_client_for, role):
    payload = {
        "client": org.client_a.pk, "full_name": "Вера Лпр", "role": "decision_maker", "phone": "+7 999 000-00-00",
        "preferred_channel": "phone", "cadence_days": 30, "quiet_hours_start": "21:00", "quiet_hours_end": "09:00",
        "birthday": "1985-04-12",
    }

    response = api_client_for(org.by_role_name(role)).post(contacts_url(), payload, format="json")

    assert response.status_code == 201
    contact = Contact.objects.get(full_name="Вера Лпр")
    assert contact.client == org.client_a
    assert (contact.role, contact.cadence_days, str(contact.quiet_hours_start)) == ("decision_maker", 30, "21:00:00")
    assert response.json()["id"] == contact.pk


@pytest.mark.parametrize(
    ("role", "expected"), [("spec1", 403), ("am2", 400), ("spec2", 400), ("outsider", 400)]
)
def test_contact_create_denied_roles_change_nothing(org, api_client_for, role, expected):
    response = api_client_for(org.by_role_name(role)).post(
        contacts_url(), {"client": org.client_a.pk, "full_name": "Вера"}, format="json"
    )

    assert response.status_code == expected
    assert not Contact.objects.exists()


def test_contact_create_for_invisible_client_names_the_field(org, api_client_for):
    response = api_client_for(org.am2).post(
        contacts_url(), {"client": org.client_a.pk, "full_name": "Вера"}, format="json"
    )

    assert list(response.json()) == ["client"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"full_name": "Вера"}, "client"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "Вера", "email": "not-an-email"}, "email"),
        ({"full_name": "Вера", "cadence_days": 0}, "cadence_days"),
        ({"full_name": "Вера", "cadence_days": 93}, "cadence_days"),
        ({"full_name": "Вера", "role": "boss"}, "role"),
        ({"full_name": "Вера", "preferred_channel": "pigeon"}, "preferred_channel"),
        ({"full_name": "Вера", "quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"full_name": "Вера", "nickname": "В"}, "nickname"),
    ],
)
def test_contact_create_rejects_bad_input(org, api_client_for, payload, field):
    body = {"client": org.client_a.pk, **payload} if field != "client" else payload

    response = api_client_for(org.am1).post(contacts_url(), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Contact.objects.exists()


def test_new_urgent_contact_takes_the_flag(org, api_client_for):
    api = api_client_for(org.am1)
    first = api.post(
        contacts_url(), {"client": org.client_a.pk, "full_name": "Первый", "is_urgent_contact": True}, format="json"
    ).json()

    second = api.post(
        contacts_url(), {"client": org.client_a.pk, "full_name": "Второй", "is_urgent_contact": True}, format="json"
    ).json()

    assert Contact.objects.get(pk=first["id"]).is_urgent_contact is False
    assert Contact.objects.get(pk=second["id"]).is_urgent_contact is True


def test_urgent_flag_switches_back_on_patch(org, api_client_for):
    first = ContactFactory(client=org.client_a, is_urgent_contact=False)
    second = ContactFactory(client=org.client_a, is_urgent_contact=True)
    other_client = ContactFactory(client=org.client_b, is_urgent_contact=True)

    response = api_client_for(org.am1).patch(contacts_url(first.pk), {"is_urgent_contact": True}, format="json")

    assert response.status_code == 200
    assert response.json()["is_urgent_contact"] is True
    second.refresh_from_db()
    other_client.refresh_from_db()
    assert second.is_urgent_contact is False
    assert other_client.is_urgent_contact is True
    card = api_client_for(org.am1).get(f"/api/v1/clients/{org.client_a.pk}/").json()
    assert card["contacts"][0]["id"] == first.pk


# --- update, delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDIT_ALLOWED)
def test_contact_patch_allowed_roles(org, api_client_for, contacts, role):
    response = api_client_for(org.by_role_name(role)).patch(
        contacts_url(contacts["a"].pk), {"position": "CMO", "cadence_days": 14}, format="json"
    )

    assert response.status_code == 200
    contacts["a"].refresh_from_db()
    assert (contacts["a"].position, contacts["a"].cadence_days) == ("CMO", 14)


@pytest.mark.parametrize(("role", "expected"), EDIT_DENIED)
def test_contact_patch_denied_roles_change_nothing(org, api_client_for, contacts, role, expected):
    response = api_client_for(org.by_role_name(role)).patch(
        contacts_url(contacts["a"].pk), {"position": "Взлом"}, format="json"
    )

    assert response.status_code == expected
    contacts["a"].refresh_from_db()
    assert contacts["a"].position == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"client": 1}, "client"), ({"email": "x"}, "email"), ({"full_name": ""}, "full_name"), ({"id": 5}, "id")],
)
def test_contact_patch_rejects_bad_input(org, api_client_for, contacts, payload, field):
    response = api_client_for(org.head).patch(contacts_url(contacts["a"].pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    contacts["a"].refresh_from_db()
    assert (contacts["a"].client, contacts["a"].email) == (org.client_a, "anna@alfa.example")


@pytest.mark.parametrize("role", EDIT_ALLOWED)
def test_contact_delete_allowed_roles(org, api_client_for, contacts, role):
    response = api_client_for(org.by_role_name(role)).delete(contacts_url(contacts["a"].pk))

    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contacts["a"].pk).exists()


@pytest.mark.parametrize(("role", "expected"), EDIT_DENIED)
def test_contact_delete_denied_roles_change_nothing(org, api_client_for, contacts, role, expected):
    response = api_client_for(org.by_role_name(role)).delete(contacts_url(contacts["a"].pk))

    assert response.status_code == expected
    assert Contact.objects.filter(pk=contacts["a"].pk).exists()


@pytest.mark.parametrize("count", [5, 50])
def test_contact_list_query_count_is_bounded(org, api_client_for, django_assert_max_num_queries, count):
    for _ in range(count):
        ContactFactory(client=org.client_a)

    with django_assert_max_num_queries(4):
        response = api_client_for(org.group_head).get(contacts_url())

    assert response.json()["count"] == count
