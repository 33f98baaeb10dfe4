import factory

from tandem.clients.models import Client, ClientTier, Contact, LifecycleStatus, ServiceKind, TeamMember
from tandem.org.tests.factories import AgencyFactory, EmployeeFactory


class ClientFactory(factory.django.DjangoModelFactory[Client]):
    class Meta:
        model = Client

    agency = factory.SubFactory(AgencyFactory)
    legal_name = factory.Sequence(lambda n: f'ООО "Клиент {n}"')
    brand_name = factory.Sequence(lambda n: f"Клиент {n}")
    status = LifecycleStatus.ACTIVE
    tier = ClientTier.CURRENT


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    full_name = factory.Sequence(lambda n: f"Контакт {n}")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    role = Contact.Role.MARKETER


class TeamMemberFactory(factory.django.DjangoModelFactory[TeamMember]):
    class Meta:
        model = TeamMember

    client = factory.SubFactory(ClientFactory)
    employee = factory.SubFactory(EmployeeFactory, agency=factory.SelfAttribute("..client.agency"))
    service = ServiceKind.SEO
