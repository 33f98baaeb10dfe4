"""Choosing the AM (ranking with reasons) and the handover checklist of an AM change."""

from __future__ import annotations

from datetime import date

import pytest

from tandem.clients.models import AccountManagerChange, ChurnReason, ClientTier, Contact, LifecycleStatus
from tandem.clients.selectors import account_manager_candidates
from tandem.clients.tests.factories import ClientFactory, ContactFactory
from tandem.comms import services
from tandem.comms.models import Handover
from tandem.core.errors import PermissionDenied
from tandem.org.roles import Grade

pytestmark = pytest.mark.django_db


def _reasons(candidate) -> str:
    return " | ".join(label for label, _points in candidate.reasons)


def test_candidates_rank_by_headroom_and_explain(org):
    org.agency.am_soft_client_limit = 5
    org.agency.save()
    for _ in range(5):  # am2 is full up to the soft limit
        ClientFactory(agency=org.agency, account_manager=org.am2, group=org.seo2)

    ranked = account_manager_candidates(actor=org.head.user, client=org.client_b)

    names = [c.employee.user.username for c in ranked]
    assert "am2" not in names  # the client's own AM is left out
    first = ranked[0]
    # group_head carries no client (5 free places, 30 points), am1 one (4 free, 24 points)
    assert first.employee.user.username == "group_head" and names.index("am1") == 1
    assert "свободных мест до мягкого лимита" in _reasons(first)
    assert first.score == sum(points for _label, points in first.reasons)


def test_over_soft_limit_loses_points_and_over_hard_limit_goes_last(org):
    org.agency.am_soft_client_limit, org.agency.am_hard_client_limit = 1, 2
    org.agency.save()
    ClientFactory(agency=org.agency, account_manager=org.am1, group=org.seo1)  # am1 now at 2 = hard

    ranked = account_manager_candidates(actor=org.head.user, client=org.client_b)

    am1 = next(c for c in ranked if c.employee.pk == org.am1.pk)
    assert not am1.available and ranked[-1].employee.pk == org.am1.pk
    assert "за жёстким лимитом" in _reasons(am1)


def test_retention_of_similar_clients_counts(org):
    for _n in range(3):
        kept = ClientFactory(agency=org.agency, tier=ClientTier.KEY, account_manager=org.am1)
        AccountManagerChange.objects.create(client=kept, new_manager=org.am1, changed_by=org.head.user,
                                            changed_at=kept.created_at)
    lost = ClientFactory(agency=org.agency, tier=ClientTier.KEY, account_manager=org.group_head,
                         status=LifecycleStatus.CHURNED, churn_reason=ChurnReason.BUDGET)
    AccountManagerChange.objects.create(client=lost, new_manager=org.group_head, changed_by=org.head.user,
                                        changed_at=lost.created_at)
    ClientFactory(agency=org.agency, tier=ClientTier.KEY, account_manager=org.group_head,
                  status=LifecycleStatus.CHURNED, churn_reason=ChurnReason.BUDGET)
    org.am1.grade = Grade.SENIOR
    org.am1.save()
    newcomer = ClientFactory(agency=org.agency, tier=ClientTier.KEY)

    ranked = {c.employee.pk: c for c in account_manager_candidates(actor=org.head.user, client=newcomer)}

    assert "удержал 3 из 3" in _reasons(ranked[org.am1.pk]) and "senior" in _reasons(ranked[org.am1.pk])
    assert "удержал 0 из 2" in _reasons(ranked[org.group_head.pk])
    assert ranked[org.am1.pk].score > ranked[org.group_head.pk].score


def test_candidates_queries_do_not_grow_with_ams(org, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        account_manager_candidates(actor=org.head.user, client=org.client_a)


def test_change_opens_checklist_of_notes_requests_steps_contacts_and_meeting(org):
    client = org.client_a
    client.character_notes = "Любит цифры"
    client.save()
    services.request_create(actor=org.am1.user, client=client, data={"subject": "Упали позиции"})
    services.interaction_create(actor=org.am1.user, client=client, data={
        "summary": "Созвон", "next_step": "Прислать план", "next_step_due": date(2026, 12, 10)})
    ContactFactory(client=client, full_name="Пётр ЛПР", role=Contact.Role.DECISION_MAKER, position="директор")

    _result, handover = services.account_manager_change(actor=org.head.user, client=client, manager=org.am2,
                                                         reason="Отпуск")

    assert handover is not None and handover.previous_manager == org.am1 and handover.new_manager == org.am2
    labels = [i.label for i in handover.items.all()]
    assert [i.kind for i in handover.items.all()] == ["notes", "request", "next_step", "contact", "meeting"]
    assert "Упали позиции" in labels[1] and "Прислать план" in labels[2] and "Пётр ЛПР" in labels[3]
    assert "am1" in labels[4] or org.am1.full_name in labels[4]


def test_items_ticked_by_new_am_complete_the_handover_others_refused(org):
    _result, handover = services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.am2)
    items = list(handover.items.all())
    assert items  # at least the meeting with the previous AM

    with pytest.raises(PermissionDenied):
        services.handover_item_set_done(actor=org.spec1.user, item=items[0])
    for item in items:
        services.handover_item_set_done(actor=org.am2.user, item=item)
    handover.refresh_from_db()
    assert handover.completed_at is not None

    services.handover_item_set_done(actor=org.am2.user, item=items[0], done=False)
    handover.refresh_from_db()
    assert handover.completed_at is None


def test_same_am_opens_nothing_and_a_new_change_supersedes_the_open_one(org):
    _r, none = services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.am1)
    _r, first = services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.am2)
    _r, second = services.account_manager_change(actor=org.head.user, client=org.client_a, manager=org.group_head)

    first.refresh_from_db()
    assert none is None and first.completed_at is not None and second.completed_at is None
    assert Handover.objects.filter(client=org.client_a).count() == 2
