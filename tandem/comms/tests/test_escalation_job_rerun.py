"""Issue 15: the escalation job (comms.escalate) interrupted and re-run — a worker killed, the
job retried, or the same moment run twice — never duplicates an escalation or its notification.
One escalation and one notification per request, level and person."""

from collections import Counter
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from tandem.comms.models import ClientRequest, Escalation
from tandem.comms.services import escalations, escalations_run, request_create
from tandem.notifications.models import Notification

MSK = ZoneInfo("Europe/Moscow")
pytestmark = pytest.mark.django_db

# Received Wed 10:00: the first response was due Wed 18:00, the head escalation Thu 18:00; on
# Fri noon both levels are due for both requests.
RECEIVED = datetime(2025, 11, 5, 10, 0, tzinfo=MSK)
MOMENT = datetime(2025, 11, 7, 12, 0, tzinfo=MSK)


class Interrupted(Exception):
    pass


@pytest.fixture
def late_requests(org) -> list[ClientRequest]:
    return [
        request_create(actor=am.user, client=client,
                       data={"subject": "Сайт не открывается", "received_at": RECEIVED})
        for am, client in ((org.am1, org.client_a), (org.am2, org.client_b))
    ]


def _assert_each_once(requests: list[ClientRequest]) -> None:
    per_key = Counter(Escalation.objects.values_list("request_id", "level", "notified_id"))
    assert {(r, lvl) for r, lvl, _n in per_key} == {(r.pk, lvl) for r in requests for lvl in (1, 2)}
    assert max(per_key.values()) == 1
    notifications = Notification.objects.filter(kind=escalations.KIND_ESCALATION)
    assert notifications.count() == len(per_key)
    assert sorted(Escalation.objects.values_list("notification_id", flat=True)) == sorted(
        notifications.values_list("id", flat=True))


def test_the_same_moment_run_twice_escalates_once(org, late_requests):
    first = escalations_run(now=MOMENT)
    second = escalations_run(now=MOMENT)

    assert len(first) == 4 and second == []
    _assert_each_once(late_requests)


def test_a_run_interrupted_inside_its_transaction_then_rerun_escalates_once(org, late_requests):
    """The worker dies after some escalations were written inside the job's transaction: they
    roll back with it, and the retry writes each one once."""
    real = escalations._escalate
    calls = 0

    def dies_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Interrupted()
        return real(*args, **kwargs)

    with mock.patch.object(escalations, "_escalate", dies_on_the_third), pytest.raises(Interrupted):
        with transaction.atomic():
            escalations_run(now=MOMENT)
            pytest.fail("the run should have been interrupted")  # pragma: no cover

    assert not Escalation.objects.exists()
    assert not Notification.objects.filter(kind=escalations.KIND_ESCALATION).exists()
    rerun = escalations_run(now=MOMENT)

    assert len(rerun) == 4
    _assert_each_once(late_requests)


def test_a_run_interrupted_after_committing_some_then_rerun_does_not_repeat_them(org, late_requests):
    """Without an outer transaction each escalation commits with its notification as it is made;
    the retry skips those and makes only the rest."""
    real = escalations._escalate
    calls = 0

    def dies_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Interrupted()
        return real(*args, **kwargs)

    with mock.patch.object(escalations, "_escalate", dies_on_the_third), pytest.raises(Interrupted):
        escalations_run(now=MOMENT)
    assert Escalation.objects.count() == 2

    rerun = escalations_run(now=MOMENT)
    again = escalations_run(now=MOMENT)

    assert len(rerun) == 2 and again == []
    _assert_each_once(late_requests)
