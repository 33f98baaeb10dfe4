"""Browser: an AM sees a due contact on "my day", logs the call in place, the item disappears."""

import pytest

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_am_logs_due_call_in_place(live_server, browser_page, org):
    contact = ContactFactory(client=org.client_a, full_name="Ирина Волкова", preferred_channel="phone",
                             phone="+7 900 000-00-01", quiet_hours_start="20:00", quiet_hours_end="09:00")
    page = browser_page
    login(page, live_server, "am1")
    assert page.url.endswith("/my-day/")
    item = page.locator(f"#due-contact-{contact.pk}")
    item.wait_for()
    assert "Телефон" in item.inner_text() and "20:00–09:00" in item.inner_text()
    item.get_by_role("button", name="Записать контакт").click()
    item.locator("textarea[name=summary]").fill("Обсудили позиции за октябрь")
    item.get_by_role("button", name="Сохранить").click()
    item.wait_for(state="detached")
    assert page.locator(f"#due-contact-{contact.pk}").count() == 0
    interaction = Interaction.objects.get()
    assert interaction.kind == "call" and list(interaction.contacts.all()) == [contact]
    page.reload()
    assert page.locator(f"#due-contact-{contact.pk}").count() == 0
