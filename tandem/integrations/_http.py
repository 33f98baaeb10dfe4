"""What the JSON-over-HTTP clients of outside services share (GA4, Yandex.Metrica).

- `ServiceError`: the base of each client's error hierarchy. `message` is for the user, in plain
  Russian; `retryable` says whether the same request may succeed later (quota, 5xx, network).
- `request_json`: one request with retries. Time-outs, connection errors, unreadable 200 answers
  and errors whose exception is `retryable` are retried `max_attempts` times with exponential
  backoff (`base * 2 ** (n - 1)`, capped at `cap`); `sleep` is injectable so that tests never sleep.
  A non-retryable error is raised at once; after the last attempt the last error is raised.

Each client keeps its own exception classes and messages (callers catch `Ga4Error`,
`MetricaError`...); this module only holds the loop and the base class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


class ServiceError(Exception):
    """A request to an outside service failed. `message` is for the user, in plain words."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None, error_type: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type


@dataclass(frozen=True)
class Backoff:
    max_attempts: int
    base: float
    cap: float
    sleep: Callable[[float], None]

    def delay(self, attempt: int) -> float:
        """The wait before attempt number `attempt` (0-based; the first attempt does not wait)."""
        return min(self.cap, self.base * 2 ** (attempt - 1))


@dataclass(frozen=True)
class TransientFailures:
    """The errors to raise when no usable answer came: each builds the client's retryable error."""

    timeout: Callable[[], ServiceError]
    unreachable: Callable[[], ServiceError]
    unreadable: Callable[[], ServiceError]


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object; `{}` when it is not JSON or not an object."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def request_json(
    send: Callable[[], httpx.Response], *, backoff: Backoff, failures: TransientFailures,
    error_for: Callable[[httpx.Response], ServiceError],
) -> dict[str, Any]:
    """The JSON body of the first 200 answer of `send()`, retrying what may succeed later."""
    last: ServiceError | None = None
    for attempt in range(backoff.max_attempts):
        if attempt:
            backoff.sleep(backoff.delay(attempt))
        try:
            response = send()
        except httpx.TimeoutException:
            last = failures.timeout()
            continue
        except httpx.TransportError:
            last = failures.unreachable()
            continue
        if response.status_code == 200:
            try:
                data: dict[str, Any] = response.json()
            except ValueError:
                last = failures.unreadable()
                continue
            return data
        last = error_for(response)
        if not last.retryable:
            raise last
    assert last is not None
    raise last
