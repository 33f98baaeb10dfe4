"""Issue 15, «the API says what it does»: the OpenAPI schema as a client generator reads it."""

from __future__ import annotations

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
            if prop.get("readOnly") or item.get("type") != "string" or "format" in item or "enum" in item:
                continue
            if "maxLength" not in item and f"{name}.{field}" not in FREE_LENGTH_ALLOWED:
                unbounded.append(f"{name}.{field}")

    assert unbounded == []
