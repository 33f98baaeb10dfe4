"""The role × object visibility matrix for clients (issue #2)."""

import pytest

from tandem.clients import permissions
from tandem.clients.tests.factories import ClientFactory
from tandem.core.errors import NotFound

# role -> (sees client_a, sees client_b)
VISIBILITY = {
    "head": (True, True),
    "finance": (True, True),
    "admin": (True, True),
    "group_head": (True, False),  # heads SEO 1, client_a is in SEO 1
    "am1": (True, False),
    "am2": (False, True),
    "spec1": (True, False),
    "spec2": (False, True),
    "outsider": (False, False),  # another agency's head of accounts
}


@pytest.mark.parametrize(("role", "expected"), VISIBILITY.items())
def test_visibility_matrix(org, role, expected):
    actor = org.by_role_name(role).user
    visible = set(permissions.clients_visible_to(actor))
    assert (org.client_a in visible, org.client_b in visible) == expected


@pytest.mark.parametrize(("role", "expected"), VISIBILITY.items())
def test_get_for_raises_not_found_when_invisible(org, role, expected):
    actor = org.by_role_name(role).user
    for client, sees in zip((org.client_a, org.client_b), expected, strict=True):
        if sees:
            assert permissions.client_get_for(actor, client.pk) == client
        else:
            with pytest.raises(NotFound):
                permissions.client_get_for(actor, client.pk)


def test_missing_and_forbidden_look_the_same(org):
    with pytest.raises(NotFound) as missing:
        permissions.client_get_for(org.am1.user, 999999)
    with pytest.raises(NotFound) as forbidden:
        permissions.client_get_for(org.am1.user, org.client_b.pk)
    assert str(missing.value) == str(forbidden.value)


def test_user_without_employee_sees_nothing(org, django_user_model):
    user = django_user_model.objects.create_user("lonely", password="x")
    assert not permissions.clients_visible_to(user).exists()


def test_inactive_employee_sees_nothing(org):
    org.am1.is_active = False
    org.am1.save()
    assert not permissions.clients_visible_to(org.am1.user).exists()


def test_specialist_on_two_services_of_one_client_sees_it_once(org):
    from tandem.clients.models import ServiceKind
    from tandem.clients.tests.factories import TeamMemberFactory

    TeamMemberFactory(client=org.client_a, employee=org.spec1, service=ServiceKind.SMM)
    assert list(permissions.clients_visible_to(org.spec1.user)) == [org.client_a]


def test_group_head_sees_unassigned_client_of_own_group(org):
    client = ClientFactory(agency=org.agency, group=org.seo1, account_manager=None)
    assert client in permissions.clients_visible_to(org.group_head.user)
    assert client not in permissions.clients_visible_to(org.am1.user)


EDIT = {"head": True, "admin": True, "finance": True, "group_head": True, "am1": True, "am2": False,
        "spec1": False, "spec2": False, "outsider": False}


@pytest.mark.parametrize(("role", "allowed"), EDIT.items())
def test_can_edit_client_a(org, role, allowed):
    assert permissions.can_edit_client(org.by_role_name(role).user, org.client_a) is allowed


ASSIGN = {"head": True, "admin": True, "finance": False, "group_head": True, "am1": False, "am2": False,
          "spec1": False, "outsider": False}


@pytest.mark.parametrize(("role", "allowed"), ASSIGN.items())
def test_can_assign_account_manager(org, role, allowed):
    assert permissions.can_assign_account_manager(org.by_role_name(role).user, org.client_a) is allowed


def test_only_head_of_accounts_forces_hard_limit(org):
    assert permissions.can_force_over_hard_limit(org.head.user)
    assert not permissions.can_force_over_hard_limit(org.admin.user)
    assert not permissions.can_force_over_hard_limit(org.group_head.user)
