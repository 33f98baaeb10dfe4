"""The client-report benchmark runs on a small agency: a year and a month of analytics is added
once, and the three measurements (build, web view, PDF) come back under the 10 s target."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bench.client_report import HISTORY_DAYS, client_report_measurements, ensure_year_of_results
from tandem.reports.models import AnalyticsSnapshot

pytestmark = pytest.mark.django_db


def test_measures_build_web_view_and_pdf(org):
    results = client_report_measurements(org.am1, org.client_a, runs=1)
    assert [m.name for m in results] == [
        "client report: build figures (AM)", "client report: web view (AM)", "client report: PDF (AM)"]
    assert all(m.ok for m in results)
    assert AnalyticsSnapshot.objects.filter(client=org.client_a).count() == 3 * HISTORY_DAYS
    assert ensure_year_of_results(org.client_a, timezone.localdate()) == 0  # once
