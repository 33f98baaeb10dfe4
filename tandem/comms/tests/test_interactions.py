from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from tandem.clients.models import Client
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ContactSnooze, Interaction, InteractionKind
from tandem.comms.permissions import interaction_get_for
from tandem.comms.selectors import clients_silent, contact_schedule, contacts_due
from tandem.comms.services import contact_snooze, email_import, interaction_create, interaction_update
from tandem.comms.tests.factories import InteractionFactory
from tandem.core.errors import NotFound, PermissionDenied
from tandem.notifications.calendar import calendar_build

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def test_create_records_people_and_keeps_history(org):
    contact = ContactFactory(client=org.client_a)
    i = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[contact],
                           data={"summary": "Обсудили отчёт", "next_step": "Прислать КП", "next_step_due": date(2026, 1, 20)})
    assert list(i.contacts.all()) == [contact] and list(i.employees.all()) == [org.am1]
    interaction_update(actor=org.am1.user, interaction=i, data={"outcome": "Согласны"})
    assert i.history.earliest().outcome == "" and i.history.latest().outcome == "Согласны"


def test_due_date_needs_next_step(org):
    with pytest.raises(ValidationError) as info:
        interaction_create(actor=org.am1.user, client=org.client_a,
                           data={"summary": "x", "next_step_due": date(2026, 1, 1)})
    assert "next_step" in info.value.message_dict


def test_contact_of_other_client_refused(org):
    with pytest.raises(ValidationError):
        interaction_create(actor=org.head.user, client=org.client_a,
                           contacts=[ContactFactory(client=org.client_b)], data={"summary": "x"})
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(("role", "outcome"), [
    ("am1", "ok"), ("spec1", "ok"), ("group_head", "ok"), ("head", "ok"), ("finance", "ok"),
    ("am2", "denied"), ("outsider", "denied"),
])
def test_who_may_log(org, role, outcome):
    actor = org.by_role_name(role).user
    if outcome == "ok":
        interaction_create(actor=actor, client=org.client_a, data={"summary": "x"})
        assert Interaction.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            interaction_create(actor=actor, client=org.client_a, data={"summary": "x"})
        assert not Interaction.objects.exists()


def test_editing_someone_elses_entry_needs_client_rights(org):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "x"})
    with pytest.raises(PermissionDenied):
        interaction_update(actor=org.spec1.user, interaction=i, data={"summary": "changed"})
    i.refresh_from_db()
    assert i.summary == "x"
    with pytest.raises(NotFound):
        interaction_get_for(org.am2.user, i.pk)


def test_next_due_from_last_interaction_and_cadence(org):
    today = timezone.localdate()
    ContactFactory(client=org.client_a, cadence_days=7, full_name="Никогда")
    recent = ContactFactory(client=org.client_a, cadence_days=7, full_name="Недавно")
    old = ContactFactory(client=org.client_a, cadence_days=3, full_name="Давно")
    InteractionFactory(client=org.client_a, contacts=[recent], occurred_at=timezone.now() - timedelta(days=2))
    InteractionFactory(client=org.client_a, contacts=[old], occurred_at=timezone.now() - timedelta(days=5))
    schedule = {i.contact.full_name: i for i in contact_schedule(Client.objects.filter(pk=org.client_a.pk), today=today)}
    assert schedule["Никогда"].is_due and schedule["Давно"].overdue_days == 2
    assert schedule["Недавно"].next_due == today + timedelta(days=5) and not schedule["Недавно"].is_due
    due = contacts_due(actor=org.am1.user, am_ids=[org.am1.pk])
    # Soonest due first: two days overdue, then never contacted (due since the client's creation today).
    assert [i.contact.full_name for i in due.items] == ["Давно", "Никогда"]
    assert due.total == 2 and due.count_by_am == {org.am1.pk: 2}
    assert [i.contact.full_name for i in contacts_due(actor=org.am1.user, am_ids=[org.am1.pk], limit=1).items] == [
        "Давно"]
    assert contacts_due(actor=org.am1.user, am_ids=[org.am1.pk], limit=1).total == 2
    assert contacts_due(actor=org.am2.user, am_ids=[org.am1.pk]).total == 0


def test_snooze_hides_until_date(org):
    contact = ContactFactory(client=org.client_a)
    contact_snooze(actor=org.am1.user, contact=contact)
    assert contacts_due(actor=org.am1.user, am_ids=[org.am1.pk]).items == []
    with pytest.raises(PermissionDenied):
        contact_snooze(actor=org.am2.user, contact=contact)
    assert ContactSnooze.objects.count() == 1


def test_silent_clients(org):
    ContactFactory(client=org.client_a, cadence_days=7)
    Client.objects.filter(pk=org.client_a.pk).update(created_at=timezone.now() - timedelta(days=30))
    silent = clients_silent(actor=org.am1.user, am_ids=[org.am1.pk])
    assert [s.client for s in silent.items] == [org.client_a] and silent.items[0].silent_days >= 29
    assert silent.total == 1 and silent.count_by_am == {org.am1.pk: 1}
    InteractionFactory(client=org.client_a)
    assert clients_silent(actor=org.am1.user, am_ids=[org.am1.pk]).items == []


def test_email_import_matches_contacts_and_is_idempotent(org):
    ContactFactory(client=org.client_a, email="ivanova@alfa.example")
    ContactFactory(client=org.client_b, email="petrov@beta.example")
    data = (DATA / "inbox.mbox").read_bytes()
    report = email_import(actor=org.head.user, data=data, filename="inbox.mbox")
    assert len(report.imported) == 3 and len(report.unmatched) == 1 and report.skipped == []
    again = email_import(actor=org.head.user, data=data, filename="inbox.mbox")
    assert again.imported == [] and len(again.skipped) == 3
    alfa = Interaction.objects.filter(client=org.client_a).order_by("occurred_at")
    assert [i.direction for i in alfa] == ["incoming", "outgoing"]
    assert alfa[0].kind == InteractionKind.EMAIL and "Отчёт за октябрь" in alfa[0].summary


def test_email_import_sees_only_visible_clients(org):
    ContactFactory(client=org.client_b, email="petrov@beta.example")
    report = email_import(actor=org.am1.user, data=(DATA / "single.eml").read_bytes(), filename="single.eml")
    assert report.imported == [] and len(report.unmatched) == 1
    assert not Interaction.objects.exists()


def test_ical_feed_parses_back(org):
    from tandem.comms.services import request_create

    contact = ContactFactory(client=org.client_a, full_name="Ирина Волкова", cadence_days=7)
    InteractionFactory(client=org.client_a, contacts=[contact], occurred_at=timezone.now() - timedelta(days=1))
    meeting = InteractionFactory(client=org.client_a, kind=InteractionKind.MEETING,
                                 occurred_at=timezone.now() + timedelta(days=3), next_step="Подписать акт",
                                 next_step_due=timezone.localdate() + timedelta(days=4))
    meeting.employees.set([org.am1])
    request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Упал сайт", "priority": "critical"})
    cal = Calendar.from_ical(calendar_build(employee=org.am1))
    summaries = sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))
    assert any(s.startswith("Связаться: Ирина Волкова") for s in summaries)
    assert any(s.startswith("Встреча: Альфа") for s in summaries)
    assert any(s.startswith("Срок ответа: Альфа — Упал сайт") for s in summaries)
    assert "Альфа: Подписать акт" in summaries
    planned = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]).startswith("Связаться"))
    assert planned.decoded("DTSTART") == timezone.localdate() + timedelta(days=6)
    assert len({str(e["UID"]) for e in cal.walk("VEVENT")}) == len(summaries)
    assert Calendar.from_ical(calendar_build(employee=org.am2)).walk("VEVENT") == []


def test_correcting_a_stale_copy_keeps_a_next_step_marked_done_meanwhile(org):
    from tandem.comms.models import Interaction
    from tandem.comms.services import interaction_next_step_done, interaction_update

    entry = InteractionFactory(client=org.client_a, next_step="Прислать КП", next_step_due=timezone.localdate())
    stale = Interaction.objects.get(pk=entry.pk)
    interaction_next_step_done(actor=org.am1.user, interaction=entry)
    interaction_update(actor=org.am1.user, interaction=stale, data={"summary": "Уточнили бюджет"})
    entry.refresh_from_db()
    assert entry.summary == "Уточнили бюджет" and entry.next_step_done_at is not None
