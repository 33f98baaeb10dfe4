from decimal import Decimal

import factory

from tandem.org.models import Agency, Employee, Group, User
from tandem.org.roles import Role, Specialty


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Агентство {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass12345")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class GroupFactory(factory.django.DjangoModelFactory[Group]):
    class Meta:
        model = Group

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"SEO {n}")
    kind = Group.Kind.SEO


class EmployeeFactory(factory.django.DjangoModelFactory[Employee]):
    class Meta:
        model = Employee

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Сотрудник {n}")
    role = Role.ACCOUNT_MANAGER
    specialty = factory.LazyAttribute(lambda o: Specialty.SEO if o.role == Role.SPECIALIST else "")
    hourly_cost_rate = Decimal("1000.00")
    monthly_capacity_hours = 160
