"""Yandex.Metrica Reporting API client (`GET /stat/v1/data`) over httpx.

https://yandex.ru/dev/metrika/doc/api2/api_v1/data.html

- Authorisation: header `Authorization: OAuth <token>`; the token is never logged or put in
  exception messages.
- Paging: `offset` is 1-based; pages of `limit` rows are fetched until `total_rows` rows are in.
- Sampling: a report built from a sample says `sampled: true`; `MetricaReport.sampled` is true
  when any page was sampled, so the caller can mark the figures as approximate.
- Retries: 429 (quota per second / parallel requests) and 5xx, time-outs and connection errors
  are retried `max_attempts` times with exponential backoff; the sleep function is injectable so
  that tests never sleep. What is still failing then is raised as a `MetricaError` subclass with a
  message in plain Russian for the user.
- Tests pass an `httpx.MockTransport` as `transport`: never the network.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from django.utils.translation import gettext as _

from tandem.integrations._http import Backoff, ServiceError, TransientFailures, json_object, request_json

API_URL = "https://api-metrika.yandex.net/stat/v1/data"
DEFAULT_TIMEOUT = 30.0
# The API accepts up to 100 000 rows a page; a daily report of a year is far below that.
DEFAULT_LIMIT = 10_000
MAX_PAGES = 100  # a safety stop against an API that keeps announcing more rows


class MetricaError(ServiceError):
    """A report could not be fetched. `message` is for the user, in plain words."""


class MetricaTokenError(MetricaError):
    """The OAuth token is invalid, revoked or expired: someone must issue a new one."""


class MetricaAccessDenied(MetricaError):
    """The token's owner has no access to the counter."""


class MetricaQuotaExceeded(MetricaError):
    """The API's request quota is used up; later the same request succeeds."""

    retryable = True


class MetricaTemporaryError(MetricaError):
    """Metrica or the network failed; later the same request may succeed."""

    retryable = True


class MetricaBadRequest(MetricaError):
    """The request itself is wrong (unknown metric, goal or counter id)."""


@dataclass(frozen=True)
class MetricaRow:
    dimensions: tuple[str, ...]
    metrics: tuple[float | None, ...]


@dataclass
class MetricaReport:
    rows: list[MetricaRow] = field(default_factory=list)
    total_rows: int = 0
    sampled: bool = False
    sample_share: float = 1.0
    pages: int = 0


@dataclass
class MetricaClient:
    token: str
    transport: httpx.BaseTransport | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    api_url: str = API_URL

    def __repr__(self) -> str:  # the token never reaches logs through a repr
        return f"MetricaClient(api_url={self.api_url!r}, token=***)"

    def report(
        self, *, counter_id: int | str, metrics: Sequence[str], dimensions: Sequence[str], date1: date, date2: date,
        limit: int = DEFAULT_LIMIT, accuracy: str = "full", extra: dict[str, str] | None = None,
    ) -> MetricaReport:
        """All rows of the report for the period, page after page."""
        result = MetricaReport()
        offset = 1
        with httpx.Client(transport=self.transport, timeout=self.timeout) as http:
            while result.pages < MAX_PAGES:
                params: dict[str, str | int] = {
                    "ids": str(counter_id), "metrics": ",".join(metrics), "dimensions": ",".join(dimensions),
                    "date1": date1.isoformat(), "date2": date2.isoformat(),
                    "limit": limit, "offset": offset, "accuracy": accuracy, **(extra or {}),
                }
                body = self._get(http, params)
                result.pages += 1
                rows = [_row(item) for item in body.get("data") or []]
                result.rows.extend(rows)
                result.total_rows = int(body.get("total_rows") or 0)
                if body.get("sampled"):
                    result.sampled = True
                    result.sample_share = min(result.sample_share, float(body.get("sample_share") or 1.0))
                if not rows or len(result.rows) >= result.total_rows:
                    break
                offset += len(rows)
        return result

    def _get(self, http: httpx.Client, params: dict[str, str | int]) -> dict[str, Any]:
        headers = {"Authorization": f"OAuth {self.token}", "Accept": "application/json"}
        return request_json(
            lambda: http.get(self.api_url, params=params, headers=headers),
            backoff=Backoff(self.max_attempts, self.backoff_base, self.backoff_max, self.sleep),
            failures=_FAILURES, error_for=_error_for,
        )


_FAILURES = TransientFailures(
    timeout=lambda: MetricaTemporaryError(_("Метрика не ответила вовремя. Попробуйте обновить позже.")),
    unreachable=lambda: MetricaTemporaryError(_("Не удалось связаться с Метрикой. Попробуйте обновить позже.")),
    unreadable=lambda: MetricaTemporaryError(_("Метрика прислала непонятный ответ. Попробуйте обновить позже.")),
)


def _row(item: dict[str, Any]) -> MetricaRow:
    dims = tuple(str(d.get("name") if isinstance(d, dict) else d) for d in item.get("dimensions") or [])
    metrics = tuple(None if m is None else float(m) for m in item.get("metrics") or [])
    return MetricaRow(dimensions=dims, metrics=metrics)


QUOTA_TYPES = {"quota_requests_by_ip", "quota_parallel_requests", "quota_requests_by_uid", "quota_delegate_requests"}
TOKEN_TYPES = {"invalid_token", "expired_token", "unauthorized"}


def _error_for(response: httpx.Response) -> MetricaError:
    """Map an error answer (`{"errors": [{"error_type", "message"}], "code", "message"}`) to an
    exception with a user message. The API's own message is kept out of it: it may echo input."""
    status = response.status_code
    errors = json_object(response).get("errors")
    error_type = str(errors[0].get("error_type", "")) if errors and isinstance(errors[0], dict) else ""
    if status == 429 or error_type in QUOTA_TYPES:
        return MetricaQuotaExceeded(
            _("Исчерпана квота запросов к Метрике. Данные обновятся позже автоматически."),
            status=status, error_type=error_type,
        )
    if status == 401 or error_type in TOKEN_TYPES:
        return MetricaTokenError(
            _("Токен доступа к Метрике недействителен или истёк. Получите новый токен и сохраните его в настройках."),
            status=status, error_type=error_type,
        )
    if status == 403:
        return MetricaAccessDenied(
            _("Нет доступа к счётчику Метрики: владелец токена должен получить доступ к этому счётчику."),
            status=status, error_type=error_type,
        )
    if status >= 500:
        return MetricaTemporaryError(
            _("Метрика временно недоступна. Попробуйте обновить позже."), status=status, error_type=error_type,
        )
    return MetricaBadRequest(
        _("Метрика отклонила запрос: проверьте номер счётчика и идентификаторы целей."),
        status=status, error_type=error_type,
    )
