"""Who sees and manages a client's analytics (issue #11).

- Results (snapshots) are seen by everyone who sees the client (`clients_visible_to`), so the AM,
  the team, group heads, heads, finance and admins read the same figures.
- Connecting a counter, replacing its token and «Обновить сейчас» belong to those who run the
  client: its AM, its group head, heads and admins (`can_change_lifecycle`). Finance and
  specialists only read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import can_change_lifecycle, clients_visible_to
from tandem.org.models import User

from .models import AnalyticsSnapshot, AnalyticsSource


def can_view_analytics(actor: User, client: Client) -> bool:
    """Whoever sees the client sees its results."""
    return clients_visible_to(actor).filter(pk=client.pk).exists()


def can_manage_analytics(actor: User, client: Client) -> bool:
    """The client's AM, its group head, heads and admins connect counters and refresh."""
    return can_change_lifecycle(actor, client)


def analytics_sources_visible_to(actor: User) -> QuerySet[AnalyticsSource]:
    """Sources of the clients the actor may see."""
    return AnalyticsSource.objects.filter(client__in=clients_visible_to(actor))


def analytics_snapshots_visible_to(actor: User) -> QuerySet[AnalyticsSnapshot]:
    """Snapshots of the clients the actor may see."""
    return AnalyticsSnapshot.objects.filter(client__in=clients_visible_to(actor))
