import factory
from django.utils import timezone

from tandem.comms.models import Interaction, InteractionKind
from tandem.comms.services import contacts_refresh_last_interaction


class InteractionFactory(factory.django.DjangoModelFactory[Interaction]):
    class Meta:
        model = Interaction
        skip_postgeneration_save = True

    kind = InteractionKind.CALL
    occurred_at = factory.LazyFunction(timezone.now)
    summary = "Созвон по отчёту"
    created_by = factory.LazyAttribute(lambda o: o.client.account_manager.user)

    @factory.post_generation
    def contacts(self, create, extracted, **kwargs):
        if create and extracted:
            self.contacts.set(extracted)
            # What the services do: keep Contact.last_interaction_at = max(occurred_at).
            contacts_refresh_last_interaction(c.pk for c in extracted)
