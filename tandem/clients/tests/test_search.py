"""client_search / contact_search: what matches, and only among the clients the actor sees."""

from __future__ import annotations

import pytest

from tandem.clients.selectors import client_search, contact_search
from tandem.clients.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_client_found_by_name_in_any_case_and_by_inn_prefix(org):
    org.client_a.inn = "7702070139"
    org.client_a.save()

    by_lower = client_search(actor=org.head.user, query="альф")
    by_legal = client_search(actor=org.head.user, query='ООО "Аль')
    by_inn = client_search(actor=org.head.user, query="770207")

    assert by_lower == by_legal == by_inn == [org.client_a]


def test_client_search_respects_visibility(org):
    assert client_search(actor=org.am2.user, query="Альфа") == []
    assert client_search(actor=org.spec1.user, query="Альфа") == [org.client_a]
    assert client_search(actor=org.outsider.user, query="Альфа") == []


def test_too_short_query_finds_nothing(org):
    assert client_search(actor=org.head.user, query=" А ") == []
    assert contact_search(actor=org.head.user, query="a") == []


def test_contact_found_by_name_email_and_phone_digits(org):
    anna = ContactFactory.create(client=org.client_a, full_name="Анна Петрова", email="anna@alpha.example",
                                 phone="+7 (916) 123-45-67")
    ContactFactory.create(client=org.client_b, full_name="Анна Смирнова", phone="+7 (495) 000-00-00")

    assert contact_search(actor=org.am1.user, query="анна") == [anna]  # am1 does not see client_b
    assert contact_search(actor=org.head.user, query="ANNA@alpha") == [anna]
    assert contact_search(actor=org.head.user, query="9161234567") == [anna]
    assert contact_search(actor=org.head.user, query="123-45") == [anna]
    assert [c.full_name for c in contact_search(actor=org.head.user, query="Анна")] == ["Анна Петрова", "Анна Смирнова"]


def test_search_is_one_query_each(org, django_assert_max_num_queries):
    ContactFactory.create_batch(3, client=org.client_a, full_name="Иван")
    user = org.am1.user
    assert user.employee_or_none is not None

    with django_assert_max_num_queries(2):
        contacts = contact_search(actor=user, query="Иван")
        clients = client_search(actor=user, query="Альфа")

    assert len(contacts) == 3 and clients == [org.client_a]
