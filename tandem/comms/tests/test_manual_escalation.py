"""Manual "escalate now": recorded like the job's escalations, idempotent per level."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tandem.comms.models import Escalation, Priority
from tandem.comms.services import escalations_run, request_create, request_escalate, request_resolve
from tandem.core.errors import PermissionDenied
from tandem.notifications.models import Notification
from tandem.org.models import Employee, Group

MSK = ZoneInfo("Europe/Moscow")


def make(org, client=None):
    return request_create(
        actor=org.am1.user, client=client or org.client_a,
        data={"subject": "Сайт лежит", "priority": Priority.CRITICAL, "received_at": datetime(2025, 11, 5, 10, 0, tzinfo=MSK)},
    )


def test_level_one_goes_to_group_head_and_records_who_how_and_by_whom(org):
    r = make(org)

    result = request_escalate(actor=org.am1.user, request=r, level=1, reason="Клиент звонит директору")

    assert result.created is True
    [e] = result.escalations
    assert (e.level, e.notified, e.escalated_by) == (1, org.group_head, org.am1)
    assert e.channels.startswith("in_app")
    assert "am1" in e.reason and "Клиент звонит директору" in e.reason
    assert Notification.objects.filter(recipient=org.group_head, kind="comms.escalation").count() == 1


def test_level_two_goes_to_every_active_head_of_accounts(org):
    r = make(org)
    second_head = Employee.objects.create(agency=org.agency, user=org.admin.user.__class__.objects.create(username="h2"),
                                          full_name="head2", role="head_of_accounts")

    result = request_escalate(actor=org.am1.user, request=r, level=2)

    assert {e.notified for e in result.escalations} == {org.head, second_head}


def test_escalation_is_idempotent_per_level_and_the_job_does_not_repeat_it(org):
    r = make(org)
    first = request_escalate(actor=org.am1.user, request=r, level=1)

    again = request_escalate(actor=org.group_head.user, request=r, level=1)
    job = escalations_run(now=datetime(2025, 11, 5, 12, 0, tzinfo=MSK))

    assert again.created is False
    assert again.escalations == first.escalations
    assert [e.level for e in job] == []  # the job sees level 1 done; level 2 is not due yet
    assert Escalation.objects.filter(request=r, level=1).count() == 1
    assert Notification.objects.filter(kind="comms.escalation").count() == 1


def test_manual_escalation_is_skipped_when_the_job_already_escalated(org):
    r = make(org)
    escalations_run(now=datetime(2025, 11, 5, 12, 0, tzinfo=MSK))  # first response (1 h) is late

    result = request_escalate(actor=org.am1.user, request=r, level=1)

    assert result.created is False
    assert [e.escalated_by for e in result.escalations] == [None]


def test_group_without_active_head_escalates_to_heads_of_accounts(org):
    Group.objects.filter(pk=org.seo1.pk).update(head=None)

    result = request_escalate(actor=org.am1.user, request=make(org), level=1)

    assert [e.notified for e in result.escalations] == [org.head]


def test_actor_is_not_notified_about_their_own_escalation(org):
    with pytest.raises(ValidationError) as exc:
        request_escalate(actor=org.group_head.user, request=make(org), level=1)

    assert "level" in exc.value.message_dict
    assert not Escalation.objects.exists()


def test_resolved_request_cannot_be_escalated(org):
    r = make(org)
    request_resolve(actor=org.am1.user, request=r, at=datetime(2025, 11, 5, 11, 0, tzinfo=MSK))

    with pytest.raises(ValidationError):
        request_escalate(actor=org.am1.user, request=r, level=1)
    assert not Escalation.objects.exists()


def test_unknown_level_is_a_field_error(org):
    with pytest.raises(ValidationError) as exc:
        request_escalate(actor=org.am1.user, request=make(org), level=3)

    assert "level" in exc.value.message_dict


@pytest.mark.parametrize("role", ["spec1", "spec2", "am2", "outsider"])
def test_who_may_not_manage_the_request_may_not_escalate(org, role):
    r = make(org)

    with pytest.raises(PermissionDenied):
        request_escalate(actor=org.by_role_name(role).user, request=r, level=1)
    assert not Escalation.objects.exists()
    assert not Notification.objects.exists()
