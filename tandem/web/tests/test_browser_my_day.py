"""Browser: routine actions from "My day" in two clicks, counted — logging a call (open the form,
save it: the preferred channel and «сейчас» are preselected) and answering a request (one click)."""

import pytest

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.services import request_create
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT_CLICKS = "window.__clicks = 0; document.addEventListener('click', function () { window.__clicks += 1; }, true);"


def test_am_logs_due_call_in_two_clicks(live_server, browser_page, org):
    contact = ContactFactory(client=org.client_a, full_name="Ирина Волкова", preferred_channel="phone",
                             phone="+7 900 000-00-01", quiet_hours_start="20:00", quiet_hours_end="09:00")
    page = browser_page
    login(page, live_server, "am1")
    assert page.url.endswith("/my-day/")
    item = page.locator(f"#due-contact-{contact.pk}")
    item.wait_for()
    assert "Телефон" in item.inner_text() and "20:00–09:00" in item.inner_text()
    assert page.locator("#count-due_contacts").inner_text() == "1"
    page.evaluate(COUNT_CLICKS)

    item.get_by_role("button", name="Записать контакт").click()  # 1: open the form
    item.get_by_role("button", name="Сохранить").click()  # 2: save it as it comes

    item.wait_for(state="detached")
    assert page.evaluate("window.__clicks") == 2
    assert "Записано: звонок, Ирина Волкова." in page.locator("#toasts").inner_text()
    assert page.locator("#count-due_contacts").inner_text() == "0"
    interaction = Interaction.objects.get()
    assert interaction.kind == "call" and interaction.channel == "phone"
    assert list(interaction.contacts.all()) == [contact]
    page.reload()
    assert page.locator(f"#due-contact-{contact.pk}").count() == 0


def test_am_answers_request_in_one_click(live_server, browser_page, org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Упал сайт", "priority": "critical"})
    page = browser_page
    login(page, live_server, "am1")
    item = page.locator(f"#request-{r.pk}")
    item.wait_for()
    page.evaluate(COUNT_CLICKS)

    item.get_by_role("button", name="Ответили").click()

    page.locator("#toasts .toast").wait_for()
    assert "Отмечено: ответили клиенту." in page.locator("#toasts").inner_text()
    assert page.evaluate("window.__clicks") == 1
    assert page.locator(f"#request-{r.pk}").get_by_role("button", name="Ответили").count() == 0
    assert page.locator("#count-open_requests").inner_text() == "1"
    assert ClientRequest.objects.get(pk=r.pk).first_response_at is not None
