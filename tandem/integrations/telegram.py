"""Telegram Bot API client: sendMessage over HTTPS with the standard library.

The transport is injectable (`Transport`: method, url, body bytes, timeout → status, body bytes)
so that tests replay recorded responses and never touch the network.

Errors:
- 429 with `parameters.retry_after` → `TelegramRetryAfter` (retryable, wait that many seconds);
- 5xx, timeouts and connection errors → `TelegramTemporaryError` (retryable);
- other 4xx (bad chat id, bot blocked, bad token) → `TelegramPermanentError` (do not retry).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Transport = Callable[[str, str, bytes, float], tuple[int, bytes]]

DEFAULT_API_BASE = "https://api.telegram.org"
MAX_MESSAGE_LENGTH = 4096


class TelegramError(Exception):
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, error_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class TelegramPermanentError(TelegramError):
    """The request cannot succeed as is (wrong chat, blocked bot, bad token)."""


class TelegramTemporaryError(TelegramError):
    """Telegram or the network failed; the same request may succeed later."""

    retryable = True


class TelegramRetryAfter(TelegramTemporaryError):
    """Flood control: retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int, status: int = 429) -> None:
        super().__init__(message, status=status, error_code=429)
        self.retry_after = retry_after


def urllib_transport(method: str, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    """POST JSON with urllib; HTTP errors are returned as (status, body), not raised."""
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https URL built here)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read() or b""
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TelegramTemporaryError(f"network error: {exc}") from exc


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: int | str


class TelegramClient:
    def __init__(
        self,
        token: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        transport: Transport | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not token:
            raise TelegramPermanentError("bot token is not set")
        self._token = token
        self._api_base = api_base.rstrip("/")
        self._transport = transport or urllib_transport
        self._timeout = timeout

    def _call(self, method: str, payload: dict[str, Any]) -> Any:
        url = f"{self._api_base}/bot{self._token}/{method}"
        status, raw = self._transport("POST", url, json.dumps(payload, ensure_ascii=False).encode(), self._timeout)
        try:
            data = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        if 200 <= status < 300 and data.get("ok"):
            return data.get("result")
        description = str(data.get("description") or f"HTTP {status}")
        error_code = data.get("error_code") or status
        if status == 429 or error_code == 429:
            retry_after = int((data.get("parameters") or {}).get("retry_after") or 1)
            raise TelegramRetryAfter(description, retry_after=retry_after)
        if status >= 500 or status == 0:
            raise TelegramTemporaryError(description, status=status, error_code=error_code)
        if 200 <= status < 300:
            # 200 with ok=false or an unreadable body: treat as a temporary fault of Telegram.
            raise TelegramTemporaryError(description or "unexpected response", status=status)
        raise TelegramPermanentError(description, status=status, error_code=error_code)

    def send_message(
        self, chat_id: int | str, text: str, *, disable_notification: bool = False, parse_mode: str | None = None
    ) -> SentMessage:
        """Send `text` (cut to Telegram's 4096 characters) to `chat_id`."""
        payload: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text[:MAX_MESSAGE_LENGTH],
            "disable_notification": disable_notification,
            "link_preview_options": {"is_disabled": True},
        }
        if parse_mode:
            payload["parse_mode"] = parse_mode
        result = self._call("sendMessage", payload)
        return SentMessage(message_id=int(result["message_id"]), chat_id=result["chat"]["id"])

    def get_me(self) -> dict[str, Any]:
        return dict(self._call("getMe", {}))
