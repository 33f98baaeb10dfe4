"""Comms pages: client panel and quick entry, log, import, requests, stats, notifications, iCal."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.services import interaction_create, request_create
from tandem.notifications.models import NotificationDelivery
from tandem.notifications.services import notify, preferences_for

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / "comms" / "tests" / "data"


def test_client_panel_and_two_click_quick_add(org, web_client_for):
    contact = ContactFactory(client=org.client_a, full_name="Ирина Волкова")
    client = web_client_for(org.am1)
    panel = client.get(reverse("web:client_comms_panel", args=[org.client_a.pk]), HTTP_HX_REQUEST="true")
    assert panel.status_code == 200 and "Ирина Волкова" in panel.content.decode()
    form = client.get(reverse("web:interaction_quick_add", args=[org.client_a.pk]) + "?kind=call",
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'name="summary"' in form and "checked" in form  # the only contact is preselected
    resp = client.post(reverse("web:interaction_quick_add", args=[org.client_a.pk]), {
        "kind": "call", "direction": "outgoing", "channel": "phone", "occurred_at": "2026-01-15T12:00",
        "summary": "Созвон", "contacts": [contact.pk]}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and "Созвон" in resp.content.decode() and 'id="comms-panel-' in resp.content.decode()
    assert Interaction.objects.get().contacts.get() == contact


@pytest.mark.parametrize(("role", "status"), [
    ("am1", 200), ("spec1", 200), ("group_head", 200), ("head", 200), ("am2", 404), ("spec2", 404), ("outsider", 404),
])
def test_panel_and_quick_add_permissions(org, web_client_for, role, status):
    client = web_client_for(org.by_role_name(role))
    assert client.get(reverse("web:client_comms_panel", args=[org.client_a.pk])).status_code == status
    resp = client.post(reverse("web:interaction_quick_add", args=[org.client_a.pk]), {
        "kind": "call", "direction": "outgoing", "channel": "phone", "occurred_at": "2026-01-15T12:00", "summary": "x"})
    assert resp.status_code == (302 if status == 200 else 404)
    assert Interaction.objects.count() == (1 if status == 200 else 0)


def test_interaction_list_and_edit_with_history(org, web_client_for):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "Первый звонок"})
    client = web_client_for(org.am1)
    assert "Первый звонок" in client.get(reverse("web:interaction_list")).content.decode()
    assert "Первый звонок" not in web_client_for(org.am2).get(reverse("web:interaction_list")).content.decode()
    client = web_client_for(org.am1)
    resp = client.post(reverse("web:interaction_edit", args=[i.pk]), {
        "kind": "meeting", "direction": "outgoing", "channel": "video", "occurred_at": "2026-01-15T12:00",
        "summary": "Встреча вместо звонка"})
    assert resp.status_code == 302
    page = client.get(reverse("web:interaction_edit", args=[i.pk])).content.decode()
    assert "История изменений" in page and "Первый звонок" in page


def test_spec_cannot_edit_others_entry(org, web_client_for):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "до"})
    resp = web_client_for(org.spec1).post(reverse("web:interaction_edit", args=[i.pk]), {
        "kind": "call", "direction": "outgoing", "channel": "phone", "occurred_at": "2026-01-15T12:00", "summary": "после"})
    assert resp.status_code == 200 and "errors" in resp.content.decode()
    i.refresh_from_db()
    assert i.summary == "до"


def test_email_import_page(org, web_client_for):
    ContactFactory(client=org.client_a, email="ivanova@alfa.example")
    upload = SimpleUploadedFile("inbox.mbox", (DATA / "inbox.mbox").read_bytes())
    html = web_client_for(org.am1).post(reverse("web:email_import"), {"file": upload}).content.decode()
    assert "Загружено: <b>2</b>" in html and "контакт не найден" in html


def test_request_pages(org, web_client_for):
    client = web_client_for(org.am1)
    resp = client.post(reverse("web:request_create"), {
        "client": org.client_a.pk, "priority": "urgent", "channel": "phone", "subject": "Не работает форма",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 302
    r = ClientRequest.objects.get()
    assert "Не работает форма" in client.get(reverse("web:request_list")).content.decode()
    assert "Срок первого ответа" in client.get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert web_client_for(org.am2).get(reverse("web:request_detail", args=[r.pk])).status_code == 404
    assert "am1" in web_client_for(org.head).get(reverse("web:request_stats")).content.decode()


def test_request_form_offers_only_the_chosen_clients_contacts(org, web_client_for):
    own = ContactFactory.create(client=org.client_a, full_name="Ирина Альфа")
    other_client = ContactFactory.create(client=org.client_b, full_name="Пётр Бета")
    web = web_client_for(org.am1)
    form_html = web.get(reverse("web:request_create")).content.decode()
    assert "Ирина Альфа" not in form_html and 'hx-get="/requests/new/contacts/"' in form_html
    options = web.get(reverse("web:request_contact_options"), {"client": org.client_a.pk}).content.decode()
    assert "Ирина Альфа" in options and "Пётр Бета" not in options
    # A client the AM does not see gives no contacts.
    assert "Пётр Бета" not in web.get(reverse("web:request_contact_options"), {"client": org.client_b.pk}).content.decode()
    resp = web.post(reverse("web:request_create"), {
        "client": org.client_a.pk, "contact": other_client.pk, "priority": "normal", "channel": "phone",
        "subject": "x", "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 200 and "contact" in resp.context["form"].errors and not ClientRequest.objects.exists()
    resp = web.post(reverse("web:request_create"), {
        "client": org.client_a.pk, "contact": own.pk, "priority": "normal", "channel": "phone",
        "subject": "x", "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 302 and ClientRequest.objects.get().contact == own


def test_request_create_invisible_client_is_form_error(org, web_client_for):
    resp = web_client_for(org.am1).post(reverse("web:request_create"), {
        "client": org.client_b.pk, "priority": "normal", "channel": "phone", "subject": "x",
        "received_at": "2026-01-15T12:00"})
    assert resp.status_code == 200 and not ClientRequest.objects.exists()


@pytest.mark.parametrize("role", ["spec1", "am2", "outsider"])
def test_request_actions_denied_change_nothing(org, web_client_for, role):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    client = web_client_for(org.by_role_name(role))
    resp = client.post(reverse("web:request_resolve", args=[r.pk]), HTTP_HX_REQUEST="true")
    assert resp.status_code == (403 if role == "spec1" else 404)
    r.refresh_from_db()
    assert r.resolved_at is None


def test_notifications_page_shows_failed_and_retries(org, web_client_for):
    n, _ = notify(recipient=org.am1, kind="x", title="Просрочен ответ", dedupe_key="w1")
    NotificationDelivery.objects.filter(notification=n).update(status="failed", attempts=5, last_error="SMTP недоступен")
    client = web_client_for(org.am1)
    html = client.get(reverse("web:notification_list")).content.decode()
    assert "Не доставлено" in html and "SMTP недоступен" in html
    d = n.deliveries.get()
    assert web_client_for(org.am2).post(reverse("web:delivery_retry", args=[d.pk])).status_code == 404
    client = web_client_for(org.am1)
    client.post(reverse("web:delivery_retry", args=[d.pk]))
    d.refresh_from_db()
    assert d.status in {"pending", "sent"}


def test_settings_and_calendar_feed(org, web_client_for, client):
    interaction_create(actor=org.am1.user, client=org.client_a, data={
        "summary": "x", "next_step": "Отправить КП", "next_step_due": timezone.localdate() + timedelta(days=2)})
    token = preferences_for(org.am1).calendar_token
    feed = client.get(reverse("web:calendar_feed", args=[token]))
    assert feed["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    assert "Альфа: Отправить КП" in [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    web = web_client_for(org.am1)
    assert token in web.get(reverse("web:notification_settings")).content.decode()
    web.post(reverse("web:calendar_regenerate"))
    assert client.get(reverse("web:calendar_feed", args=[token])).status_code == 404
    resp = web.post(reverse("web:notification_settings"), {"telegram_enabled": "on", "email_enabled": "on"})
    assert resp.status_code == 200 and "chat id" in resp.content.decode()


def test_nav_shows_my_day_and_requests(org, web_client_for):
    html = web_client_for(org.am1).get(reverse("web:my_day")).content.decode()
    assert 'href="/my-day/"' in html and 'href="/requests/"' in html
