"""Issue 15, «no 500 on any input»: hostile query strings and bodies answer 400 naming the field."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

SEARCHABLE_LISTS = ["/api/v1/tasks/", "/api/v1/interactions/", "/api/v1/invoices/", "/api/v1/contracts/",
                    "/api/v1/clients/", "/api/v1/contacts/"]


@pytest.mark.parametrize("url", SEARCHABLE_LISTS)
@pytest.mark.parametrize("search", ["Аль\x00фа", "а" * 201])
def test_search_with_nul_byte_or_too_long_is_400_on_search(org, api_client_for, url, search):
    response = api_client_for(org.head).get(url, {"search": search})

    assert response.status_code == 400
    assert "search" in response.json()


@pytest.mark.parametrize("url", SEARCHABLE_LISTS)
def test_ordinary_search_still_answers_the_list(org, api_client_for, url):
    response = api_client_for(org.head).get(url, {"search": "Альфа"})

    assert response.status_code == 200
    assert "results" in response.json()
