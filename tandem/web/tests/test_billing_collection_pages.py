"""Collection pages: closing reminders from the invoice page, the payment reminder letter
(review, edit, send; leaving sends nothing), the letter template on the settings page, and the
date rule of invoice and act numbers shown next to the date field."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from tandem.billing.models import Act, BillingSettings, CollectionReminder, Invoice
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction

pytestmark = pytest.mark.django_db
COLLECTORS = ["head", "finance", "admin", "group_head", "am1"]  # who may collect client_a's invoice
OTHERS = ["am2", "spec1", "spec2", "outsider"]  # they do not see it: 404


@pytest.fixture
def dunning(money):
    ContactFactory(client=money.client_a, role=Contact.Role.ACCOUNTANT, full_name="Сидорова Мария",
                   email="buh@alfa.example")
    money.invoice = issued_invoice(money.finance, money.client_a, "122000.00", on=date(2026, 2, 2))
    money.reminder = money.invoice.reminders.first()
    return money


@pytest.mark.parametrize("role", COLLECTORS)
@pytest.mark.parametrize(("action", "status"), [("done", "done"), ("cancel", "cancelled")])
def test_collectors_close_a_reminder_from_the_invoice_page(dunning, web_client_for, role, action, status):
    client = web_client_for(dunning.by_role_name(role))

    page = client.get(f"/invoices/{dunning.invoice.pk}/").content.decode()
    response = client.post(f"/invoices/reminders/{dunning.reminder.pk}/{action}/", {"note": "договорились"})

    assert f"/invoices/reminders/{dunning.reminder.pk}/{action}/" in page
    assert response.status_code == 302 and response["Location"] == f"/invoices/{dunning.invoice.pk}/"
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == status and dunning.reminder.note == "договорились"


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("action", ["done", "cancel"])
def test_others_cannot_close_a_reminder(dunning, web_client_for, role, action):
    response = web_client_for(dunning.by_role_name(role)).post(f"/invoices/reminders/{dunning.reminder.pk}/{action}/")

    assert response.status_code == 404
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.PLANNED


def test_closing_a_closed_reminder_says_so(dunning, web_client_for):
    client = web_client_for(dunning.am1)
    client.post(f"/invoices/reminders/{dunning.reminder.pk}/cancel/")

    response = client.post(f"/invoices/reminders/{dunning.reminder.pk}/done/", follow=True)

    assert "Напоминание уже закрыто." in response.content.decode()
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.CANCELLED


def test_invoice_page_with_reminders_stays_o1_in_queries(dunning, web_client_for, django_assert_max_num_queries):
    client = web_client_for(dunning.am1)

    with django_assert_max_num_queries(30):
        response = client.get(f"/invoices/{dunning.invoice.pk}/")

    assert response.status_code == 200 and "Напомнить бухгалтеру об оплате" in response.content.decode()


@pytest.mark.parametrize("role", COLLECTORS)
def test_collectors_review_edit_and_send_the_letter(dunning, web_client_for, django_capture_on_commit_callbacks,
                                                    role):
    client = web_client_for(dunning.by_role_name(role))
    url = f"/invoices/{dunning.invoice.pk}/remind/?reminder={dunning.reminder.pk}"

    page = client.get(url)
    form = page.context["form"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"subject": form.initial["subject"], "body": "Добрый день! Ждём оплату.",
                                     "reminder": dunning.reminder.pk})

    assert page.status_code == 200 and "buh@alfa.example" in page.content.decode()
    assert f"Оплата счёта № {dunning.invoice.number} от 02.02.2026" == form.initial["subject"]
    assert "122\u00a0000,00" in form.initial["body"]
    assert response.status_code == 302 and response["Location"] == f"/invoices/{dunning.invoice.pk}/"
    [message] = mail.outbox
    assert message.body == "Добрый день! Ждём оплату." and message.to == ["buh@alfa.example"]
    assert message.attachments[0][0] == f"invoice-{dunning.invoice.number}.pdf"
    assert Interaction.objects.get().kind == "email"
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.DONE


def test_opening_the_letter_and_leaving_sends_nothing(dunning, web_client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = web_client_for(dunning.am1).get(f"/invoices/{dunning.invoice.pk}/remind/")

    assert page.status_code == 200 and f'href="/invoices/{dunning.invoice.pk}/"' in page.content.decode()
    assert mail.outbox == [] and not Interaction.objects.exists()


def test_an_empty_body_is_an_error_at_the_field_and_nothing_is_sent(dunning, web_client_for,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(dunning.am1).post(f"/invoices/{dunning.invoice.pk}/remind/",
                                                    {"subject": "Оплата", "body": ""})

    assert response.status_code == 400 and response.context["form"].errors["body"]
    assert mail.outbox == [] and not Interaction.objects.exists()


def test_no_accountant_e_mail_is_said_on_the_page(dunning, web_client_for, django_capture_on_commit_callbacks):
    Contact.objects.filter(client=dunning.client_a).update(email="")

    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(dunning.am1).post(f"/invoices/{dunning.invoice.pk}/remind/",
                                                    {"subject": "Оплата", "body": "Ждём"})

    assert response.status_code == 400 and "не указан e-mail" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("role", OTHERS)
def test_others_cannot_open_nor_send_the_letter(dunning, web_client_for, django_capture_on_commit_callbacks, role):
    client = web_client_for(dunning.by_role_name(role))

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/invoices/{dunning.invoice.pk}/remind/", {"subject": "s", "body": "b"})

    assert client.get(f"/invoices/{dunning.invoice.pk}/remind/").status_code == 404 and sent.status_code == 404
    assert mail.outbox == [] and not Interaction.objects.exists()


# --- the letter template on the settings page ----------------------------------------------------


def test_the_letter_template_is_edited_on_the_settings_page(dunning, web_client_for):
    BillingSettings.objects.filter(agency=dunning.agency).update(bik="044525225")  # requisites valid as saved
    client = web_client_for(dunning.finance)

    page = client.get("/billing/settings/").content.decode()
    response = client.post("/billing/settings/", {
        "form": "letter", "letter-reminder_email_subject": "Счёт {invoice_number}",
        "letter-reminder_email_body": "{client}, оплатите {amount} до {due_date}. {am_name}",
    })

    cfg = BillingSettings.objects.get(agency=dunning.agency)
    assert 'id="reminder-letter-form"' in page and response.status_code == 302
    assert cfg.reminder_email_subject == "Счёт {invoice_number}"
    assert cfg.reminder_email_body == "{client}, оплатите {amount} до {due_date}. {am_name}"
    assert cfg.supplier_name == 'ООО "Тандем"'  # the requisites are left alone


def test_an_unknown_placeholder_is_an_error_at_the_field(dunning, web_client_for):
    response = web_client_for(dunning.finance).post("/billing/settings/", {
        "form": "letter", "letter-reminder_email_subject": "Счёт {number}", "letter-reminder_email_body": "ok",
    })

    assert response.status_code == 200
    assert response.context["letter_form"].errors["reminder_email_subject"]
    assert BillingSettings.objects.get(agency=dunning.agency).reminder_email_body != "ok"


# --- numbers follow dates -------------------------------------------------------------------------


def test_an_invoice_dated_before_the_last_issued_one_is_an_error_at_the_date(dunning, web_client_for):
    response = web_client_for(dunning.finance).post("/invoices/new/", {
        "client": dunning.client_a.pk, "date": "2026-02-01", "vat_mode": "vat",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-name": "Услуги", "lines-0-quantity": "1", "lines-0-unit": "усл.", "lines-0-price": "10.00",
    })

    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        f"Счёт № {dunning.invoice.number} от 02.02 уже выставлен; новый счёт не может быть датирован раньше — "
        "поставьте дату не ранее 02.02.2026."
    ]
    assert Invoice.objects.count() == 1


def test_an_act_dated_before_the_last_act_is_an_error_at_the_date(dunning, web_client_for):
    other = issued_invoice(dunning.finance, dunning.client_b, "10.00", on=date(2026, 2, 3))
    client = web_client_for(dunning.finance)
    client.post(f"/invoices/{other.pk}/act/", {"lines": [other.lines.get().pk], "date": "2026-02-28"})

    response = client.post(f"/invoices/{dunning.invoice.pk}/act/", {
        "lines": [dunning.invoice.lines.get().pk], "date": "2026-02-27"})

    assert response.status_code == 200 and "уже составлен" in response.context["form"].errors["date"][0]
    assert Act.objects.count() == 1
