"""The header search: results page and htmx dropdown, per role, with bad input answered cleanly."""

from __future__ import annotations

import pytest

from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2"]
SEES_CLIENT_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
SEES_MONEY_A = SEES_CLIENT_A - {"spec1"}


@pytest.fixture
def found(money):
    money.contact = ContactFactory.create(client=money.client_a, full_name="Ольга Альфина", phone="+7 916 555-44-33")
    money.invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    return money


@pytest.mark.parametrize("role", ROLES)
def test_results_page_shows_only_what_the_role_sees(found, web_client_for, role):
    response = web_client_for(found.by_role_name(role)).get("/search/", {"q": "Альф"})

    html = response.content.decode()
    assert response.status_code == 200
    assert (f"/clients/{found.client_a.pk}/" in html) == (role in SEES_CLIENT_A)
    assert ("Ольга Альфина" in html) == (role in SEES_CLIENT_A)
    assert ('id="search-invoices"' in html) == (role not in {"spec1", "spec2"})


@pytest.mark.parametrize("role", ROLES)
def test_invoice_number_found_only_with_money_rights(found, web_client_for, role):
    response = web_client_for(found.by_role_name(role)).get("/search/", {"q": found.invoice.number})

    assert (f"/invoices/{found.invoice.pk}/" in response.content.decode()) == (role in SEES_MONEY_A)


def test_dropdown_for_htmx_is_a_fragment_with_a_link_to_all_results(found, web_client_for):
    response = web_client_for(found.head).get("/search/", {"q": "916555"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Ольга Альфина" in html and "/search/?q=916555" in html


def test_emptied_box_closes_the_dropdown(found, web_client_for):
    response = web_client_for(found.head).get("/search/", {"q": "  "}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize("q", ["Аль\x00фа", "а" * 101])
@pytest.mark.parametrize("htmx", [False, True])
def test_nul_byte_and_very_long_query_get_a_message(found, web_client_for, q, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    response = web_client_for(found.head).get("/search/", {"q": q}, **headers)

    html = response.content.decode()
    assert response.status_code == 200 and 'class="errors"' in html and "Ольга" not in html


def test_search_page_queries_do_not_grow_with_results(found, web_client_for, django_assert_max_num_queries):
    ContactFactory.create_batch(20, client=found.client_a, full_name="Альфред")
    client = web_client_for(found.head)

    with django_assert_max_num_queries(12):
        response = client.get("/search/", {"q": "Альф"})

    assert response.content.decode().count("Альфред") == 20


def test_anonymous_is_sent_to_login(client):
    response = client.get("/search/", {"q": "Альфа"})

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_header_has_the_search_box(found, web_client_for):
    html = web_client_for(found.spec1).get("/my-day/").content.decode()

    assert 'class="globalsearch"' in html and 'hx-get="/search/"' in html
