"""Portal permissions (signed ids, scoped lookups, who invites) and selectors (overview, hours
by month against the plan, activity for the AM)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.core.errors import NotFound
from tandem.portal import permissions, selectors, services
from tandem.testing.portal import PortalWorld, portal_module  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(portal_module, db) -> PortalWorld:  # noqa: F811
    return portal_module  # type: ignore[no-any-return]


def test_signed_ids_are_bound_to_kind_and_client(world):
    sid = permissions.signed_id(world.account, "stage", world.stage.pk)
    assert permissions.stage_get_for_contact(world.account, sid) == world.stage
    assert sid != str(world.stage.pk)
    with pytest.raises(NotFound):
        permissions.unsign_id(world.account, "invoice", sid)  # another kind
    with pytest.raises(NotFound):
        permissions.unsign_id(world.other, "stage", sid)  # another client
    with pytest.raises(NotFound):
        permissions.stage_get_for_contact(world.account, f"{world.stage.pk}.forged")


@pytest.mark.parametrize("role", ["head", "group_head", "am1", "admin"])
def test_those_who_steer_the_client_invite(world, role):
    assert permissions.can_invite_contact(getattr(world.org, role).user, world.contact)


@pytest.mark.parametrize("role", ["am2", "spec1", "finance", "outsider"])
def test_others_do_not_invite(world, role):
    assert not permissions.can_invite_contact(getattr(world.org, role).user, world.contact)


def test_a_contact_sees_only_their_company_and_only_sent_stages_and_issued_invoices(world):
    a = world.account
    assert set(permissions.stages_visible_to_contact(a)) == {world.stage, world.approved_stage}
    assert set(permissions.invoices_visible_to_contact(a)) == {world.paid, world.unpaid}
    assert list(permissions.acts_visible_to_contact(a)) == [world.act]
    assert list(permissions.requests_visible_to_contact(a)) == [world.request]
    assert not permissions.invoices_visible_to_contact(world.narrow).exists()
    assert permissions.portal_account_of(world.org.am1.user) is None


def test_overview_counts_what_waits_for_the_contact(world):
    overview = selectors.portal_overview(account=world.account)
    assert overview.stages_waiting == 1 and overview.invoices_unpaid == 1 and overview.requests_open == 1
    assert overview.amount_unpaid == world.unpaid.total
    assert selectors.portal_overview(account=world.narrow) == selectors.PortalOverview()


def test_hours_by_month_against_the_plan_in_constant_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        rows = selectors.portal_hours_by_month(account=world.account, today=timezone.localdate(), months=3)
    assert len(rows) == 1 and rows[0].planned == Decimal("20")
    this_month = rows[0].months[0]
    assert this_month.hours == Decimal("7.5") and this_month.left == Decimal("12.5") and not this_month.over
    assert [m.hours for m in rows[0].months[1:]] == [Decimal("0"), Decimal("0")]
    assert selectors.portal_hours_by_month(account=world.narrow, today=timezone.localdate()) == []


def test_retainer_lines_show_hours_left_with_rollover(world):
    from tandem.contracts.models import RetainerTerms

    today = timezone.localdate()
    RetainerTerms.objects.create(line=world.project.contract_line, start_month=today.replace(day=1),
                                 hours_per_month=Decimal("20"))

    (row,) = selectors.portal_hours_by_month(account=world.account, today=today, months=3)

    assert row.balance is not None and row.balance.hours_left == Decimal("12.5")  # 20 − 7.5 logged
    assert row.balance_rows[0].used == Decimal("7.5")


def test_activity_is_scoped_to_the_clients_the_actor_sees(world):
    services.portal_stage_answer(account=world.account, stage=world.stage, decision="approved")
    kinds_am1 = [e.kind for e in selectors.portal_activity(actor=world.org.am1.user, am_ids=[world.org.am1.pk])]
    assert "stage_approved" in kinds_am1 and "request_filed" in kinds_am1
    assert all(e.client_id == world.org.client_a.pk
               for e in selectors.portal_activity(actor=world.org.am1.user, am_ids=[world.org.am1.pk]))
    assert not selectors.portal_activity(actor=world.org.spec2.user).filter(client=world.org.client_a).exists()


def test_reports_the_contact_sees_are_their_clients_sent_ones_newest_first(world):
    listed = list(selectors.portal_reports(account=world.account))
    assert listed == [world.report, world.older_report]  # not the draft, not client_b's
    assert list(selectors.portal_reports(account=world.narrow)) == []  # the flag is off
    sid = permissions.signed_id(world.account, "report", world.report.pk)
    assert permissions.report_get_for_contact(world.account, sid) == world.report
    for account, obj in [(world.account, world.draft_report), (world.account, world.other_report),
                         (world.narrow, world.report)]:
        with pytest.raises(NotFound):
            permissions.report_get_for_contact(account, permissions.signed_id(account, "report", obj.pk))
