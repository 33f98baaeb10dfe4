"""An AM opens a client's monthly report: the results table compares with the previous month and
the same month a year before, and the chart of daily visits against a year before is drawn
(Chart.js from json_script, no inline script) — in real Chromium."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tandem.reports import services
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_am_sees_the_year_ago_comparison_and_chart(live_server, browser_page, org):
    source = AnalyticsSource.objects.create(client=org.client_a, kind=AnalyticsKind.METRICA, counter_id="1")
    now = datetime(2026, 4, 1, tzinfo=ZoneInfo("Europe/Moscow"))
    AnalyticsSnapshot.objects.bulk_create([
        AnalyticsSnapshot(source=source, client=org.client_a, date=start + timedelta(days=i), visits=v, fetched_at=now)
        for start, days, v in ((date(2025, 3, 1), 31, 10), (date(2026, 2, 1), 28, 15), (date(2026, 3, 1), 31, 20))
        for i in range(days)
    ])
    report = services.client_report_create(actor=org.am1.user, client=org.client_a, today=date(2026, 4, 3))

    page = browser_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    login(page, live_server, org.am1.user.username)
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    page.wait_for_selector("#report-results-chart[data-drawn='1']")
    row = page.locator("#report-results tbody tr").first.inner_text()
    assert "620" in row and "310" in row and "+100 %" in row and "Яндекс Метрика" in row
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m]
