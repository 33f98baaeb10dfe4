"""Lifecycle, workload limits, AM history, contacts and client validation (issue #2)."""

import pytest
from django.core.exceptions import ValidationError

from tandem.clients import services
from tandem.clients.models import (
    AccountManagerChange,
    ChurnReason,
    Client,
    Contact,
    LifecycleStatus,
    LifecycleTransition,
    ServiceKind,
)
from tandem.clients.permissions import clients_visible_to
from tandem.clients.selectors import account_manager_load
from tandem.clients.tests.factories import ClientFactory, ContactFactory
from tandem.core.errors import PermissionDenied

VALID = {"legal_name": 'ООО "Ромашка"', "inn": "7707083893", "ogrn": "1027700132195", "kpp": "773601001"}


def test_client_create_records_first_transition_and_makes_am_responsible(org):
    result = services.client_create(actor=org.am1.user, data=VALID)
    client = result.client
    assert client.status == LifecycleStatus.LEAD
    assert client.account_manager == org.am1
    assert client.group == org.seo1
    assert client.agency == org.agency
    transition = LifecycleTransition.objects.get(client=client)
    assert (transition.from_status, transition.to_status, transition.changed_by) == ("", "lead", org.am1.user)
    assert AccountManagerChange.objects.get(client=client).new_manager == org.am1


def test_history_rows_read_as_from_to(org):
    client = services.client_create(actor=org.am1.user, data=VALID).client
    services.client_change_status(actor=org.am1.user, client=client, to_status=LifecycleStatus.ONBOARDING, reason="")
    first, second = LifecycleTransition.objects.filter(client=client).order_by("id")
    assert (str(first), str(second)) == ("— → Лид", "Лид → Онбординг")
    assert str(AccountManagerChange.objects.get(client=client)) == "— → am1"


@pytest.mark.parametrize(
    ("field", "value"),
    [("inn", "7712345678"), ("inn", "123"), ("ogrn", "1027700132196"), ("kpp", "12345"), ("bik", "04452522")],
)
def test_client_create_rejects_bad_registration_numbers(org, field, value):
    with pytest.raises(ValidationError) as exc:
        services.client_create(actor=org.head.user, data={**VALID, field: value})
    assert field in exc.value.message_dict
    assert not Client.objects.filter(legal_name=VALID["legal_name"]).exists()


def test_client_create_accepts_ogrnip_and_inn12(org):
    client = services.client_create(
        actor=org.head.user, data={"legal_name": "ИП Петров", "inn": "500100732259", "ogrn": "304770000000020"}
    ).client
    assert client.pk


def test_specialist_cannot_create_client(org):
    with pytest.raises(PermissionDenied):
        services.client_create(actor=org.spec1.user, data=VALID)
    assert not Client.objects.filter(legal_name=VALID["legal_name"]).exists()


def test_unknown_field_is_rejected(org):
    with pytest.raises(ValidationError) as exc:
        services.client_update(actor=org.head.user, client=org.client_a, data={"agency": org.agency})
    assert "agency" in exc.value.message_dict


def test_lifecycle_happy_path_is_recorded(org):
    client = ClientFactory(agency=org.agency, status=LifecycleStatus.LEAD, account_manager=org.am1, group=org.seo1)
    for status in (LifecycleStatus.ONBOARDING, LifecycleStatus.ACTIVE, LifecycleStatus.AT_RISK, LifecycleStatus.ACTIVE):
        services.client_change_status(actor=org.am1.user, client=client, to_status=status, reason="шаг")
    client.refresh_from_db()
    assert client.status == LifecycleStatus.ACTIVE
    moves = list(client.lifecycle_transitions.order_by("id").values_list("from_status", "to_status"))
    assert moves == [("lead", "onboarding"), ("onboarding", "active"), ("active", "at_risk"), ("at_risk", "active")]


def test_invalid_transition_is_refused_with_message(org):
    client = ClientFactory(agency=org.agency, status=LifecycleStatus.LEAD, account_manager=org.am1)
    with pytest.raises(ValidationError) as exc:
        services.client_change_status(actor=org.am1.user, client=client, to_status=LifecycleStatus.AT_RISK)
    assert "to_status" in exc.value.message_dict
    client.refresh_from_db()
    assert client.status == LifecycleStatus.LEAD
    assert not client.lifecycle_transitions.exists()


def test_churn_requires_reason_from_list_and_text(org):
    with pytest.raises(ValidationError) as exc:
        services.client_change_status(actor=org.am1.user, client=org.client_a, to_status=LifecycleStatus.CHURNED)
    assert set(exc.value.message_dict) == {"churn_reason", "churn_comment"}
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.ACTIVE


def test_churn_and_win_back(org):
    services.client_change_status(
        actor=org.am1.user, client=org.client_a, to_status=LifecycleStatus.CHURNED,
        churn_reason=ChurnReason.BUDGET, churn_comment="Бюджет урезан",
    )
    org.client_a.refresh_from_db()
    assert (org.client_a.churn_reason, org.client_a.churn_comment) == ("budget", "Бюджет урезан")
    services.client_change_status(actor=org.am1.user, client=org.client_a, to_status=LifecycleStatus.ONBOARDING)
    org.client_a.refresh_from_db()
    assert org.client_a.churn_reason == ""
    assert org.client_a.lifecycle_transitions.filter(churn_reason="budget").exists()


def test_finance_cannot_change_lifecycle(org):
    with pytest.raises(PermissionDenied):
        services.client_change_status(actor=org.finance.user, client=org.client_a, to_status=LifecycleStatus.AT_RISK)


def _fill(org, manager, count):
    for _ in range(count):
        ClientFactory(agency=org.agency, account_manager=manager, status=LifecycleStatus.ACTIVE)


def test_soft_limit_warns_but_assigns(org):
    org.agency.am_soft_client_limit, org.agency.am_hard_client_limit = 3, 5
    org.agency.save()
    _fill(org, org.am2, 3)  # am2 already has client_b -> 4 after fill; next makes 5
    result = services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.am2)
    assert result.warnings and "больше рекомендуемых" in result.warnings[0]
    assert not result.limit_overridden
    org.client_a.refresh_from_db()
    assert org.client_a.account_manager == org.am2


def test_hard_limit_refuses_group_head_and_allows_forced_head(org):
    org.agency.am_soft_client_limit, org.agency.am_hard_client_limit = 2, 3
    org.agency.save()
    _fill(org, org.am2, 2)  # am2: client_b + 2 = 3 = hard limit
    with pytest.raises(ValidationError) as exc:
        services.client_assign_account_manager(actor=org.group_head.user, client=org.client_a, manager=org.am2, force=True)
    assert "account_manager" in exc.value.message_dict
    org.client_a.refresh_from_db()
    assert org.client_a.account_manager == org.am1
    with pytest.raises(ValidationError):
        services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.am2)
    result = services.client_assign_account_manager(
        actor=org.head.user, client=org.client_a, manager=org.am2, force=True, reason="Ключевой клиент"
    )
    assert result.limit_overridden
    change = AccountManagerChange.objects.get(client=org.client_a)
    assert (change.previous_manager, change.new_manager, change.limit_overridden, change.reason) == (
        org.am1, org.am2, True, "Ключевой клиент"
    )
    assert account_manager_load(org.am2) == 4


def test_employee_override_of_limits(org):
    org.am2.soft_client_limit, org.am2.hard_client_limit = 1, 1
    org.am2.save()
    with pytest.raises(ValidationError):
        services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.am2)


def test_churned_and_lead_clients_do_not_count_toward_load(org):
    ClientFactory(agency=org.agency, account_manager=org.am2, status=LifecycleStatus.CHURNED, churn_reason="budget")
    ClientFactory(agency=org.agency, account_manager=org.am2, status=LifecycleStatus.LEAD)
    assert account_manager_load(org.am2) == 1


def test_reassignment_to_specialist_is_refused(org):
    with pytest.raises(ValidationError):
        services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.spec1)


def test_manager_from_another_agency_is_refused(org):
    with pytest.raises(ValidationError):
        services.client_assign_account_manager(actor=org.head.user, client=org.client_a, manager=org.outsider)


def test_one_urgent_contact_the_new_one_wins(org):
    first = services.contact_create(actor=org.am1.user, client=org.client_a,
                                    data={"full_name": "Первый", "is_urgent_contact": True})
    second = services.contact_create(actor=org.am1.user, client=org.client_a,
                                     data={"full_name": "Второй", "is_urgent_contact": True})
    first.refresh_from_db()
    assert not first.is_urgent_contact
    assert second.is_urgent_contact
    assert Contact.objects.filter(client=org.client_a, is_urgent_contact=True).count() == 1


def test_contact_quiet_hours_need_both_ends(org):
    import datetime

    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=org.am1.user, client=org.client_a,
                                data={"full_name": "Тихий", "quiet_hours_start": datetime.time(21)})
    assert "quiet_hours_end" in exc.value.message_dict


def test_contact_edit_keeps_history(org):
    contact = ContactFactory(client=org.client_a, cadence_days=7)
    services.contact_update(actor=org.am1.user, contact=contact, data={"cadence_days": 30})
    assert [h.cadence_days for h in contact.history.order_by("history_id")] == [7, 30]


def test_specialist_cannot_edit_contacts(org):
    contact = ContactFactory(client=org.client_a, full_name="Иван")
    with pytest.raises(PermissionDenied):
        services.contact_update(actor=org.spec1.user, contact=contact, data={"full_name": "Пётр"})
    contact.refresh_from_db()
    assert contact.full_name == "Иван"


def test_team_member_add_is_idempotent(org):
    a = services.team_member_add(actor=org.am1.user, client=org.client_a, employee=org.spec2, service=ServiceKind.SMM)
    b = services.team_member_add(actor=org.am1.user, client=org.client_a, employee=org.spec2, service=ServiceKind.SMM)
    assert a.pk == b.pk
    assert org.client_a in clients_visible_to(org.spec2.user)


def test_team_member_add_refuses_non_specialists_and_bad_service(org):
    from tandem.clients.models import TeamMember

    with pytest.raises(ValidationError):
        services.team_member_add(actor=org.head.user, client=org.client_a, employee=org.am2, service=ServiceKind.SEO)
    with pytest.raises(ValidationError):
        services.team_member_add(actor=org.head.user, client=org.client_a, employee=org.spec2, service="astrology")
    assert not TeamMember.objects.filter(client=org.client_a, employee__in=[org.am2, org.spec2]).exists()


def test_finance_edits_details_but_cannot_move_client_between_groups(org):
    services.client_update(actor=org.finance.user, client=org.client_a, data={"bank_name": "Банк"})
    with pytest.raises(ValidationError) as exc:
        services.client_update(actor=org.finance.user, client=org.client_a, data={"group": org.seo2})
    assert "group" in exc.value.message_dict
    org.client_a.refresh_from_db()
    assert org.client_a.group == org.seo1


def test_account_manager_cannot_hand_a_new_client_to_a_colleague(org):
    with pytest.raises(ValidationError) as exc:
        services.client_create(actor=org.am1.user, data=VALID, account_manager=org.am2)
    assert "account_manager" in exc.value.message_dict
    assert not Client.objects.filter(legal_name=VALID["legal_name"]).exists()


def test_activating_a_lead_respects_the_hard_limit(org):
    org.agency.am_soft_client_limit, org.agency.am_hard_client_limit = 1, 1
    org.agency.save()
    lead = ClientFactory(agency=org.agency, account_manager=org.am1, group=org.seo1, status=LifecycleStatus.LEAD)
    with pytest.raises(ValidationError) as exc:
        services.client_change_status(actor=org.am1.user, client=lead, to_status=LifecycleStatus.ONBOARDING)
    assert "to_status" in exc.value.message_dict
    lead.refresh_from_db()
    assert lead.status == LifecycleStatus.LEAD
    services.client_change_status(actor=org.head.user, client=lead, to_status=LifecycleStatus.ONBOARDING, force=True)
    lead.refresh_from_db()
    assert lead.status == LifecycleStatus.ONBOARDING


def test_group_head_sees_the_client_they_create(org):
    from tandem.clients.permissions import client_get_for

    client = services.client_create(actor=org.group_head.user, data=VALID).client
    assert client.group == org.seo1
    assert client_get_for(org.group_head.user, client.pk) == client


def test_editing_a_stale_contact_keeps_the_last_interaction_written_meanwhile(org):
    """contact_update writes only the edited fields: an interaction logged while the form was open
    (comms keeps Contact.last_interaction_at) is not undone by saving the older copy."""
    from datetime import timedelta

    from django.utils import timezone

    from tandem.comms.services import interaction_create

    contact = ContactFactory(client=org.client_a)
    stale = Contact.objects.get(pk=contact.pk)
    interaction_create(actor=org.am1.user, client=org.client_a, contacts=[contact],
                       data={"summary": "Созвон", "occurred_at": timezone.now() - timedelta(hours=1)})
    services.contact_update(actor=org.am1.user, contact=stale, data={"position": "Маркетолог"})
    contact.refresh_from_db()
    assert contact.position == "Маркетолог" and contact.last_interaction_at is not None


def test_editing_a_stale_client_keeps_a_status_change_made_meanwhile(org):
    stale = Client.objects.get(pk=org.client_a.pk)
    services.client_change_status(actor=org.head.user, client=org.client_a, to_status="at_risk",
                                  reason="Недоволен сроками")
    services.client_update(actor=org.head.user, client=stale, data={"website": "https://alfa.example"})
    fresh = Client.objects.get(pk=org.client_a.pk)
    assert fresh.status == "at_risk" and fresh.website == "https://alfa.example"
