"""Retainer over-service (billed once or written off) and the 80 % / 100 % budget alerts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.billing.models import Invoice, InvoiceStatus, RetainerOverageDecision
from tandem.billing.permissions import can_decide_retainer_overage
from tandem.billing.services import retainer_alerts_run, retainer_overage_bill, retainer_overage_write_off
from tandem.core.errors import PermissionDenied
from tandem.notifications.models import Notification
from tandem.testing.retainers import log, month_ago, retainer_project
from tandem.work.models import RetainerMonth, RetainerMonthFreezeReason
from tandem.work.retainers import retainer_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def over(money):
    """client_a's line: 10 h a month, last month 13 h used (3 h over), overage at 3 000 ₽/h."""
    project = retainer_project(money, hours="10", start_ago=2, rate="3000")
    log(project, month_ago(1), "13")
    return project.contract_line


def test_overage_is_billed_on_a_draft_invoice_and_the_month_frozen(money, over):
    # when finance bills last month's over-service
    decision = retainer_overage_bill(actor=money.finance.user, line=over, month=month_ago(1))
    # then a draft invoice carries 3 h × 3 000 ₽ for the line
    line = decision.invoice_line
    assert (line.quantity, line.unit, line.price, line.amount, line.contract_line_id) == (
        Decimal("3.000"), "ч", Decimal("3000.00"), Decimal("9000.00"), over.pk)
    assert line.invoice.status == InvoiceStatus.DRAFT and line.invoice.client_id == money.client_a.pk
    assert (decision.hours, decision.decided_by_id) == (Decimal("3"), money.finance.user.pk)
    frozen = RetainerMonth.objects.get(line=over, month=month_ago(1))
    assert (frozen.reason, frozen.overage) == (RetainerMonthFreezeReason.OVERAGE_DECIDED, 3)


def test_overage_is_never_billed_twice(money, over):
    retainer_overage_bill(actor=money.finance.user, line=over, month=month_ago(1))
    with pytest.raises(ValidationError):
        retainer_overage_bill(actor=money.finance.user, line=over, month=month_ago(1))
    with pytest.raises(ValidationError):
        retainer_overage_write_off(actor=money.finance.user, line=over, month=month_ago(1), reason="x")
    assert Invoice.objects.count() == 1 and RetainerOverageDecision.objects.count() == 1


def test_the_database_refuses_a_second_decision_for_the_month(money, over):
    first = retainer_overage_bill(actor=money.finance.user, line=over, month=month_ago(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        RetainerOverageDecision.objects.create(
            agency=money.agency, line=over, month=month_ago(1), decision="written_off", hours=Decimal("3"),
            reason="again", decided_by=money.head.user, decided_at=timezone.now(),
        )
    assert list(RetainerOverageDecision.objects.all()) == [first]


def test_write_off_needs_a_reason_and_is_recorded(money, over):
    with pytest.raises(ValidationError):
        retainer_overage_write_off(actor=money.head.user, line=over, month=month_ago(1), reason="  ")
    decision = retainer_overage_write_off(actor=money.head.user, line=over, month=month_ago(1),
                                          reason="Ошибка планирования агентства")
    assert (decision.decision, decision.invoice_line, decision.decided_by_id) == (
        "written_off", None, money.head.user.pk)
    assert not Invoice.objects.exists()


def test_decision_on_a_month_without_overage_or_the_current_month_is_refused(money, over):
    with pytest.raises(ValidationError):
        retainer_overage_write_off(actor=money.finance.user, line=over, month=month_ago(2), reason="x")
    with pytest.raises(ValidationError):
        retainer_overage_write_off(actor=money.finance.user, line=over, month=month_ago(0), reason="x")
    assert not RetainerOverageDecision.objects.exists()


def test_billing_is_refused_when_terms_do_not_allow_overage(money):
    project = retainer_project(money, hours="10", start_ago=2, overage_allowed=False)
    log(project, month_ago(1), "12")
    with pytest.raises(ValidationError):
        retainer_overage_bill(actor=money.finance.user, line=project.contract_line, month=month_ago(1))
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("role,allowed", [
    ("finance", True), ("head", True), ("admin", True), ("group_head", False), ("am1", False), ("spec1", False),
    ("outsider", False),
])
def test_who_decides_overage(money, over, role, allowed):
    actor = money.by_role_name(role).user
    assert can_decide_retainer_overage(actor, over) is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            retainer_overage_write_off(actor=actor, line=over, month=month_ago(1), reason="x")
        assert not RetainerOverageDecision.objects.exists()


def test_later_time_does_not_change_a_decided_month(money, over):
    retainer_overage_write_off(actor=money.finance.user, line=over, month=month_ago(1), reason="подарок")
    log(over.project, month_ago(1), "5")
    row = retainer_balance(line=over).rows[1]
    assert (row.frozen, row.used, row.overage) == (True, 13, 3)


def test_alerts_at_80_and_100_percent_once_each(money):
    # given 10 h this month
    project = retainer_project(money, hours="10", start_ago=0)
    log(project, month_ago(0), "8")
    # when the job runs twice
    first, again = retainer_alerts_run(), retainer_alerts_run()
    # then one 80 % alert to the AM
    assert (first.created, again.created, again.existing) == (1, 0, 1)
    note = Notification.objects.get()
    assert note.recipient == money.am1 and "близко к бюджету" in note.title
    # and at 100 % one more, once
    log(project, month_ago(0), "2")
    retainer_alerts_run()
    retainer_alerts_run()
    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == [
        f"retainer:{project.contract_line_id}:{month_ago(0):%Y-%m}:100",
        f"retainer:{project.contract_line_id}:{month_ago(0):%Y-%m}:80",
    ]


def test_jumping_to_100_percent_sends_one_alert_and_not_80_later(money):
    project = retainer_project(money, hours="10", start_ago=0)
    entries = log(project, month_ago(0), "11")
    retainer_alerts_run()
    entries[0].delete()  # back to 3 h
    log(project, month_ago(0), "5.5")  # 8.5 h: 85 %
    retainer_alerts_run()
    assert [n.dedupe_key[-4:] for n in Notification.objects.all()] == [":100"]


def test_no_alert_below_80_percent(money):
    project = retainer_project(money, hours="10", start_ago=0)
    log(project, month_ago(0), "7.75")
    assert retainer_alerts_run().created == 0
