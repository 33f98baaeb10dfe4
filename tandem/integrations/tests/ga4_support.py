"""A service-account key made for tests and a replaying GA4 client factory (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tandem.integrations import ga4

DATA = Path(__file__).parent / "data" / "ga4"


def recorded(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@cache
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_json() -> str:
    """A service-account key as Google Cloud gives it, with a key made for the test run."""
    pem = private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    ).decode()
    return json.dumps({
        "type": "service_account", "project_id": "tandem-test", "private_key_id": "abc123",
        "private_key": pem, "client_email": "reports@tandem-test.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    })


def ga4_factory(
    *reports: tuple[int, dict], tokens: list[tuple[int, dict]] | None = None, seen: list[httpx.Request] | None = None,
) -> Callable[[str], ga4.Ga4Client]:
    """A factory whose clients answer the token endpoint and runReport from recorded bodies."""
    report_queue = list(reports)
    token_queue = tokens if tokens is not None else [(200, recorded("token_ok.json"))] * 10
    requests = seen if seen is not None else []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        queue = token_queue if request.url.host == "oauth2.googleapis.com" else report_queue
        status, body = queue.pop(0)
        return httpx.Response(status, json=body)

    def make(credentials: str) -> ga4.Ga4Client:
        return ga4.Ga4Client(credentials=credentials, transport=httpx.MockTransport(handler), sleep=lambda s: None)

    return make
