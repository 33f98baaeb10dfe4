"""The demo loads, is idempotent and gives every role something to see."""

from django.core.management import call_command

from tandem.clients.models import Client, Contact, LifecycleStatus
from tandem.clients.permissions import clients_visible_to
from tandem.org.models import Employee


def test_seed_demo_is_idempotent_and_believable(db):
    call_command("seed_demo", verbosity=0)
    counts = (Employee.objects.count(), Client.objects.count(), Contact.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Employee.objects.count(), Client.objects.count(), Contact.objects.count()) == counts
    assert 20 <= counts[0] <= 30
    assert 100 <= counts[1] <= 140
    churned = Client.objects.filter(status=LifecycleStatus.CHURNED)
    assert churned.exists() and not churned.filter(churn_reason="").exists()
    am = Employee.objects.get(user__username="am1")
    assert clients_visible_to(am.user).exists()
    assert am.user.check_password("tandem-demo")
