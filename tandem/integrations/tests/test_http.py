"""The retry loop shared by the GA4 and Metrica clients: the cases their recorded-response tests
do not reach (connection errors, an unreadable 200 answer, the backoff cap)."""

from __future__ import annotations

import httpx
import pytest

from tandem.integrations._http import Backoff, ServiceError, TransientFailures, request_json


class Temporary(ServiceError):
    retryable = True


FAILURES = TransientFailures(
    timeout=lambda: Temporary("timeout"), unreachable=lambda: Temporary("unreachable"),
    unreadable=lambda: Temporary("unreadable"),
)


def never_called(response: httpx.Response) -> ServiceError:
    raise AssertionError("no error answer expected")


def test_unreadable_answer_and_connection_error_are_retried_until_a_good_answer() -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.Response(200, text="<html>"), httpx.ConnectError("refused"), httpx.Response(200, json={"ok": 1}),
    ]
    sleeps: list[float] = []

    def send() -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    body = request_json(send, backoff=Backoff(4, 1.0, 30.0, sleeps.append), failures=FAILURES, error_for=never_called)

    assert body == {"ok": 1} and sleeps == [1.0, 2.0]


def test_waits_are_capped_and_the_last_transient_error_is_raised() -> None:
    sleeps: list[float] = []

    def send() -> httpx.Response:
        raise httpx.ConnectError("refused")

    with pytest.raises(Temporary) as caught:
        request_json(send, backoff=Backoff(5, 1.0, 3.0, sleeps.append), failures=FAILURES, error_for=never_called)

    assert caught.value.message == "unreachable" and sleeps == [1.0, 2.0, 3.0, 3.0]
