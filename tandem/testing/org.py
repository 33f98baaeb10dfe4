"""The `org` data (one agency with a person in each role) as plain functions, without test-client
imports, so that domain tests and module-scoped fixtures can build it (tandem.testing.fixtures
wraps it in the `org` fixture)."""

from __future__ import annotations

from dataclasses import dataclass

from tandem.clients.models import Client
from tandem.clients.tests.factories import ClientFactory, TeamMemberFactory
from tandem.org.models import Agency, Employee, Group
from tandem.org.roles import Role, Specialty
from tandem.org.tests.factories import AgencyFactory, EmployeeFactory, GroupFactory

PASSWORD = "pass12345"


@dataclass
class Org:
    agency: Agency
    seo1: Group
    seo2: Group
    head: Employee
    finance: Employee
    admin: Employee
    group_head: Employee
    am1: Employee
    am2: Employee
    spec1: Employee
    spec2: Employee
    outsider: Employee
    client_a: Client
    client_b: Client

    def by_role_name(self, name: str) -> Employee:
        return getattr(self, name)


def make_org() -> Org:
    """The `org` fixture's data, for module-scoped fixtures that build it once."""
    agency = AgencyFactory.create(name="Тандем-Агентство")
    seo1 = GroupFactory.create(agency=agency, name="SEO 1")
    seo2 = GroupFactory.create(agency=agency, name="SEO 2")

    def emp(name: str, role: Role, group: Group | None = None, **kw) -> Employee:
        return EmployeeFactory.create(agency=agency, full_name=name, role=role, group=group, user__username=name, **kw)

    head = emp("head", Role.HEAD_OF_ACCOUNTS)
    finance = emp("finance", Role.FINANCE)
    admin = emp("admin", Role.ADMIN)
    group_head = emp("group_head", Role.GROUP_HEAD, seo1)
    seo1.head = group_head
    seo1.save()
    am1 = emp("am1", Role.ACCOUNT_MANAGER, seo1)
    am2 = emp("am2", Role.ACCOUNT_MANAGER, seo2)
    spec1 = emp("spec1", Role.SPECIALIST, seo1, specialty=Specialty.SEO)
    spec2 = emp("spec2", Role.SPECIALIST, seo2, specialty=Specialty.SEO)
    outsider = EmployeeFactory.create(full_name="outsider", role=Role.HEAD_OF_ACCOUNTS, user__username="outsider")
    client_a = ClientFactory.create(agency=agency, legal_name='ООО "Альфа"', brand_name="Альфа", account_manager=am1, group=seo1)
    client_b = ClientFactory.create(agency=agency, legal_name='ООО "Бета"', brand_name="Бета", account_manager=am2, group=seo2)
    TeamMemberFactory.create(client=client_a, employee=spec1)
    TeamMemberFactory.create(client=client_b, employee=spec2)
    return Org(agency, seo1, seo2, head, finance, admin, group_head, am1, am2, spec1, spec2, outsider, client_a, client_b)
