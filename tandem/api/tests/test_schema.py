"""The OpenAPI schema generates cleanly and documents the issue #2 endpoints."""

from __future__ import annotations

import pytest
from django.core.management import call_command

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
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


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
