"""The GA4 Data API client against recorded answers only (httpx.MockTransport): never the network."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tandem.integrations import ga4

from .ga4_support import private_key, recorded, service_account_json

PROPERTY = "314159265"
_KEY = private_key()


class Replay:
    """Answers the token endpoint and runReport from two queues; remembers the requests."""

    def __init__(self, *reports: tuple[int, dict], tokens: list[tuple[int, dict]] | None = None) -> None:
        self.reports = list(reports)
        self.tokens = tokens if tokens is not None else [(200, recorded("token_ok.json"))]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.tokens if request.url.host == "oauth2.googleapis.com" else self.reports
        status, body = queue.pop(0)
        return httpx.Response(status, json=body)


def client_for(replay: Replay, sleeps: list[float] | None = None) -> ga4.Ga4Client:
    waits = sleeps if sleeps is not None else []
    return ga4.Ga4Client(
        credentials=service_account_json(), transport=httpx.MockTransport(replay), sleep=waits.append,
        clock=lambda: 1_800_000_000.0,
    )


def fetch(client: ga4.Ga4Client, **kwargs: object) -> ga4.Ga4Report:
    params = {
        "property_id": PROPERTY, "metrics": ["sessions", "keyEvents", "totalRevenue"], "dimensions": ["date"],
        "start": date(2026, 11, 1), "end": date(2026, 11, 3), **kwargs,
    }
    return client.report(**params)  # type: ignore[arg-type]


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_one_page_exchanges_a_signed_jwt_and_sends_the_report_request() -> None:
    replay = Replay((200, recorded("daily_one_page.json")))
    report = fetch(client_for(replay))
    # the rows, as strings turned into numbers by the caller
    assert [ga4.parse_date(r.dimensions[0]) for r in report.rows] == [date(2026, 11, 1), date(2026, 11, 3)]
    assert report.rows[0].metric(0) == 412 and report.rows[0].metric(2) == Decimal("15400.5")
    assert report.row_count == 2 and report.pages == 1 and report.currency == "RUB" and not report.approximate
    # the token exchange: a JWT signed RS256 with the service account's key
    token_request, report_request = replay.requests
    form = parse_qs(token_request.content.decode())
    assert form["grant_type"] == [ga4.JWT_GRANT]
    header, claims, signature = form["assertion"][0].split(".")
    assert json.loads(_unb64(header)) == {"alg": "RS256", "typ": "JWT", "kid": "abc123"}
    assert json.loads(_unb64(claims)) == {
        "iss": "reports@tandem-test.iam.gserviceaccount.com", "scope": ga4.SCOPE,
        "aud": "https://oauth2.googleapis.com/token", "iat": 1_800_000_000, "exp": 1_800_003_600,
    }
    _KEY.public_key().verify(_unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    # the report: bearer token, property path, the documented body
    assert report_request.headers["Authorization"] == "Bearer ya29.c.RECORDED-ACCESS-TOKEN"
    assert report_request.url.host == "analyticsdata.googleapis.com"
    assert report_request.url.path == f"/v1beta/properties/{PROPERTY}:runReport"
    assert json.loads(report_request.content) == {
        "dateRanges": [{"startDate": "2026-11-01", "endDate": "2026-11-03"}],
        "dimensions": [{"name": "date"}],
        "metrics": [{"name": "sessions"}, {"name": "keyEvents"}, {"name": "totalRevenue"}],
        "limit": "10000", "offset": "0",
    }


def test_two_pages_are_fetched_by_offset_until_row_count_with_one_token() -> None:
    replay = Replay((200, recorded("two_pages_1.json")), (200, recorded("two_pages_2.json")))
    report = fetch(client_for(replay), limit=2)
    assert [r.dimensions[0] for r in report.rows] == ["20261101", "20261102", "20261103"]
    assert report.pages == 2 and report.approximate  # the second page was subject to thresholding
    runs = [r for r in replay.requests if r.url.host != "oauth2.googleapis.com"]
    assert [json.loads(r.content)["offset"] for r in runs] == ["0", "2"]
    assert len(replay.requests) == 3  # the token was fetched once


def test_empty_period_is_an_empty_report() -> None:
    report = fetch(client_for(Replay((200, recorded("empty_period.json")))))
    assert report.rows == [] and report.row_count == 0 and report.pages == 1


def test_permission_denied_is_not_retried_and_says_what_to_do() -> None:
    sleeps: list[float] = []
    replay = Replay((403, recorded("error_403_permission_denied.json")))
    with pytest.raises(ga4.Ga4AccessDenied) as caught:
        fetch(client_for(replay, sleeps))
    assert "сервисного аккаунта" in caught.value.message and caught.value.error_type == "PERMISSION_DENIED"
    assert sleeps == [] and len(replay.requests) == 2


def test_quota_is_retried_with_backoff_then_reported() -> None:
    sleeps: list[float] = []
    replay = Replay(*[(429, recorded("error_429_quota.json"))] * 4)
    with pytest.raises(ga4.Ga4QuotaExceeded) as caught:
        fetch(client_for(replay, sleeps))
    assert sleeps == [1.0, 2.0, 4.0] and "квота" in caught.value.message


def test_quota_then_success_gives_the_report() -> None:
    sleeps: list[float] = []
    replay = Replay((429, recorded("error_429_quota.json")), (503, {}), (200, recorded("daily_one_page.json")))
    report = fetch(client_for(replay, sleeps))
    assert len(report.rows) == 2 and sleeps == [1.0, 2.0]


def test_invalid_credentials_at_the_token_endpoint() -> None:
    replay = Replay(tokens=[(400, recorded("token_invalid_grant.json"))])
    with pytest.raises(ga4.Ga4CredentialsError) as caught:
        fetch(client_for(replay))
    assert caught.value.error_type == "invalid_grant" and "ключ" in caught.value.message
    assert len(replay.requests) == 1  # never reached runReport


def test_bad_property_is_a_bad_request() -> None:
    with pytest.raises(ga4.Ga4BadRequest):
        fetch(client_for(Replay((400, recorded("error_400_bad_property.json")))))


def test_timeouts_are_temporary_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow", request=request)

    client = ga4.Ga4Client(credentials=service_account_json(), transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(ga4.Ga4TemporaryError):
        fetch(client)


@pytest.mark.parametrize("raw", ["not json", "{}", json.dumps({"client_email": "a@b", "private_key": "garbage"})])
def test_malformed_keys_are_refused_without_echoing_them(raw: str) -> None:
    with pytest.raises(ga4.Ga4CredentialsError) as caught:
        ga4.ServiceAccountKey.from_json(raw)
    assert "garbage" not in caught.value.message


def test_secrets_stay_out_of_reprs() -> None:
    client = ga4.Ga4Client(credentials=service_account_json())
    assert "PRIVATE KEY" not in repr(client)
    assert "PRIVATE KEY" not in repr(ga4.ServiceAccountKey.from_json(service_account_json()))
