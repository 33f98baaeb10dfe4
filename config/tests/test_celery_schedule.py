"""Periodic jobs are on the beat schedule under the names their tasks are registered with."""

from config.celery import app


def test_nightly_analytics_refresh_is_scheduled() -> None:
    entry = app.conf.beat_schedule["reports-analytics-refresh"]
    assert entry["task"] == "reports.analytics_refresh_all"
    assert entry["schedule"].hour == {4}
