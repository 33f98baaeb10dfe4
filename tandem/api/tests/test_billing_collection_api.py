"""Collection over the API: closing reminders, the payment reminder letter, and the date rule
of invoice and act numbers (400 {"date": [...]})."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from tandem.billing.models import Act, CollectionReminder, Invoice
from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction

pytestmark = pytest.mark.django_db
COLLECTORS = ["head", "finance", "admin", "group_head", "am1"]  # who may collect client_a's invoice
OTHERS = ["am2", "spec1", "spec2", "outsider"]  # they do not see it: 404


@pytest.fixture
def dunning(money):
    ContactFactory(client=money.client_a, role=Contact.Role.ACCOUNTANT, email="buh@alfa.example")
    money.invoice = issued_invoice(money.finance, money.client_a, "1000.00", on=date(2026, 2, 2))
    money.reminder = money.invoice.reminders.first()
    return money


@pytest.mark.parametrize("role", COLLECTORS)
@pytest.mark.parametrize(("action", "status"), [("done", "done"), ("cancel", "cancelled")])
def test_collectors_close_a_reminder(dunning, api_client_for, role, action, status):
    response = api_client_for(dunning.by_role_name(role)).post(
        f"/api/v1/collection/reminders/{dunning.reminder.pk}/{action}/", {"note": "созвонились"}, format="json"
    )

    assert response.status_code == 200 and response.json()["status"] == status
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == status and dunning.reminder.note == "созвонились"


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("action", ["done", "cancel"])
def test_others_cannot_close_a_reminder(dunning, api_client_for, role, action):
    response = api_client_for(dunning.by_role_name(role)).post(
        f"/api/v1/collection/reminders/{dunning.reminder.pk}/{action}/", {}, format="json"
    )

    assert response.status_code == 404
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.PLANNED


def test_a_closed_reminder_cannot_be_closed_again(dunning, api_client_for):
    client = api_client_for(dunning.am1)
    client.post(f"/api/v1/collection/reminders/{dunning.reminder.pk}/cancel/", {}, format="json")

    response = client.post(f"/api/v1/collection/reminders/{dunning.reminder.pk}/done/", {}, format="json")

    assert response.status_code == 400 and "status" in response.json()
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.CANCELLED


def test_reminders_due_lists_the_planned_ones(dunning, api_client_for):
    response = api_client_for(dunning.finance).get("/api/v1/collection/reminders-due/")

    assert response.status_code == 200


@pytest.mark.parametrize("role", COLLECTORS)
def test_collectors_review_and_send_the_letter(dunning, api_client_for, django_capture_on_commit_callbacks, role):
    client = api_client_for(dunning.by_role_name(role))
    url = f"/api/v1/invoices/{dunning.invoice.pk}/reminder-letter/"

    draft = client.get(url).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"subject": draft["subject"], "body": draft["body"] + "\nP.S.",
                                     "reminder": dunning.reminder.pk}, format="json")

    assert draft["to"] == "buh@alfa.example" and dunning.invoice.number in draft["subject"]
    assert response.status_code == 201
    [message] = mail.outbox
    assert message.body.endswith("P.S.") and message.attachments[0][2] == "application/pdf"
    assert Interaction.objects.get().pk == response.json()["interaction"]
    dunning.reminder.refresh_from_db()
    assert dunning.reminder.status == CollectionReminder.Status.DONE


@pytest.mark.parametrize("role", OTHERS)
def test_others_cannot_see_nor_send_the_letter(dunning, api_client_for, django_capture_on_commit_callbacks, role):
    client = api_client_for(dunning.by_role_name(role))
    url = f"/api/v1/invoices/{dunning.invoice.pk}/reminder-letter/"

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"subject": "s", "body": "b"}, format="json")

    assert client.get(url).status_code == 404 and sent.status_code == 404
    assert mail.outbox == [] and not Interaction.objects.exists()


def test_an_empty_subject_is_a_400_and_nothing_is_sent(dunning, api_client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(dunning.am1).post(
            f"/api/v1/invoices/{dunning.invoice.pk}/reminder-letter/", {"subject": " ", "body": "b"}, format="json"
        )

    assert response.status_code == 400 and "subject" in response.json()
    assert mail.outbox == [] and not Interaction.objects.exists()


# --- numbers follow dates ------------------------------------------------------------------------


def test_an_invoice_dated_before_the_last_issued_one_is_a_400_on_date(dunning, api_client_for):
    response = api_client_for(dunning.finance).post("/api/v1/invoices/", {
        "client": dunning.client_a.pk, "date": "2026-02-01", "vat_mode": "vat",
        "lines": [{"name": "Услуги", "price": "10.00"}],
    }, format="json")

    assert response.status_code == 400
    assert response.json()["date"] == [
        f"Счёт № {dunning.invoice.number} от 02.02 уже выставлен; новый счёт не может быть датирован раньше — "
        "поставьте дату не ранее 02.02.2026."
    ]
    assert Invoice.objects.count() == 1


def test_an_invoice_without_a_date_is_dated_today(dunning, api_client_for):
    from django.utils import timezone

    response = api_client_for(dunning.finance).post("/api/v1/invoices/", {
        "client": dunning.client_a.pk, "vat_mode": "vat", "lines": [{"name": "Услуги", "price": "10.00"}],
    }, format="json")

    assert response.status_code == 201 and response.json()["date"] == timezone.localdate().isoformat()


def test_an_act_dated_before_the_last_act_is_a_400_on_date(dunning, api_client_for):
    other = issued_invoice(dunning.finance, dunning.client_b, "10.00", on=date(2026, 2, 3))
    client = api_client_for(dunning.finance)
    client.post(f"/api/v1/invoices/{other.pk}/acts/", {"date": "2026-02-28"}, format="json")

    response = client.post(f"/api/v1/invoices/{dunning.invoice.pk}/acts/", {"date": "2026-02-27"}, format="json")

    assert response.status_code == 400 and "уже составлен" in response.json()["date"][0]
    assert Act.objects.count() == 1
