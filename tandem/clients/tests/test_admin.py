"""The Django admin for clients does not write what the services keep: lifecycle status (and its
date and churn reason), the responsible AM, a contact's last interaction date and the histories."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.utils import formats, timezone, translation

from tandem.clients import services
from tandem.clients.models import (
    AccountManagerChange,
    ChurnReason,
    Client,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
)
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.tests.factories import InteractionFactory
from tandem.org.models import Group
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser

pytestmark = pytest.mark.django_db

MODELS = [Client, Contact, AccountManagerChange, LifecycleTransition]
HISTORY = [AccountManagerChange, LifecycleTransition]
MOMENT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def superuser_client(client, org):
    return login_superuser(client, org.head)


@pytest.fixture
def history(org):
    """client_a moved to at risk and handed from am1 to am2 through the services."""
    services.client_change_status(actor=org.head.user, client=org.client_a, to_status=LifecycleStatus.AT_RISK,
                                  reason="Молчит")
    services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.am2, reason="Отпуск")
    org.client_a.refresh_from_db()
    return org


def test_every_clients_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_pages_open(superuser_client, history, model):
    ContactFactory.create(client=history.client_a)
    obj = model._default_manager.first()

    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200
    assert superuser_client.get(admin_url(obj)).status_code == 200
    assert superuser_client.get(admin_url(model, "add")).status_code == (403 if model in HISTORY else 200)


def test_client_change_form_does_not_write_status_or_account_manager(superuser_client, history):
    client = history.client_a
    data = change_form_data(superuser_client, admin_url(client))
    assert "status" not in data and "account_manager" not in data
    data.update(
        legal_name='ООО "Альфа-Плюс"', status=LifecycleStatus.CHURNED, churn_reason=ChurnReason.BUDGET,
        churn_comment="Ушёл", status_changed_at_0="01.01.2020", status_changed_at_1="10:00:00",
        account_manager=str(history.am1.pk),
    )
    transitions, changes = LifecycleTransition.objects.count(), AccountManagerChange.objects.count()

    response = superuser_client.post(admin_url(client), data)

    assert response.status_code == 302
    before = client.status_changed_at
    client.refresh_from_db()
    assert client.legal_name == 'ООО "Альфа-Плюс"'
    assert (client.status, client.churn_reason, client.churn_comment) == (LifecycleStatus.AT_RISK, "", "")
    assert client.status_changed_at == before
    assert client.account_manager == history.am2
    assert (LifecycleTransition.objects.count(), AccountManagerChange.objects.count()) == (transitions, changes)


def test_client_created_here_is_a_lead_without_am_with_its_first_transition(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(Client, "add"))
    data.update(agency=str(org.agency.pk), legal_name='ООО "Гамма"', kind="b2b", tier="new",
                status=LifecycleStatus.ACTIVE, account_manager=str(org.am1.pk))

    response = superuser_client.post(admin_url(Client, "add"), data)

    assert response.status_code == 302
    client = Client.objects.get(legal_name='ООО "Гамма"')
    assert client.status == LifecycleStatus.LEAD and client.account_manager is None
    assert client.status_changed_at is not None
    transition = client.lifecycle_transitions.get()
    assert (transition.from_status, transition.to_status, transition.changed_by) == ("", LifecycleStatus.LEAD,
                                                                                     org.head.user)
    assert transition.reason == "Клиент создан" and transition.changed_at == client.status_changed_at


def test_group_of_another_agency_is_refused(superuser_client, org):
    data = change_form_data(superuser_client, admin_url(org.client_a))
    data["group"] = str(Group.objects.create(agency=org.outsider.agency, name="Чужая").pk)

    response = superuser_client.post(admin_url(org.client_a), data)

    assert response.context["adminform"].form.errors["group"] == ["Группа из другого агентства."]
    org.client_a.refresh_from_db()
    assert org.client_a.group == org.seo1


def test_contact_last_interaction_is_shown_but_not_written(superuser_client, org):
    contact = ContactFactory.create(client=org.client_a)
    InteractionFactory.create(client=org.client_a, occurred_at=MOMENT, contacts=[contact])
    url = admin_url(contact)
    data = change_form_data(superuser_client, url)
    assert "last_interaction_at" not in data
    data.update(phone="+7 900 000-00-00", last_interaction_at="2030-01-01 10:00",
                last_interaction_at_0="01.01.2030", last_interaction_at_1="10:00:00")

    response = superuser_client.post(url, data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.phone == "+7 900 000-00-00" and contact.last_interaction_at == MOMENT
    with translation.override("ru"):
        shown = formats.localize(timezone.localtime(MOMENT))
    assert shown in superuser_client.get(url).content.decode()


def test_contact_inline_of_the_client_form_does_not_write_last_interaction(superuser_client, org):
    contact = ContactFactory.create(client=org.client_a)
    InteractionFactory.create(client=org.client_a, occurred_at=MOMENT, contacts=[contact])
    data = change_form_data(superuser_client, admin_url(org.client_a))
    assert data["contacts-0-id"] == str(contact.pk) and "contacts-0-last_interaction_at" not in data
    data.update({"contacts-0-full_name": "Новое имя", "contacts-0-last_interaction_at": "2030-01-01 10:00"})

    response = superuser_client.post(admin_url(org.client_a), data)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.full_name == "Новое имя" and contact.last_interaction_at == MOMENT


@pytest.mark.parametrize("model", HISTORY, ids=lambda m: m.__name__)
def test_history_rows_are_not_added_or_changed(superuser_client, history, model):
    row = model._default_manager.get()
    before = model._default_manager.values().get(pk=row.pk)

    add = superuser_client.post(admin_url(model, "add"), {"client": history.client_a.pk, "changed_by": 1})
    change = superuser_client.post(admin_url(row), {"client": history.client_b.pk, "reason": "Подделка"})

    assert (add.status_code, change.status_code) == (403, 403)
    assert list(model._default_manager.values()) == [before]


@pytest.mark.parametrize("model", [Client, Contact], ids=lambda m: m.__name__)
def test_versions_are_shown_but_not_reverted_to(superuser_client, history, model):
    obj = history.client_a if model is Client else ContactFactory.create(client=history.client_a)
    InteractionFactory.create(client=history.client_a, occurred_at=MOMENT, contacts=[] if model is Client else [obj])
    first = obj.history.earliest()
    url = f"{admin_url(obj, 'history')}{first.history_id}/"
    assert superuser_client.get(admin_url(obj, "history")).status_code == 200
    data = change_form_data(superuser_client, url)
    before = model._default_manager.values().get(pk=obj.pk)

    response = superuser_client.post(url, data)

    assert response.status_code == 403
    assert model._default_manager.values().get(pk=obj.pk) == before
