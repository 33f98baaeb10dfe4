"""Browser, on a phone-wide screen (390 px): a client contact accepts the invitation, chooses a
password, approves a stage, downloads an invoice PDF and sees the hours; then the AM sees the
approval in My day."""

from __future__ import annotations

import pytest

from tandem.clients.tests.factories import ContactFactory
from tandem.portal import services
from tandem.testing.browser import login
from tandem.testing.portal import portal  # noqa: F401
from tandem.work.models import StageStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_contact_accepts_invitation_approves_stage_downloads_invoice_and_am_sees_it(
    live_server, browser_page, portal  # noqa: F811
):
    # given the AM invited a new contact of client_a to the portal
    contact = ContactFactory.create(client=portal.org.client_a, full_name="Мария Заказчикова", email="maria@alfa.example")
    links: list[str] = []
    services.portal_invite(
        actor=portal.org.am1.user, contact=contact, access=services.PortalAccess(money=True),
        accept_url=lambda token: links.append(f"{live_server.url}/portal/invitation/{token}/") or links[-1],
        max_age_days=7, send_letter=False,
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    # when she opens the link and chooses a password
    page.goto(links[0])
    assert "Мария Заказчикова" in page.inner_text("#portal-accept")
    page.fill("input[name=password]", "Maria-pass-2026")
    page.fill("input[name=password2]", "Maria-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/portal/")
    assert page.locator("#tile-stages .tile-number").inner_text() == "1"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # and signs in again after signing out
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url(f"{live_server.url}/portal/login/")
    page.fill("input[name=username]", "maria@alfa.example")
    page.fill("input[name=password]", "Maria-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/portal/")

    # and approves the stage waiting for her
    page.click("a[href='/portal/projects/']")
    page.get_by_role("link", name="Стратегия продвижения").click()
    page.get_by_label("Согласовано").check()
    page.click("#stage-answer button[type=submit]")
    assert "Ответ по этапу передан агентству" in page.inner_text(".messages")
    assert page.inner_text("#stage-status") == "Согласован"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # and downloads an invoice
    page.click("a[href='/portal/invoices/']")
    assert "не оплачен" in page.inner_text("#portal-invoices") and page.evaluate(NO_SIDEWAYS_SCROLL)
    with page.expect_download() as download_info:
        page.locator("#portal-invoices a", has_text="PDF").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as f:
        assert f.read(4) == b"%PDF"

    # and sees the hours of this month against the plan
    page.click("a[href='/portal/hours/']")
    hours = page.inner_text(".portal-hours")
    assert "План: 20 ч в месяц" in hours and "7,5" in hours
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # then the stage is approved by her, and the AM sees it in My day
    portal.stage.refresh_from_db()
    assert portal.stage.status == StageStatus.APPROVED
    assert portal.stage.submissions.get(answered_at__isnull=False).contact == contact
    staff_page = page.context.browser.new_page(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    login(staff_page, live_server, "am1")
    section = staff_page.locator("text=Из кабинета клиента")
    section.first.wait_for()
    assert "Этап согласован: Стратегия продвижения" in staff_page.inner_text("main")
    assert "Мария Заказчикова" in staff_page.inner_text("main")
    staff_page.close()
