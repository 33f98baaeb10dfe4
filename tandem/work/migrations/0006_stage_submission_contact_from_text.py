"""Answers recorded before stages named a contact kept who answered as free text: link each to
the client's contact of that name when exactly one contact of the client has it (case and
surrounding spaces ignored). Others keep only the text, which stays for history."""

from django.db import migrations


def link_contacts(apps, schema_editor):  # type: ignore[no-untyped-def]
    StageSubmission = apps.get_model("work", "StageSubmission")
    Contact = apps.get_model("clients", "Contact")
    pending = (StageSubmission.objects.filter(contact__isnull=True).exclude(client_contact="")
               .values_list("pk", "client_contact", "stage__project__client_id"))
    by_client: dict[int, dict[str, list[int]]] = {}
    for pk, text, client_id in pending.iterator():
        if client_id not in by_client:
            names: dict[str, list[int]] = {}
            for contact_id, name in Contact.objects.filter(client_id=client_id).values_list("pk", "full_name"):
                names.setdefault(name.strip().casefold(), []).append(contact_id)
            by_client[client_id] = names
        matches = by_client[client_id].get(text.strip().casefold(), [])
        if len(matches) == 1:
            StageSubmission.objects.filter(pk=pk).update(contact_id=matches[0])


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0005_stage_submission_contact"),
    ]

    operations = [
        migrations.RunPython(link_contacts, migrations.RunPython.noop),
    ]
