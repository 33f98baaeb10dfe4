"""Hiring with a validated initial password and deactivation guarded by served clients."""

import pytest
from django.core.exceptions import ValidationError

from tandem.clients.models import Client, LifecycleStatus
from tandem.clients.tests.factories import ClientFactory
from tandem.core.errors import PermissionDenied
from tandem.org import services
from tandem.org.deactivation import register_deactivation_check, unregister_deactivation_check
from tandem.org.models import Employee, User
from tandem.org.roles import Role


@pytest.mark.parametrize("password", ["123", "password", "12345678901", "newbie-login"])
def test_weak_initial_password_is_a_password_field_error(org, password):
    with pytest.raises(ValidationError) as exc:
        services.employee_create(actor=org.head.user, username="newbie-login", email="newbie@example.com",
                                 password=password, data={"full_name": "Новиков", "role": Role.FINANCE})

    assert set(exc.value.message_dict) == {"password"}
    assert not User.objects.filter(username="newbie-login").exists()


def test_strong_initial_password_is_accepted_and_missing_password_leaves_login_unusable(org):
    with_password = services.employee_create(actor=org.head.user, username="p1", password="Tandem-Strong-91",
                                             data={"full_name": "П1", "role": Role.FINANCE})
    without = services.employee_create(actor=org.admin.user, username="p2",
                                       data={"full_name": "П2", "role": Role.FINANCE})

    assert with_password.user.check_password("Tandem-Strong-91")
    assert not without.user.has_usable_password()


def test_am_with_served_clients_cannot_be_deactivated(org):
    ClientFactory(agency=org.agency, account_manager=org.am1, group=org.seo1)

    with pytest.raises(ValidationError) as exc:
        services.employee_deactivate(actor=org.head.user, employee=org.am1)

    assert "2" in exc.value.message_dict["is_active"][0]
    org.am1.refresh_from_db()
    assert org.am1.is_active is True


def test_update_with_is_active_false_is_guarded_too(org):
    with pytest.raises(ValidationError) as exc:
        services.employee_update(actor=org.head.user, employee=org.am2, data={"is_active": False, "grade": "senior"})

    assert "is_active" in exc.value.message_dict
    org.am2.refresh_from_db()
    assert (org.am2.is_active, org.am2.grade) == (True, "")


def test_am_can_be_deactivated_once_clients_are_reassigned_or_churned(org):
    Client.objects.filter(pk=org.client_a.pk).update(account_manager=org.am2)
    ClientFactory(agency=org.agency, account_manager=org.am1, status=LifecycleStatus.CHURNED, churn_reason="budget")

    employee = services.employee_deactivate(actor=org.head.user, employee=org.am1)

    employee.refresh_from_db()
    assert employee.is_active is False


def test_deactivating_an_inactive_employee_is_a_no_op(org):
    Employee.objects.filter(pk=org.spec1.pk).update(is_active=False)
    org.spec1.refresh_from_db()

    services.employee_deactivate(actor=org.admin.user, employee=org.spec1)

    org.spec1.refresh_from_db()
    assert org.spec1.is_active is False


def test_every_registered_check_is_reported(org):
    register_deactivation_check("test.always", lambda e: "Есть незакрытые задачи.")
    try:
        with pytest.raises(ValidationError) as exc:
            services.employee_deactivate(actor=org.head.user, employee=org.spec1)
    finally:
        unregister_deactivation_check("test.always")

    assert exc.value.message_dict["is_active"] == ["Есть незакрытые задачи."]


@pytest.mark.parametrize("role", ["am1", "group_head", "finance", "spec1", "outsider"])
def test_only_org_managers_of_the_agency_deactivate(org, role):
    with pytest.raises(PermissionDenied):
        services.employee_deactivate(actor=org.by_role_name(role).user, employee=org.spec2)

    org.spec2.refresh_from_db()
    assert org.spec2.is_active is True
