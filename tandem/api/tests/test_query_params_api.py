"""Issue 15: an invalid query parameter answers 400 naming it — never silently the default or the
whole table; valid and absent parameters keep answering as before."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

INVALID = [
    ("/api/v1/profitability/", {"by": "nonsense"}, "by"),
    ("/api/v1/profitability/", {"basis": "vibes"}, "basis"),
    ("/api/v1/profitability/", {"start": "2026-02-30"}, "start"),
    ("/api/v1/profitability/", {"end": "yesterday"}, "end"),
    ("/api/v1/profitability/without-project/", {"basis": "vibes"}, "basis"),
    ("/api/v1/receivables/aging/", {"by": "nonsense"}, "by"),
    ("/api/v1/timesheet/", {"week": "2026-W99"}, "week"),
    ("/api/v1/timesheet/", {"week": "garbage"}, "week"),
    ("/api/v1/reports/project-hours/", {"month": "2026-13-01"}, "month"),
    ("/api/v1/reports/employee-load/", {"month": "soon"}, "month"),
    ("/api/v1/time-entries/", {"start": "2026-02-31"}, "start"),
    ("/api/v1/time-entries/", {"employee": "abc"}, "employee"),
    ("/api/v1/tasks/", {"status": "nonsense"}, "status"),
    ("/api/v1/tasks/", {"client": "-1"}, "client"),
    ("/api/v1/tasks/overdue/", {"by": "nonsense"}, "by"),
    ("/api/v1/invoices/", {"status": "nonsense"}, "status"),
    ("/api/v1/invoices/", {"client": "x"}, "client"),
    ("/api/v1/payments/", {"client": "1.5"}, "client"),
    ("/api/v1/refunds/", {"client": "one"}, "client"),
    ("/api/v1/contracts/", {"status": "nonsense"}, "status"),
    ("/api/v1/interactions/", {"kind": "nonsense"}, "kind"),
    ("/api/v1/interactions/", {"client": "abc"}, "client"),
    ("/api/v1/requests/", {"owner": "abc"}, "owner"),
    ("/api/v1/billing/subcontractor-costs/", {"from": "2026-99"}, "from"),
    ("/api/v1/plans/", {"month": "2026-13"}, "month"),
]


@pytest.mark.parametrize(("url", "params", "name"), INVALID)
def test_invalid_parameter_is_400_naming_it(org, api_client_for, url, params, name):
    response = api_client_for(org.head).get(url, params)

    assert response.status_code == 400, response.content
    assert name in response.json()


VALID = [
    ("/api/v1/profitability/", {"by": "project", "basis": "payments", "start": "2026-01-01", "end": "2026-03-31"}),
    ("/api/v1/receivables/aging/", {"by": "am"}),
    ("/api/v1/timesheet/", {"week": "2026-02-04"}),
    ("/api/v1/tasks/", {"status": "new", "client": "1"}),
    ("/api/v1/tasks/overdue/", {"by": "client"}),
    ("/api/v1/contracts/", {"status": "draft"}),
    ("/api/v1/time-entries/", {"start": "", "end": "2026-02-28"}),
]


@pytest.mark.parametrize(("url", "params"), VALID)
def test_valid_and_empty_parameters_still_answer(org, api_client_for, url, params):
    response = api_client_for(org.head).get(url, params)

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Token not-a-real-token"}])
@pytest.mark.parametrize("url", ["/api/v1/clients/", "/api/v1/invoices/", "/api/v1/search/?q=abc"])
def test_unauthenticated_request_is_401_with_a_token_challenge(client, url, headers):
    response = client.get(url, **headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "detail" in response.json()
