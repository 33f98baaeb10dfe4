"""The OpenAPI schema generates cleanly and documents the issue #2 endpoints."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tandem.api.v1 import clients, org

ISSUE_2_PATHS = {
    "/api/v1/groups/": {"get", "post"},
    "/api/v1/groups/{id}/": {"get", "patch"},
    "/api/v1/employees/": {"get", "post"},
    "/api/v1/employees/{id}/": {"get", "patch"},
    "/api/v1/agency/": {"get", "patch"},
    "/api/v1/clients/": {"get", "post"},
    "/api/v1/clients/{id}/": {"get", "patch"},
    "/api/v1/clients/{id}/transition/": {"post"},
    "/api/v1/clients/{id}/assign-manager/": {"post"},
    "/api/v1/clients/{id}/lifecycle/": {"get"},
    "/api/v1/clients/{id}/manager-history/": {"get"},
    "/api/v1/clients/{id}/team/": {"get", "post"},
    "/api/v1/clients/{id}/team/{member_id}/": {"delete"},
    "/api/v1/contacts/": {"get", "post"},
    "/api/v1/contacts/{id}/": {"get", "patch", "delete"},
    "/api/v1/workload/": {"get"},
}


@pytest.fixture
def schema(org, api_client_for):
    response = api_client_for(org.head).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_validates_without_warnings(tmp_path):
    """The whole project schema, as served at /api/schema/."""
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_org_and_client_endpoints_alone_generate_without_warnings():
    """The same check for this module's routes only, so a failure points at them."""
    GENERATOR_STATS.reset()
    patterns = [path("api/v1/", include((org.urlpatterns + clients.urlpatterns, "api")))]

    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    validate_schema(schema)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    assert set(schema["paths"]) == set(ISSUE_2_PATHS)


def test_schema_documents_every_org_and_client_operation(schema):
    documented = {path: set(schema["paths"].get(path, {})) & {"get", "post", "patch", "put", "delete"}
                  for path in ISSUE_2_PATHS}

    assert documented == ISSUE_2_PATHS


def test_schema_describes_the_assignment_envelope(schema):
    create = schema["paths"]["/api/v1/clients/"]["post"]
    envelope = create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert set(schema["components"]["schemas"][envelope]["properties"]) == {"client", "warnings", "limit_overridden"}


def test_schema_lists_client_filters(schema):
    params = {p["name"] for p in schema["paths"]["/api/v1/clients/"]["get"]["parameters"]}

    assert {"search", "account_manager", "group", "status", "tier", "kind", "ordering", "page"} <= params
