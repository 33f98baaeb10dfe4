"""Fixtures every test module may use: one agency with a person in each role.

`org` builds: agency; groups seo1 and seo2; head of accounts, finance, admin; a group head of
seo1; AMs am1 (seo1) and am2 (seo2); specialists spec1 (seo1) and spec2 (seo2); and an
"outsider" employee of another agency. Clients: client_a (am1, seo1, spec1 on team) and
client_b (am2, seo2, spec2 on team).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tandem.org.models import Employee
from tandem.testing.org import PASSWORD, Org, make_org

__all__ = ["PASSWORD", "Org", "api_client_for", "make_org", "org", "web_client_for"]


@pytest.fixture
def org(db) -> Org:
    return make_org()


@pytest.fixture
def api_client_for():
    """Returns a function: employee -> APIClient authenticated as that employee's user."""

    def make(employee: Employee) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=employee.user)
        return client

    return make


@pytest.fixture
def web_client_for(client):
    """Returns a function: employee -> Django test client logged in as that employee."""

    def make(employee: Employee):
        client.force_login(employee.user)
        return client

    return make
