"""An account manager finds their client and sees the working pair, in real Chromium."""

from __future__ import annotations

import pytest

from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_am_opens_client_card_and_sees_the_team(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "am1")

    page.goto(f"{live_server.url}/clients/")
    rows = page.locator("table.clients tbody tr")
    assert rows.count() == 1
    page.fill("main input[name=q]", "нет-такого")
    page.wait_for_selector("text=Ничего не найдено")
    page.fill("main input[name=q]", "Аль")
    page.click("table.clients >> text=Альфа")
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text().startswith("Альфа")
    team = page.locator("#team")
    assert "spec1" in team.inner_text()
    assert "am1" in team.locator(".team-am").inner_text()
