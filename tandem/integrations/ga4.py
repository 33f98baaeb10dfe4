"""Google Analytics 4 Data API client (`POST /v1beta/properties/{id}:runReport`) over httpx.

https://developers.google.com/analytics/devguides/reporting/data/v1/rest/v1beta/properties/runReport

- Authorisation: a service account's JSON key (`client_email`, `private_key`, `token_uri`). A JWT
  signed with the key (RS256, `cryptography`) is exchanged at the token endpoint for an OAuth2
  access token (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`), which is then sent as
  `Authorization: Bearer`. Neither the key nor the token is logged or put in exception messages.
- Paging: `offset` is 0-based; pages of `limit` rows are fetched until `rowCount` rows are in.
- Values come as strings (`{"value": "123"}`); dates of the `date` dimension as `YYYYMMDD`.
- Retries: 429 (RESOURCE_EXHAUSTED: the property's token quota) and 5xx, time-outs and connection
  errors are retried `max_attempts` times with exponential backoff; the sleep function is
  injectable so that tests never sleep. What still fails is raised as a `Ga4Error` subclass with
  a message in plain Russian for the user.
- Tests pass an `httpx.MockTransport` as `transport`: never the network.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.translation import gettext as _

from tandem.integrations._http import Backoff, ServiceError, TransientFailures, json_object, request_json

API_BASE = "https://analyticsdata.googleapis.com/v1beta"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DEFAULT_TIMEOUT = 30.0
DEFAULT_LIMIT = 10_000  # the API returns up to 250 000 rows a page; a year of days is far below
MAX_PAGES = 100
TOKEN_LIFETIME = 3600  # the longest the token endpoint accepts


class Ga4Error(ServiceError):
    """A report could not be fetched. `message` is for the user, in plain words."""


class Ga4CredentialsError(Ga4Error):
    """The service-account key is malformed, revoked or deleted: someone must upload a new one."""


class Ga4AccessDenied(Ga4Error):
    """The service account has not been added to the property."""


class Ga4QuotaExceeded(Ga4Error):
    """The property's quota of tokens is used up; later the same request succeeds."""

    retryable = True


class Ga4TemporaryError(Ga4Error):
    """Google or the network failed; later the same request may succeed."""

    retryable = True


class Ga4BadRequest(Ga4Error):
    """The request itself is wrong (unknown metric or property)."""


@dataclass(frozen=True)
class ServiceAccountKey:
    client_email: str
    private_key: str
    token_uri: str = TOKEN_URL
    private_key_id: str = ""

    def __repr__(self) -> str:  # the key never reaches logs through a repr
        return f"ServiceAccountKey(client_email={self.client_email!r}, private_key=***)"

    @classmethod
    def from_json(cls, raw: str) -> ServiceAccountKey:
        """Parse the JSON key file Google Cloud gives for a service account. Ga4CredentialsError
        (without echoing the content) when it is not one."""
        try:
            data = json.loads(raw)
        except ValueError:
            raise Ga4CredentialsError(_("Ключ сервисного аккаунта — не JSON. Загрузите файл ключа из Google Cloud целиком.")) from None
        if not isinstance(data, dict) or not data.get("client_email") or not data.get("private_key"):
            raise Ga4CredentialsError(
                _("В ключе нет client_email или private_key: нужен JSON-ключ сервисного аккаунта Google Cloud.")
            )
        key = cls(
            client_email=str(data["client_email"]), private_key=str(data["private_key"]),
            token_uri=str(data.get("token_uri") or TOKEN_URL), private_key_id=str(data.get("private_key_id") or ""),
        )
        key.signer()  # refuses a key that is not an RSA private key now, not at the first refresh
        return key

    def signer(self) -> rsa.RSAPrivateKey:
        try:
            loaded = serialization.load_pem_private_key(self.private_key.encode(), password=None)
        except (ValueError, TypeError):
            raise Ga4CredentialsError(_("Закрытый ключ сервисного аккаунта повреждён. Создайте и загрузите новый ключ.")) from None
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise Ga4CredentialsError(_("Закрытый ключ сервисного аккаунта должен быть ключом RSA."))
        return loaded


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_assertion(key: ServiceAccountKey, *, now: float, scope: str = SCOPE) -> str:
    """The RS256 JWT the token endpoint exchanges for an access token."""
    header = {"alg": "RS256", "typ": "JWT", **({"kid": key.private_key_id} if key.private_key_id else {})}
    claims = {"iss": key.client_email, "scope": scope, "aud": key.token_uri, "iat": int(now), "exp": int(now) + TOKEN_LIFETIME}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}.{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    signature = key.signer().sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


@dataclass(frozen=True)
class Ga4Row:
    dimensions: tuple[str, ...]
    metrics: tuple[str, ...]

    def metric(self, index: int) -> Decimal:
        try:
            return Decimal(self.metrics[index])
        except (IndexError, InvalidOperation):
            return Decimal(0)


@dataclass
class Ga4Report:
    rows: list[Ga4Row] = field(default_factory=list)
    row_count: int = 0
    pages: int = 0
    currency: str = ""
    # GA4 hides small numbers (thresholding) or samples big ones; the figures are then approximate.
    approximate: bool = False
    metric_names: list[str] = field(default_factory=list)


@dataclass
class Ga4Client:
    credentials: str  # the service account's JSON key as uploaded
    transport: httpx.BaseTransport | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    api_base: str = API_BASE
    _access_token: str = field(default="", repr=False)
    _token_expires: float = field(default=0.0, repr=False)

    def __repr__(self) -> str:
        return f"Ga4Client(api_base={self.api_base!r}, credentials=***)"

    def report(
        self, *, property_id: int | str, metrics: Sequence[str], dimensions: Sequence[str], start: date, end: date,
        limit: int = DEFAULT_LIMIT,
    ) -> Ga4Report:
        """All rows of the report for the period, page after page."""
        key = ServiceAccountKey.from_json(self.credentials)
        result = Ga4Report(metric_names=list(metrics))
        offset = 0
        url = f"{self.api_base}/properties/{property_id}:runReport"
        with httpx.Client(transport=self.transport, timeout=self.timeout) as http:
            while result.pages < MAX_PAGES:
                body = {
                    "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
                    "dimensions": [{"name": d} for d in dimensions],
                    "metrics": [{"name": m} for m in metrics],
                    "limit": str(limit), "offset": str(offset),
                }
                answer = self._post(http, key, url, body)
                result.pages += 1
                rows = [_row(item) for item in answer.get("rows") or []]
                result.rows.extend(rows)
                result.row_count = int(answer.get("rowCount") or 0)
                meta = answer.get("metadata") or {}
                result.currency = str(meta.get("currencyCode") or result.currency)
                if meta.get("subjectToThresholding") or meta.get("samplingMetadatas"):
                    result.approximate = True
                if not rows or len(result.rows) >= result.row_count:
                    break
                offset += len(rows)
        return result

    # --- HTTP ---------------------------------------------------------------------------------

    def _token(self, http: httpx.Client, key: ServiceAccountKey) -> str:
        now = self.clock()
        if self._access_token and now < self._token_expires - 60:
            return self._access_token
        form = {"grant_type": JWT_GRANT, "assertion": signed_assertion(key, now=now)}
        body = self._call(lambda: http.post(key.token_uri, data=form), token_call=True)
        token = body.get("access_token")
        if not token:
            raise Ga4CredentialsError(_("Google не выдал токен доступа по ключу сервисного аккаунта. Загрузите ключ заново."))
        self._access_token = str(token)
        self._token_expires = now + float(body.get("expires_in") or TOKEN_LIFETIME)
        return self._access_token

    def _post(self, http: httpx.Client, key: ServiceAccountKey, url: str, body: dict[str, Any]) -> dict[str, Any]:
        token = self._token(http, key)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        return self._call(lambda: http.post(url, json=body, headers=headers), token_call=False)

    def _call(self, send: Callable[[], httpx.Response], *, token_call: bool) -> dict[str, Any]:
        return request_json(
            send, backoff=Backoff(self.max_attempts, self.backoff_base, self.backoff_max, self.sleep),
            failures=_FAILURES, error_for=_token_error_for if token_call else _error_for,
        )


_FAILURES = TransientFailures(
    timeout=lambda: Ga4TemporaryError(_("Google Analytics не ответил вовремя. Попробуйте обновить позже.")),
    unreachable=lambda: Ga4TemporaryError(_("Не удалось связаться с Google Analytics. Попробуйте обновить позже.")),
    unreadable=lambda: Ga4TemporaryError(_("Google Analytics прислал непонятный ответ. Попробуйте обновить позже.")),
)


def _row(item: dict[str, Any]) -> Ga4Row:
    dims = tuple(str((d or {}).get("value", "")) for d in item.get("dimensionValues") or [])
    metrics = tuple(str((m or {}).get("value", "0")) for m in item.get("metricValues") or [])
    return Ga4Row(dimensions=dims, metrics=metrics)


def parse_date(value: str) -> date:
    """The `date` dimension's `YYYYMMDD`."""
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def _token_error_for(response: httpx.Response) -> Ga4Error:
    """The token endpoint answers `{"error": "invalid_grant", "error_description": ...}`."""
    status = response.status_code
    error_type = str(json_object(response).get("error") or "")
    if status == 429:
        return Ga4QuotaExceeded(_("Google временно ограничил выдачу токенов. Данные обновятся позже автоматически."),
                                status=status, error_type=error_type)
    if status >= 500:
        return Ga4TemporaryError(_("Сервис авторизации Google временно недоступен. Попробуйте обновить позже."),
                                 status=status, error_type=error_type)
    return Ga4CredentialsError(
        _("Google не принял ключ сервисного аккаунта (ключ удалён, отозван или аккаунт отключён). "
          "Создайте новый ключ в Google Cloud и сохраните его в настройках."),
        status=status, error_type=error_type,
    )


def _error_for(response: httpx.Response) -> Ga4Error:
    """Map `{"error": {"code", "message", "status"}}` to an exception with a user message. Google's
    own message is kept out of it: it may echo the request."""
    status = response.status_code
    error = json_object(response).get("error")
    error_type = str(error.get("status", "")) if isinstance(error, dict) else ""
    if status == 429 or error_type == "RESOURCE_EXHAUSTED":
        return Ga4QuotaExceeded(
            _("Исчерпана квота запросов к Google Analytics для этого ресурса. Данные обновятся позже автоматически."),
            status=status, error_type=error_type,
        )
    if status == 401 or error_type == "UNAUTHENTICATED":
        return Ga4CredentialsError(
            _("Google Analytics не принял токен доступа. Сохраните ключ сервисного аккаунта заново."),
            status=status, error_type=error_type,
        )
    if status == 403 or error_type == "PERMISSION_DENIED":
        return Ga4AccessDenied(
            _("Нет доступа к ресурсу Google Analytics: добавьте e-mail сервисного аккаунта в пользователи ресурса "
              "(роль «Читатель») и проверьте, что Google Analytics Data API включён в проекте."),
            status=status, error_type=error_type,
        )
    if status >= 500:
        return Ga4TemporaryError(
            _("Google Analytics временно недоступен. Попробуйте обновить позже."), status=status, error_type=error_type,
        )
    return Ga4BadRequest(
        _("Google Analytics отклонил запрос: проверьте идентификатор ресурса (Property ID)."),
        status=status, error_type=error_type,
    )
