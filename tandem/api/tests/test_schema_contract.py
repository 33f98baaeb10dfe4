"""Issue 15, «the API says what it does»: the OpenAPI schema as a client generator reads it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

# Credentials are the sign-in helper's business (and DRF's own token serializer).
FREE_LENGTH_ALLOWED = {"AuthTokenRequest.username", "AuthTokenRequest.password", "EmployeeCreateInputRequest.password"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _refs(node: Any, into: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                into.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, into)
    elif isinstance(node, list):
        for value in node:
            _refs(value, into)


def _request_components(schema: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for operations in schema["paths"].values():
        for method, operation in operations.items():
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                _refs(operation["requestBody"], names)
    components = schema["components"]["schemas"]
    while True:
        more = set(names)
        for name in names:
            _refs(components.get(name, {}), more)
        if more == names:
            return names
        names = more


def test_every_free_text_field_of_a_request_has_a_maximum_length(schema):
    components = schema["components"]["schemas"]
    unbounded = []
    for name in sorted(_request_components(schema)):
        for field, prop in components[name].get("properties", {}).items():
            item = prop.get("items", {}) if prop.get("type") == "array" else prop
            if prop.get("readOnly") or item.get("type") != "string" or {"format", "enum", "pattern"} & set(item):
                continue
            if "maxLength" not in item and f"{name}.{field}" not in FREE_LENGTH_ALLOWED:
                unbounded.append(f"{name}.{field}")

    assert unbounded == []


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _documented_200(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    return _resolve(schema, body) if body else {}


def _get_operations(schema: dict[str, Any]) -> list[str]:
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops)


def _url(path: str, org: Any) -> str:
    """Path parameters filled with client A's id (the agency's client lists hang off it); a path
    where that id means nothing answers 404 and is left out."""
    return re.sub(r"\{[^}]+\}", str(org.client_a.pk), path)


@pytest.mark.django_db
def test_every_list_that_answers_the_paginated_envelope_is_documented_as_one(org, api_client_for, schema):
    api = api_client_for(org.head)
    undocumented = []
    for path in _get_operations(schema):
        response = api.get(_url(path, org))
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            continue
        body = response.json()
        is_envelope = isinstance(body, dict) and {"count", "results"} <= set(body)
        documented = _documented_200(schema, schema["paths"][path]["get"])
        documents_envelope = {"count", "results"} <= set(documented.get("properties", {}))
        if is_envelope != documents_envelope:
            undocumented.append(path)

    assert undocumented == [], "\n".join(undocumented)
