"""Telegram client against recorded Bot API responses through a fake transport."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tandem.integrations.telegram import (
    TelegramClient,
    TelegramPermanentError,
    TelegramRetryAfter,
    TelegramTemporaryError,
)

DATA = Path(__file__).parent / "data"


class Recorded:
    """Replays a recorded response and remembers the request."""

    def __init__(self, status: int, filename: str) -> None:
        self.status = status
        self.body = (DATA / filename).read_bytes()
        self.calls: list[tuple[str, str, dict]] = []

    def __call__(self, method: str, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.calls.append((method, url, json.loads(body)))
        return self.status, self.body


def test_send_message_posts_json_and_returns_message_id():
    transport = Recorded(200, "send_message_ok.json")
    client = TelegramClient("123:ABC", transport=transport)
    sent = client.send_message(284611907, "Просрочен первый ответ")
    assert sent.message_id == 4217 and sent.chat_id == 284611907
    method, url, payload = transport.calls[0]
    assert method == "POST"
    assert url == "https://api.telegram.org/bot123:ABC/sendMessage"
    assert payload["chat_id"] == 284611907 and payload["text"] == "Просрочен первый ответ"


def test_long_text_is_cut_to_telegram_limit():
    transport = Recorded(200, "send_message_ok.json")
    TelegramClient("t", transport=transport).send_message(1, "я" * 5000)
    assert len(transport.calls[0][2]["text"]) == 4096


@pytest.mark.parametrize(
    ("status", "filename", "message"),
    [
        (400, "chat_not_found.json", "chat not found"),
        (403, "bot_blocked.json", "bot was blocked"),
        (401, "unauthorized.json", "Unauthorized"),
    ],
)
def test_client_errors_are_permanent(status, filename, message):
    client = TelegramClient("t", transport=Recorded(status, filename))
    with pytest.raises(TelegramPermanentError, match=message) as info:
        client.send_message(1, "x")
    assert not info.value.retryable and info.value.status == status


def test_flood_control_reports_retry_after():
    client = TelegramClient("t", transport=Recorded(429, "too_many_requests.json"))
    with pytest.raises(TelegramRetryAfter) as info:
        client.send_message(1, "x")
    assert info.value.retry_after == 14 and info.value.retryable


@pytest.mark.parametrize(("status", "filename"), [(502, "bad_gateway.html"), (500, "internal_error.json")])
def test_server_errors_are_temporary(status, filename):
    client = TelegramClient("t", transport=Recorded(status, filename))
    with pytest.raises(TelegramTemporaryError) as info:
        client.send_message(1, "x")
    assert info.value.retryable and not isinstance(info.value, TelegramRetryAfter)


def test_network_failure_is_temporary():
    def broken(method, url, body, timeout):
        raise TelegramTemporaryError("network error: timed out")

    with pytest.raises(TelegramTemporaryError):
        TelegramClient("t", transport=broken).send_message(1, "x")


def test_get_me():
    me = TelegramClient("t", transport=Recorded(200, "get_me_ok.json")).get_me()
    assert me["username"] == "tandem_agency_bot"


def test_missing_token_is_refused():
    with pytest.raises(TelegramPermanentError):
        TelegramClient("")


def test_custom_api_base():
    transport = Recorded(200, "send_message_ok.json")
    TelegramClient("t", api_base="https://tg.example/", transport=transport).send_message(1, "x")
    assert transport.calls[0][1] == "https://tg.example/bott/sendMessage"
