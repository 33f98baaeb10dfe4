"""GET /api/v1/search/?q=: clients, contacts and invoices, each under its own visibility rules."""

from __future__ import annotations

import pytest

from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_CLIENT_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
SEES_MONEY_A = SEES_CLIENT_A - {"spec1"}


@pytest.fixture
def found(money):
    money.contact = ContactFactory.create(client=money.client_a, full_name="Ольга Альфина", email="olga@alpha.example")
    money.invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    return money


@pytest.mark.parametrize("role", ROLES)
def test_search_by_role(found, api_client_for, role):
    api = api_client_for(found.by_role_name(role))

    by_name = api.get("/api/v1/search/", {"q": "альф"})
    by_number = api.get("/api/v1/search/", {"q": found.invoice.number})

    assert by_name.status_code == by_number.status_code == 200
    sees = role in SEES_CLIENT_A
    assert [c["id"] for c in by_name.data["clients"]] == ([found.client_a.pk] if sees else [])
    assert [c["id"] for c in by_name.data["contacts"]] == ([found.contact.pk] if sees else [])
    assert [i["id"] for i in by_number.data["invoices"]] == ([found.invoice.pk] if role in SEES_MONEY_A else [])


def test_result_shape(found, api_client_for):
    data = api_client_for(found.head).get("/api/v1/search/", {"q": "olga@"}).data

    assert data["clients"] == [] and data["invoices"] == []
    assert data["contacts"] == [{
        "id": found.contact.pk, "full_name": "Ольга Альфина", "client": found.client_a.pk, "client_name": "Альфа",
        "phone": "", "email": "olga@alpha.example",
    }]


@pytest.mark.parametrize("q", ["Аль\x00фа", "а" * 101])
def test_nul_byte_and_very_long_query_are_400(found, api_client_for, q):
    response = api_client_for(found.head).get("/api/v1/search/", {"q": q})

    assert response.status_code == 400 and "q" in response.data


def test_anonymous_is_refused(client):
    assert client.get("/api/v1/search/", {"q": "Альфа"}).status_code in (401, 403)


def test_queries_do_not_grow_with_results(found, api_client_for, django_assert_max_num_queries):
    ContactFactory.create_batch(10, client=found.client_a, full_name="Альфред")
    api = api_client_for(found.head)

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/search/", {"q": "Альф"})

    assert len(response.data["contacts"]) == 10
