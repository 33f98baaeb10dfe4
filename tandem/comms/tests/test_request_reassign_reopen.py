"""Reassigning and reopening client requests; deleting interactions (issue #10, loose ends)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.comms.permissions import can_delete_interaction, request_owner_candidates
from tandem.comms.services import (
    interaction_create,
    interaction_delete,
    request_assign,
    request_create,
    request_reopen,
    request_resolve,
)
from tandem.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def test_owner_candidates_are_who_handles_the_client(org):
    names = {e.full_name for e in request_owner_candidates(org.client_a)}
    assert names == {"head", "group_head", "am1", "spec1"}


def test_assign_to_a_candidate_and_refuse_others(org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Сайт не открывается"})
    request_assign(actor=org.group_head.user, request=r, owner=org.spec1)
    r.refresh_from_db()
    assert r.owner == org.spec1
    with pytest.raises(ValidationError) as exc:
        request_assign(actor=org.am1.user, request=r, owner=org.am2)  # am2 does not serve client_a
    assert "owner" in exc.value.message_dict
    r.refresh_from_db()
    assert r.owner == org.spec1


def test_assign_refused_for_resolved_request(org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    request_resolve(actor=org.am1.user, request=r)
    with pytest.raises(ValidationError):
        request_assign(actor=org.am1.user, request=r, owner=org.spec1)
    r.refresh_from_db()
    assert r.owner == org.am1


def test_reopen_keeps_reason_in_history_and_deadlines(org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    due = r.resolve_due_at
    request_resolve(actor=org.am1.user, request=r)
    request_reopen(actor=org.head.user, request=r, reason="Клиент пишет, что снова не работает")
    r.refresh_from_db()
    assert r.resolved_at is None and r.resolve_due_at == due
    last = r.history.order_by("-history_id").first()
    assert last.history_change_reason == "Клиент пишет, что снова не работает"
    assert last.history_user == org.head.user


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopen_needs_a_reason(org, reason):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    request_resolve(actor=org.am1.user, request=r)
    with pytest.raises(ValidationError):
        request_reopen(actor=org.am1.user, request=r, reason=reason)
    r.refresh_from_db()
    assert r.resolved_at is not None


def test_reopen_open_request_refused(org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    with pytest.raises(ValidationError):
        request_reopen(actor=org.am1.user, request=r, reason="ещё раз")


def test_reopen_denied_for_specialist_off_the_request(org):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "x"})
    request_resolve(actor=org.am1.user, request=r)
    with pytest.raises(PermissionDenied):
        request_reopen(actor=org.spec1.user, request=r, reason="ещё раз")
    r.refresh_from_db()
    assert r.resolved_at is not None


# ---------------------------------------------------------------- interactions


@pytest.mark.parametrize(("role", "allowed"), [
    ("am1", True),  # the author
    ("head", True), ("admin", True), ("group_head", True),
    ("finance", False), ("spec1", False), ("am2", False), ("spec2", False), ("outsider", False),
])
def test_who_deletes_an_interaction(org, role, allowed):
    i = interaction_create(actor=org.am1.user, client=org.client_a, data={"summary": "x"})
    assert can_delete_interaction(org.by_role_name(role).user, i) is allowed


def test_specialist_deletes_own_entry(org):
    i = interaction_create(actor=org.spec1.user, client=org.client_a, data={"summary": "x"})
    interaction_delete(actor=org.spec1.user, interaction=i)
    assert not Interaction.objects.filter(pk=i.pk).exists()


def test_am_may_not_delete_someone_elses_entry(org):
    i = interaction_create(actor=org.spec1.user, client=org.client_a, data={"summary": "x"})
    with pytest.raises(PermissionDenied):
        interaction_delete(actor=org.am1.user, interaction=i)
    assert Interaction.objects.filter(pk=i.pk).exists()


def test_delete_by_head_recomputes_last_interaction(org):
    """Deleting the newest entry moves the contact's last interaction back to the previous one."""
    contact = ContactFactory(client=org.client_a)
    now = timezone.now()
    older = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[contact],
                               data={"summary": "раньше", "occurred_at": now - timedelta(days=9)})
    newer = interaction_create(actor=org.am1.user, client=org.client_a, contacts=[contact],
                               data={"summary": "позже", "occurred_at": now - timedelta(days=1)})
    contact.refresh_from_db()
    assert contact.last_interaction_at == newer.occurred_at
    interaction_delete(actor=org.head.user, interaction=newer)
    contact.refresh_from_db()
    assert contact.last_interaction_at == older.occurred_at
