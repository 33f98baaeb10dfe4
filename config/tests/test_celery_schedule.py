"""Periodic jobs are on the beat schedule under the names their tasks are registered with."""

from config.celery import app


def test_nightly_analytics_refresh_is_scheduled() -> None:
    entry = app.conf.beat_schedule["reports-analytics-refresh"]
    assert entry["task"] == "reports.analytics_refresh_all"
    assert entry["schedule"].hour == {4}


def test_nightly_growth_rules_are_scheduled_after_the_analytics_refresh() -> None:
    import tandem.growth.tasks  # noqa: F401  (registers the task)

    entry = app.conf.beat_schedule["growth-generate"]
    assert entry["task"] == "growth.generate_all" and entry["task"] in app.tasks
    assert entry["schedule"].hour == {5}
