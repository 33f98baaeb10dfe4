from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import ClientRequest, Escalation, Priority, SlaPolicy
from tandem.comms.permissions import request_get_for
from tandem.comms.selectors import response_stats
from tandem.comms.services import (
    escalations_run,
    request_create,
    request_resolve,
    request_respond,
    sla_policy_set,
    work_schedule_update,
)
from tandem.core.errors import NotFound, PermissionDenied
from tandem.notifications.models import Notification

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=MSK)


def make(org, priority=Priority.NORMAL, received=None, client=None, actor=None):
    client = client or org.client_a
    return request_create(
        actor=(actor or org.am1).user, client=client,
        data={"subject": "Сайт не открывается", "priority": priority, "received_at": received or at(2025, 11, 5, 18, 0)},
    )


def test_normal_request_gets_business_hours_deadline(org):
    r = make(org)
    # 8 business hours from Wed 18:00 → Thu 17:00 (10:00–19:00)
    assert r.first_response_due_at == at(2025, 11, 6, 17, 0)
    assert r.owner == org.am1 and not r.round_the_clock


def test_critical_request_runs_round_the_clock(org):
    r = make(org, Priority.CRITICAL, received=at(2025, 11, 8, 23, 30))  # Saturday night
    assert r.round_the_clock and r.first_response_due_at == at(2025, 11, 9, 0, 30)


def test_key_client_has_tighter_default(org):
    org.client_a.tier = "key"
    org.client_a.save()
    r = make(org)
    assert r.first_response_due_at == at(2025, 11, 6, 13, 0)  # 4 business hours


def test_agency_policy_and_hours_override_defaults(org):
    sla_policy_set(actor=org.head.user, priority=Priority.NORMAL, tier="",
                   data={"first_response_minutes": 120, "resolve_minutes": 600})
    work_schedule_update(actor=org.head.user, data={"day_start": time(9, 0), "day_end": time(18, 0)})
    r = make(org, received=at(2025, 11, 5, 17, 0))
    assert r.first_response_due_at == at(2025, 11, 6, 10, 0)


def test_only_heads_configure_sla(org):
    with pytest.raises(PermissionDenied):
        sla_policy_set(actor=org.am1.user, priority=Priority.NORMAL, tier="", data={"first_response_minutes": 1})
    assert not SlaPolicy.objects.exists()


def test_policy_rejects_resolve_before_response(org):
    with pytest.raises(ValidationError) as info:
        sla_policy_set(actor=org.head.user, priority=Priority.URGENT, tier="",
                       data={"first_response_minutes": 600, "resolve_minutes": 60})
    assert "resolve_minutes" in info.value.message_dict


def test_future_request_is_refused(org):
    with pytest.raises(ValidationError) as info:
        make(org, received=datetime.now(MSK) + timedelta(days=1))
    assert "received_at" in info.value.message_dict


def test_contact_of_other_client_is_refused(org):
    other = ContactFactory(client=org.client_b)
    with pytest.raises(ValidationError):
        request_create(actor=org.head.user, client=org.client_a, contact=other, data={"subject": "x"})


def test_respond_and_resolve_are_idempotent(org):
    r = make(org)
    request_respond(actor=org.am1.user, request=r, at=at(2025, 11, 6, 11, 0))
    request_respond(actor=org.am1.user, request=r, at=at(2025, 11, 6, 12, 0))
    request_resolve(actor=org.am1.user, request=r, at=at(2025, 11, 6, 15, 0))
    r.refresh_from_db()
    assert r.first_response_at == at(2025, 11, 6, 11, 0) and r.resolved_at == at(2025, 11, 6, 15, 0)
    assert not r.first_response_breached()


def test_resolving_without_response_counts_as_response(org):
    r = make(org)
    request_resolve(actor=org.am1.user, request=r, at=at(2025, 11, 7, 12, 0))
    assert r.first_response_at == r.resolved_at and r.first_response_breached()


@pytest.mark.parametrize(("role", "allowed"), [
    ("am1", True), ("group_head", True), ("head", True), ("admin", True), ("finance", True),
    ("spec1", False), ("am2", None), ("outsider", None),
])
def test_who_may_answer(org, role, allowed):
    r = make(org)
    actor = org.by_role_name(role).user
    if allowed is None:
        with pytest.raises(NotFound):
            request_get_for(actor, r.pk)
        return
    if allowed:
        request_respond(actor=actor, request=r)
        assert ClientRequest.objects.get(pk=r.pk).first_response_at is not None
    else:
        with pytest.raises(PermissionDenied):
            request_respond(actor=actor, request=r)
        assert ClientRequest.objects.get(pk=r.pk).first_response_at is None


def test_escalation_goes_to_group_head_then_heads_once(org):
    r = make(org, received=at(2025, 11, 5, 10, 0))  # first response due 18:00, head escalation +9h → Thu 18:00
    assert escalations_run(now=at(2025, 11, 5, 17, 59)) == []
    first = escalations_run(now=at(2025, 11, 5, 18, 1))
    assert [(e.level, e.notified) for e in first] == [(1, org.group_head)]
    assert first[0].channels.startswith("in_app")
    assert escalations_run(now=at(2025, 11, 5, 19, 0)) == []  # idempotent
    second = escalations_run(now=at(2025, 11, 6, 18, 1))
    assert [(e.level, e.notified) for e in second] == [(2, org.head)]
    assert escalations_run(now=at(2025, 11, 7, 12, 0)) == []
    assert Escalation.objects.filter(request=r).count() == 2
    assert Notification.objects.filter(recipient=org.group_head, kind="comms.escalation").count() == 1


def test_answered_request_is_not_escalated_to_group_head(org):
    r = make(org, received=at(2025, 11, 5, 10, 0))
    request_respond(actor=org.am1.user, request=r, at=at(2025, 11, 5, 11, 0))
    assert escalations_run(now=at(2025, 11, 5, 18, 30)) == []


def test_group_without_head_escalates_to_heads_of_accounts(org):
    r = make(org, client=org.client_b, actor=org.am2, received=at(2025, 11, 5, 10, 0))
    created = escalations_run(now=at(2025, 11, 5, 18, 30))
    assert [(e.request, e.level, e.notified) for e in created] == [(r, 1, org.head)]


def test_response_stats_median_p90_and_breach_rate(org):
    times = [30, 60, 90, 120, 600]  # business minutes to first response; 600 > 480 breaches
    for minutes in times:
        r = make(org, received=at(2025, 11, 5, 10, 0))
        from tandem.comms.services import work_calendar
        request_respond(actor=org.am1.user, request=r,
                        at=work_calendar(agency=org.agency).add_business_minutes(r.received_at, minutes))
    report = response_stats(actor=org.head.user, month=at(2025, 11, 1).date(), now=at(2025, 11, 30, 12, 0))
    assert report.overall.total == 5 and report.overall.median_minutes == 90
    assert report.overall.p90_minutes == 600 and report.overall.breach_rate == pytest.approx(0.2)
    assert [s.label for s in report.by_manager] == ["am1"] and [s.label for s in report.by_group] == ["SEO 1"]
    assert response_stats(actor=org.am2.user, month=at(2025, 11, 1).date()).overall.total == 0
