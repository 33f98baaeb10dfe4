"""`{% history_panel "invoice" invoice.pk %}`: the «История изменений» card of a record's page,
shown to those who may read field history (`can_view_field_history`), loaded with htmx."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.org.permissions import can_view_field_history

register = template.Library()


@register.inclusion_tag("web/history/_panel.html", takes_context=True)
def history_panel(context: template.Context, kind: str, pk: int) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": user is not None and can_view_field_history(user), "kind": kind, "pk": pk}


@register.filter
def may_view_field_history(user: Any) -> bool:
    """`{% if request.user|may_view_field_history %}`: a link to a record's history."""
    return user is not None and getattr(user, "is_authenticated", False) and can_view_field_history(user)
