"""Issue 15: answers of write operations match their documented schema — the cases schemathesis
found over POST/PUT/PATCH/DELETE (tandem/api/tests/test_schemathesis.py). Each answer is validated
against the OpenAPI schema the API publishes."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

VALID_INN = "7707083893"


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable: true` becomes «or null»."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def assert_matches(openapi: dict[str, Any], path: str, method: str, status: int, body: Any) -> None:
    """Validate `body` against the documented JSON answer of the operation (components resolved)."""
    documented = openapi["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    schema = _json_schema({**documented, "components": openapi["components"]})
    jsonschema.validate(body, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_a_new_client_without_churn_reason_or_website_matches_the_schema(org, api_client_for, openapi):
    """Blank churn reason and website were documented as an enum and a URI that refused ""."""
    response = api_client_for(org.head).post(
        "/api/v1/clients/", {"legal_name": "ООО Новый", "inn": VALID_INN}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["client"]["churn_reason"], body["client"]["website"]) == ("", "")
    assert "handover" not in body  # only assign-manager opens a handover (AssignManagerResult)
    assert_matches(openapi, "/api/v1/clients/", "post", 201, body)


def test_a_new_employee_without_email_matches_the_schema(org, api_client_for, openapi):
    """An empty e-mail was documented with format «email», which refuses ""."""
    payload = {"username": "newbie", "password": "Secret-12345", "full_name": "Новиков Н.", "role": "specialist",
               "specialty": "ppc", "grade": "junior", "group": org.seo2.pk}

    response = api_client_for(org.head).post("/api/v1/employees/", payload, format="json")

    assert response.status_code == 201 and response.json()["email"] == ""
    assert_matches(openapi, "/api/v1/employees/", "post", 201, response.json())


def test_a_new_and_an_edited_subcontractor_carry_their_counts(org, api_client_for, openapi):
    """The create and edit answers lacked the documented rating and contract counts."""
    api = api_client_for(org.head)

    created = api.post("/api/v1/subcontractors/", {"name": "Студия"}, format="json")
    edited = api.patch(f"/api/v1/subcontractors/{created.json()['id']}/", {"name": "Студия 2"}, format="json")

    assert created.status_code == 201 and edited.status_code == 200
    assert (created.json()["contract_count"], edited.json()["rated_count"]) == (0, 0)
    assert_matches(openapi, "/api/v1/subcontractors/", "post", 201, created.json())
    assert_matches(openapi, "/api/v1/subcontractors/{id}/", "patch", 200, edited.json())
