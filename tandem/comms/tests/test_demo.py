"""The comms demo builder fills the log on top of the demo clients and is idempotent."""

from django.core.management import call_command

from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.selectors import contacts_due
from tandem.org.models import Employee


def test_demo_comms_is_believable_and_idempotent(db):
    call_command("seed_demo", verbosity=0)
    counts = (Interaction.objects.count(), ClientRequest.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Interaction.objects.count(), ClientRequest.objects.count()) == counts
    assert counts[0] > 100 and counts[1] > 10
    am = Employee.objects.get(user__username="am1")
    assert contacts_due(actor=am.user, am_ids=[am.pk])
