"""The Metrica client against recorded answers only (httpx.MockTransport): never the network."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from tandem.integrations import metrica

DATA = Path(__file__).parent / "data" / "metrica"


def recorded(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class Replay:
    """Answers requests with the given (status, body) in order and remembers the requests."""

    def __init__(self, *answers: tuple[int, dict | str]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0)
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)


def client_for(replay: Replay, sleeps: list[float] | None = None) -> metrica.MetricaClient:
    waits = sleeps if sleeps is not None else []
    return metrica.MetricaClient(token="secret-token", transport=httpx.MockTransport(replay), sleep=waits.append)


def fetch(client: metrica.MetricaClient, **kwargs: object) -> metrica.MetricaReport:
    params = {
        "counter_id": 100500, "metrics": ["ym:s:visits"], "dimensions": ["ym:s:date"],
        "date1": date(2020, 10, 1), "date2": date(2020, 10, 5), **kwargs,
    }
    return client.report(**params)  # type: ignore[arg-type]


def test_real_answer_gives_daily_rows_and_sends_token_and_parameters() -> None:
    # given the recorded real answer
    replay = Replay((200, recorded("daily_visits_real.json")))
    # when
    report = fetch(client_for(replay), limit=1000)
    # then
    assert [r.dimensions[0] for r in report.rows] == ["2020-10-01", "2020-10-02", "2020-10-03", "2020-10-04", "2020-10-05"]
    assert report.rows[0].metrics == (14234.0,)
    assert report.total_rows == 5 and report.sampled is False and report.pages == 1
    sent = replay.requests[0]
    assert sent.headers["Authorization"] == "OAuth secret-token"
    assert sent.url.host == "api-metrika.yandex.net" and sent.url.path == "/stat/v1/data"
    assert dict(sent.url.params) == {
        "ids": "100500", "metrics": "ym:s:visits", "dimensions": "ym:s:date", "date1": "2020-10-01",
        "date2": "2020-10-05", "limit": "1000", "offset": "1", "accuracy": "full",
    }


def test_two_pages_are_fetched_by_offset_until_total_rows() -> None:
    replay = Replay((200, recorded("two_pages_1.json")), (200, recorded("two_pages_2.json")))
    report = fetch(client_for(replay), limit=2)
    assert [r.dimensions[0] for r in report.rows] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert report.pages == 2
    assert [req.url.params["offset"] for req in replay.requests] == ["1", "3"]


def test_empty_period_is_an_empty_report() -> None:
    replay = Replay((200, recorded("empty_period.json")))
    report = fetch(client_for(replay))
    assert report.rows == [] and report.total_rows == 0 and report.pages == 1


def test_sampled_answer_is_flagged() -> None:
    replay = Replay((200, recorded("sampled.json")))
    report = fetch(client_for(replay))
    assert report.sampled is True and report.sample_share == 0.1
    assert report.rows[1].metrics == (39876.0, 298.0)


@pytest.mark.parametrize(
    ("status", "name", "exc", "words"),
    [
        (403, "error_403_access_denied.json", metrica.MetricaAccessDenied, "Нет доступа к счётчику"),
        (401, "error_401_invalid_token.json", metrica.MetricaTokenError, "Токен доступа"),
        (403, "error_403_expired_token.json", metrica.MetricaTokenError, "истёк"),
        (400, {"errors": [{"error_type": "invalid_parameter", "message": "Wrong parameter: 'metrics'"}], "code": 400}, metrica.MetricaBadRequest, "проверьте номер счётчика"),
    ],
)
def test_permanent_errors_are_raised_at_once_in_plain_words(
    status: int, name: str | dict, exc: type[metrica.MetricaError], words: str,
) -> None:
    body = recorded(name) if isinstance(name, str) else name
    replay = Replay((status, body))
    sleeps: list[float] = []
    with pytest.raises(exc) as info:
        fetch(client_for(replay, sleeps))
    assert words in info.value.message
    assert "secret-token" not in str(info.value)
    assert len(replay.requests) == 1 and sleeps == []


def test_quota_is_retried_with_bounded_backoff_then_raised() -> None:
    quota = (429, recorded("error_429_quota.json"))
    replay = Replay(quota, quota, quota, quota)
    sleeps: list[float] = []
    with pytest.raises(metrica.MetricaQuotaExceeded) as info:
        fetch(client_for(replay, sleeps))
    assert "квота" in info.value.message
    assert len(replay.requests) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_server_error_then_success_is_retried() -> None:
    replay = Replay((502, "<html>Bad Gateway</html>"), (200, recorded("daily_visits_real.json")))
    sleeps: list[float] = []
    report = fetch(client_for(replay, sleeps))
    assert len(report.rows) == 5 and sleeps == [1.0]


def test_timeout_is_retried_and_then_reported() -> None:
    def always_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    sleeps: list[float] = []
    client = metrica.MetricaClient(token="t", transport=httpx.MockTransport(always_timeout), sleep=sleeps.append, max_attempts=2)
    with pytest.raises(metrica.MetricaTemporaryError):
        fetch(client)
    assert sleeps == [1.0]


def test_repr_hides_the_token() -> None:
    assert "secret-token" not in repr(metrica.MetricaClient(token="secret-token"))
