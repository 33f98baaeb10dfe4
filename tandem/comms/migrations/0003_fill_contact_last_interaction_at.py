"""Fill Contact.last_interaction_at (max occurred_at of the contact's interactions) for existing rows."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Contact = apps.get_model("clients", "Contact")
    Interaction = apps.get_model("comms", "Interaction")
    last = Interaction.objects.filter(contacts=OuterRef("pk")).order_by("-occurred_at").values("occurred_at")[:1]
    Contact.objects.update(last_interaction_at=Subquery(last))


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0003_contact_last_interaction_at"),
        ("comms", "0002_escalation_escalated_by"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
