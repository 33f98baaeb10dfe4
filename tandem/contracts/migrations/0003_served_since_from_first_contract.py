"""Data fix: the first responsible AM is on record from the client's first contract.

Before `Client.served_since` existed the first AccountManagerChange was dated when the client
row was created, so payments of earlier months (history imported at go-live) resolved to no AM.
For every client whose first contract starts before that record (or before the row was created),
set `served_since` to the contract's start and date the initial assignment (the first change,
when it names no previous manager) at the start of that day, never after the next change.
The same rule as tandem.clients.services.client_service_start_extend. Reversing keeps the data.
"""

from datetime import datetime, time

from django.db import migrations
from django.db.models import Min
from django.utils import timezone


def backdate(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    Contract = apps.get_model("contracts", "Contract")
    AccountManagerChange = apps.get_model("clients", "AccountManagerChange")
    first_starts = dict(
        Contract.objects.values("client_id").annotate(first=Min("start_date")).order_by()
        .values_list("client_id", "first")
    )
    changes = {}
    for change in AccountManagerChange.objects.filter(client_id__in=list(first_starts)).order_by("changed_at", "id"):
        changes.setdefault(change.client_id, []).append(change)
    for client in Client.objects.filter(pk__in=list(first_starts)).only("id", "served_since", "created_at"):
        day = first_starts[client.pk]
        history = changes.get(client.pk, [])
        initial = history[0] if history and history[0].previous_manager_id is None else None
        current = client.served_since or timezone.localdate(initial.changed_at if initial else client.created_at)
        if day >= current:
            continue
        Client.objects.filter(pk=client.pk).update(served_since=day)
        if initial is None:
            continue
        start = timezone.make_aware(datetime.combine(day, time.min))
        if len(history) > 1 and start > history[1].changed_at:
            start = history[1].changed_at
        AccountManagerChange.objects.filter(pk=initial.pk).update(changed_at=start)


class Migration(migrations.Migration):

    dependencies = [
        ("clients", "0004_client_served_since"),
        ("contracts", "0002_numbering_and_dated_transitions"),
    ]

    operations = [migrations.RunPython(backdate, migrations.RunPython.noop)]
