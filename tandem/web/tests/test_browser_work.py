"""In real Chromium: a specialist fills a weekly timesheet; an AM sends a stage to the client
and records the client's approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.clients.tests.factories import ContactFactory
from tandem.testing.browser import login
from tandem.work.models import StageStatus, TimeEntry
from tandem.work.tests.factories import StageFactory, signed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_specialist_fills_weekly_timesheet(live_server, browser_page, org):
    project = signed_project(org)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    page = browser_page
    login(page, live_server, "spec1")
    page.goto(f"{live_server.url}/timesheet/?week={monday}")

    row = page.locator(f"tr[data-project='{project.pk}']")
    cells = row.locator("td.ts-cell input")
    assert cells.count() == 7
    for i, value in enumerate(["8", "7,5", "6.25"]):
        with page.expect_response(lambda r: "/timesheet/cell/" in r.url):
            cells.nth(i).fill(value)
            cells.nth(i).press("Tab")
    page.wait_for_function("document.querySelector('#day-total-1').textContent.trim() !== '0'")
    # a bad value: the error appears in the cell, nothing else changes
    with page.expect_response(lambda r: "/timesheet/cell/" in r.url):
        cells.nth(3).fill("1,1")
        cells.nth(3).press("Tab")
    bad = row.locator("td.ts-cell.has-error")
    bad.locator(".error").wait_for()
    assert bad.count() == 1 and "0,25" in bad.inner_text()
    assert bad.get_attribute("id") == f"cell-{project.pk}-{(monday + timedelta(days=3)):%Y%m%d}"
    assert page.locator("#day-total-1").inner_text().strip() == "7,5"

    hours = sorted(TimeEntry.objects.filter(employee=org.spec1).values_list("date", "hours"))
    assert hours == [(monday, Decimal("8")), (monday + timedelta(days=1), Decimal("7.5")),
                     (monday + timedelta(days=2), Decimal("6.25"))]


def test_am_sends_stage_and_records_client_approval(live_server, browser_page, org):
    project = signed_project(org)
    stage = StageFactory(project=project, title="Аудит сайта", status=StageStatus.IN_WORK)
    irina = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог")
    page = browser_page
    login(page, live_server, "am1")
    page.goto(f"{live_server.url}/projects/{project.pk}/")

    block = page.locator(f"#stage-{stage.pk}")
    block.locator("button[name=send]").click()
    page.locator(f"#stage-{stage.pk} .errors").wait_for()  # no deliverable yet: error in place
    assert "ссылку" in page.locator(f"#stage-{stage.pk} .stage-form").inner_text()
    # focus moved to the first field with an error
    assert page.evaluate("document.activeElement.name") == f"s{stage.pk}-deliverable_url"

    page.fill(f"#stage-{stage.pk} input[name='s{stage.pk}-deliverable_url']", "https://docs.example/audit")
    page.locator(f"#stage-{stage.pk} button[name=send]").click()
    page.wait_for_selector(f"#stage-{stage.pk}[data-status=sent]")

    page.select_option(f"#stage-{stage.pk} select[name='a{stage.pk}-decision']", "approved")
    page.select_option(f"#stage-{stage.pk} select[name='a{stage.pk}-contact']", str(irina.pk))
    page.locator(f"#stage-{stage.pk} button[name=answer]").click()
    page.wait_for_selector(f"#stage-{stage.pk}[data-status=approved]")
    assert "Согласовано" in page.locator(f"#stage-{stage.pk} table.submissions").inner_text()

    stage.refresh_from_db()
    submission = stage.submissions.get()
    assert stage.status == StageStatus.APPROVED
    assert submission.sent_by == org.am1.user and submission.answer_recorded_by == org.am1.user
    assert submission.contact == irina
    assert "Ирина Маркетолог" in page.locator(f"#stage-{stage.pk} table.submissions").inner_text()
