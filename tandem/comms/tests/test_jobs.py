"""Periodic jobs are idempotent: running them twice changes nothing the second time."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.services import request_create
from tandem.comms.tasks import escalate_late_requests_task
from tandem.notifications.models import Notification
from tandem.notifications.tasks import run_reminders_task

pytestmark = pytest.mark.django_db


def test_reminder_job_sends_each_reminder_once(org):
    ContactFactory(client=org.client_a, full_name="Ирина")
    request_create(actor=org.am1.user, client=org.client_a,
                   data={"subject": "Сайт лежит", "priority": "critical",
                         "received_at": timezone.now() - timedelta(hours=3)})
    first = run_reminders_task()
    second = run_reminders_task()
    kinds = sorted(Notification.objects.filter(recipient=org.am1).values_list("kind", flat=True))
    assert kinds == ["comms.contacts_due", "comms.sla"]
    assert first["created"] == 2 and second["created"] == 0 and second["existing"] == 2


def test_escalation_job_is_idempotent(org):
    request_create(actor=org.am1.user, client=org.client_a,
                   data={"subject": "Сайт лежит", "priority": "critical",
                         "received_at": timezone.now() - timedelta(hours=3)})
    assert escalate_late_requests_task() == 2  # group head (late answer) and head (past threshold)
    assert escalate_late_requests_task() == 0
