"""Reads for the organisation, scoped to the actor's agency."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import ApiToken, Employee, Group, User
from .permissions import employees_visible_to, groups_visible_to


def group_list(*, actor: User) -> QuerySet[Group]:
    """Groups of the actor's agency with their head and member count."""
    return (
        groups_visible_to(actor)
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name", "pk")
    )


def employee_list(
    *, actor: User, role: str = "", group_id: int | None = None, active: bool | None = True, search: str = ""
) -> QuerySet[Employee]:
    qs = employees_visible_to(actor)
    if role:
        qs = qs.filter(role=role)
    if group_id:
        qs = qs.filter(group_id=group_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(user__email__icontains=search))
    return qs.order_by("full_name")


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first."""
    return ApiToken.objects.filter(user_id=actor.pk).order_by("-created_at", "-pk")
