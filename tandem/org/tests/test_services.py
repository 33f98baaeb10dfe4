from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tandem.core.errors import PermissionDenied
from tandem.org import services
from tandem.org.models import Employee, Group
from tandem.org.roles import Role, Specialty
from tandem.org.selectors import employee_list, group_list


def test_head_hires_an_employee_with_login(org):
    employee = services.employee_create(
        actor=org.head.user, username="newbie", email="n@example.com", password="s3cret-pass",
        data={"full_name": "Новиков Павел", "role": Role.SPECIALIST, "specialty": Specialty.SMM,
              "group": org.seo1, "hourly_cost_rate": Decimal("900.00")},
    )
    assert employee.agency == org.agency
    assert employee.user.check_password("s3cret-pass")


def test_specialist_needs_specialty(org):
    with pytest.raises(ValidationError) as exc:
        services.employee_create(actor=org.head.user, username="x1", data={"full_name": "X", "role": Role.SPECIALIST})
    assert "specialty" in exc.value.message_dict
    assert not Employee.objects.filter(user__username="x1").exists()


def test_duplicate_username_is_a_field_error(org):
    with pytest.raises(ValidationError) as exc:
        services.employee_create(actor=org.head.user, username="am1", data={"full_name": "X", "role": Role.FINANCE})
    assert "username" in exc.value.message_dict


@pytest.mark.parametrize("role", ["am1", "group_head", "finance", "spec1"])
def test_only_org_managers_hire(org, role):
    with pytest.raises(PermissionDenied):
        services.employee_create(actor=org.by_role_name(role).user, username="zz",
                                 data={"full_name": "Z", "role": Role.FINANCE})
    assert not Employee.objects.filter(user__username="zz").exists()


def test_agency_limits_hard_not_below_soft(org):
    with pytest.raises(ValidationError):
        services.agency_update(actor=org.head.user, agency=org.agency,
                               data={"am_soft_client_limit": 10, "am_hard_client_limit": 5})
    org.agency.refresh_from_db()
    assert (org.agency.am_soft_client_limit, org.agency.am_hard_client_limit) == (20, 25)


def test_outsider_cannot_change_other_agency(org):
    with pytest.raises(PermissionDenied):
        services.agency_update(actor=org.outsider.user, agency=org.agency, data={"am_soft_client_limit": 1})


def test_group_head_from_another_agency_is_refused(org):
    with pytest.raises(ValidationError):
        services.group_create(actor=org.head.user, data={"name": "Performance", "head": org.outsider})
    assert not Group.objects.filter(name="Performance").exists()


def test_selectors_are_scoped_to_agency(org):
    assert org.outsider not in employee_list(actor=org.am1.user)
    assert set(employee_list(actor=org.am1.user, role=Role.ACCOUNT_MANAGER)) == {org.am1, org.am2}
    counts = {g.name: g.member_count for g in group_list(actor=org.am1.user)}
    assert counts == {"SEO 1": 3, "SEO 2": 2}
