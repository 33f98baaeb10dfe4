"""Issue 15: the API schema and docs need a signed-in staff member in production (an active
employee of the agency, or a Django staff user); in DEBUG they stay open."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from tandem.org.tests.factories import UserFactory

PAGES = ["/api/docs/", "/api/redoc/"]
SCHEMA = "/api/schema/"


@pytest.fixture
def closed(settings):
    settings.API_DOCS_PUBLIC = False


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitor_of_the_docs_is_sent_to_sign_in(client, closed, url):
    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_anonymous_schema_request_is_refused(client, closed):
    response = client.get(SCHEMA)

    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert "openapi" not in response.content.decode()


@pytest.mark.parametrize("url", [*PAGES, SCHEMA])
def test_a_user_who_is_not_staff_is_refused(db, client, closed, url):
    client.force_login(UserFactory.create())  # no employee, not a Django staff user

    response = client.get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", [*PAGES, SCHEMA])
def test_an_employee_reads_them(org, web_client_for, closed, url):
    response = web_client_for(org.am1).get(url)

    assert response.status_code == 200


def test_a_django_staff_user_reads_the_schema(db, client, closed):
    client.force_login(UserFactory.create(is_staff=True))

    response = client.get(SCHEMA, {"format": "json"})

    assert response.status_code == 200 and response.json()["info"]["title"] == "Tandem API"


def test_a_token_of_an_employee_reads_the_schema(org, api_client_for, closed):
    response = api_client_for(org.finance).get(SCHEMA, {"format": "json"})

    assert response.status_code == 200


@pytest.mark.parametrize("url", [*PAGES, SCHEMA])
def test_open_to_anyone_when_public(client, settings, url):
    settings.API_DOCS_PUBLIC = True

    assert client.get(url).status_code == 200


def _setting_under(module: str, **env: str) -> str:
    """API_DOCS_PUBLIC as a fresh process with these settings and environment sees it."""
    code = "from django.conf import settings; print(settings.API_DOCS_PUBLIC)"
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "API_DOCS_PUBLIC"}}
    environ |= {"DJANGO_SETTINGS_MODULE": module, **env}
    out = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True,
                         cwd=django_settings.BASE_DIR)
    return out.stdout.strip()


def test_production_closes_them_and_debug_opens_them():
    secret = "x" * 60

    assert _setting_under("config.settings.production", SECRET_KEY=secret) == "False"
    assert _setting_under("config.settings.production", SECRET_KEY=secret, DEBUG="1") == "False"
    assert _setting_under("config.settings.local") == "True"
