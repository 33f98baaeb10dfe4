"""In-place actions everywhere answer the same way: the item's replacement, a confirmation
toast and the new counts of the My day sections concerned (htmx out-of-band swaps)."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.comms import selectors as comms_selectors
from tandem.org.permissions import actor_employee
from tandem.web.decorators import AuthedRequest

from .sections import AM_ROLES, SECTION_LIMIT, MyDayContext, MyDaySection, sections


def day_context(request: AuthedRequest, *, limit: int | None = SECTION_LIMIT) -> MyDayContext:
    """Whose day: an AM their own clients; a group head the group's AMs side by side; a head of
    accounts every group (`?am=<id>` narrows a team view to one person). Finance and
    specialists carry no clients: their sections are not filtered by AM."""
    employee = actor_employee(request.user)
    assert employee is not None
    people = comms_selectors.employees_for_scope(actor=request.user) if employee.role in AM_ROLES else []
    team_view = len(people) > 1
    chosen = request.GET.get("am", "")
    if chosen.isdigit() and any(p.pk == int(chosen) for p in people):
        people = [p for p in people if p.pk == int(chosen)]
    return MyDayContext(request=request, actor=request.user, employee=employee, people=people,
                        today=timezone.localdate(), now=timezone.now(), team_view=team_view, limit=limit)


def visible_sections(ctx: MyDayContext) -> list[MyDaySection]:
    return [s for s in sections() if s.shown_to(ctx.employee.role)]


def section_counts(request: AuthedRequest, keys: list[str]) -> dict[str, int]:
    """The current totals of some sections of the actor's day (for the badges after an
    action): one provider call each, showing one row."""
    ctx = day_context(request, limit=1)
    counts: dict[str, int] = {}
    for section in visible_sections(ctx):
        if section.key in keys:
            data = section.provider(ctx)
            counts[section.key] = int(data.get("total", 0)) if data else 0
    return counts


def action_done(request: AuthedRequest, message: str, *, sections: Sequence[str] = (), body: str = "",
                status: int = 200) -> HttpResponse:
    """The answer to an in-place action: `body` (what replaces the item: nothing when it leaves
    the list), a confirmation toast and, out of band, the new counts of `sections` (badges with
    id «count-<key>»). Pages other than My day simply have no such badges."""
    counts = section_counts(request, list(sections)) if sections else {}
    oob = render_to_string("web/my_day/_action_done.html", {"message": message, "counts": counts}, request=request)
    return HttpResponse(body + oob, status=status)
