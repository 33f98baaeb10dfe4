"""Issue 15: property-based requests generated from the OpenAPI schema (schemathesis) never make
the server answer 5xx, and every successful answer matches its documented schema. Bounded (about a
minute and a half on an idle machine): every GET operation with a few examples each, every
POST/PUT/PATCH/DELETE operation with fewer (each in a rolled-back savepoint), derandomized (the same
requests on every run), as the head of accounts (who sees the most), through WSGI in the test's
own transaction (no server, no network). Binary uploads are excluded by name (NOT_FUZZED)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 10
# Writes: fewer examples each (127 operations), each example in its own rolled-back savepoint.
EXAMPLES_PER_WRITE_OPERATION = 3

# Write operations not fuzzed, and why.
NOT_FUZZED: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/document-templates/"): "binary upload (a DOCX file); covered by its own tests of hostile files",
    ("POST", "/api/v1/interactions/import/"): "binary upload (CSV/XLSX file); covered by the import tests",
    ("POST", "/api/v1/statements/"): "binary upload (bank statement); covered by the hostile-statement tests",
    ("POST", "/api/v1/stages/{id}/file/"): "binary upload (a stage's file); covered by the stage file tests",
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():  # type: ignore[no-untyped-def]
    """Django's WSGI handler closes old database connections at every request's start and end;
    inside the test's transaction that closes the test's own connection (PostgreSQL then answers
    «the connection is closed» to every later request). Django's test client unhooks the same
    signal handlers for its requests; the WSGI calls made here need the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def session_cookie(org) -> dict[str, str]:
    client = Client()
    client.force_login(org.head.user)
    return {"sessionid": client.cookies["sessionid"].value}


def _get_operations(methods: tuple[str, ...] = ("GET",)) -> list[Any]:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(raw).include(method=list(methods))
    schema.app = get_wsgi_application()
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # the schema itself is broken: fail loudly, not silently skip
            raise result.err()
        operations.append(result.ok())
    return operations


def test_generated_get_requests_never_fail_and_match_the_schema(org, session_cookie):
    failures: list[str] = []

    for operation in _get_operations():
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), data=st.data())
        def probe(case: Any, data: Any) -> None:
            response = case.call(cookies=session_cookie)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"query={case.query} path={case.path_parameters}")
            elif response.status_code < 300:
                try:
                    case.validate_response(response, checks=[response_schema_conformance])
                except FailureGroup as exc:
                    failures.append(f"schema: {case.method} {case.formatted_path}: {str(exc)[:300]}")

        probe()

    assert failures == [], "\n".join(failures)


@pytest.fixture
def token_header(org) -> dict[str, str]:
    """Writes are sent with a token (a session would need a CSRF token on every request)."""
    from tandem.org.services import api_token_issue

    _token, key = api_token_issue(user=org.head.user, name="schemathesis")
    return {"Authorization": f"Token {key}"}


def test_generated_write_requests_never_fail_and_match_the_schema(org, token_header):
    """POST/PUT/PATCH/DELETE: each example runs in a savepoint rolled back after the answer, so
    one example's writes (a revoked token, a deleted client) never change what the next one sees."""
    failures: list[str] = []
    operations = [op for op in _get_operations(("POST", "PUT", "PATCH", "DELETE"))
                  if (op.method.upper(), op.path) not in NOT_FUZZED]
    assert len(operations) > 100  # the exclusions above are the only ones

    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_WRITE_OPERATION, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), data=st.data())
        def probe(case: Any, data: Any) -> None:
            with transaction.atomic():
                response = case.call(headers=token_header)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.method} {case.formatted_path} "
                                f"path={case.path_parameters} body={str(case.body)[:300]}")
            elif response.status_code < 300:
                try:
                    case.validate_response(response, checks=[response_schema_conformance])
                except FailureGroup as exc:
                    failures.append(f"schema: {case.method} {case.formatted_path}: {str(exc)[:300]}")

        probe()

    assert failures == [], "\n".join(failures)
