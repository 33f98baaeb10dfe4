"""Calendar sections contributed by comms to the employee's iCal feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import SERVED_STATUSES, Client
from tandem.notifications.registry import CalendarEvent
from tandem.org.models import Employee

from .models import ClientRequest, Interaction, InteractionKind
from .selectors import contact_schedule
from .services.escalations import web_url


def planned_contacts(employee: Employee, start: date, end: date) -> Iterable[CalendarEvent]:
    """All-day events: when each contact of the employee's clients is next due (overdue → today)."""
    today = timezone.localdate()
    clients = Client.objects.filter(account_manager=employee, status__in=SERVED_STATUSES)
    for item in contact_schedule(clients, today=today):
        day = max(item.next_due, today)
        if not (start <= day <= end):
            continue
        channel = item.contact.get_preferred_channel_display()
        details = [_("Канал: %(channel)s") % {"channel": channel}]
        if item.quiet_hours:
            details.append(_("Тихие часы: %(hours)s") % {"hours": item.quiet_hours})
        if item.contact.phone:
            details.append(_("Телефон: %(phone)s") % {"phone": item.contact.phone})
        yield CalendarEvent(
            uid=f"contact-{item.contact.pk}-{day.isoformat()}@tandem",
            summary=_("Связаться: %(contact)s (%(client)s)") % {
                "contact": item.contact.full_name, "client": item.client.display_name},
            start=day, end=day + timedelta(days=1), description="\n".join(details),
            url=web_url("web:my_day"), category=_("Контакты"),
        )


def request_deadlines(employee: Employee, start: date, end: date) -> Iterable[CalendarEvent]:
    """SLA deadlines of open requests the employee owns or whose client they manage."""
    qs = ClientRequest.objects.filter(resolved_at__isnull=True).filter(
        Q(owner=employee) | Q(client__account_manager=employee)
    ).select_related("client")
    for r in qs:
        points = [("resolve", _("Срок решения"), r.resolve_due_at)]
        if r.first_response_at is None:
            points.insert(0, ("first", _("Срок ответа"), r.first_response_due_at))
        for code, label, moment in points:
            if start <= timezone.localdate(moment) <= end:
                yield CalendarEvent(
                    uid=f"request-{r.pk}-{code}@tandem", summary=f"{label}: {r.client.display_name} — {r.subject}",
                    start=moment, end=moment + timedelta(minutes=15), url=web_url("web:request_detail", r.pk),
                    category="SLA",
                )


def meetings_and_next_steps(employee: Employee, start: date, end: date) -> Iterable[CalendarEvent]:
    """Meetings the employee takes part in, and agreed next steps on their clients."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tz)
    hi = datetime.combine(end + timedelta(days=1), time.min, tz)
    meetings = Interaction.objects.filter(
        kind=InteractionKind.MEETING, employees=employee, occurred_at__gte=lo, occurred_at__lt=hi
    ).select_related("client")
    for m in meetings:
        yield CalendarEvent(
            uid=f"meeting-{m.pk}@tandem", summary=_("Встреча: %(client)s") % {"client": m.client.display_name}, start=m.occurred_at,
            end=m.occurred_at + timedelta(hours=1), description=m.summary, category=_("Встречи"),
        )
    steps = Interaction.objects.filter(
        next_step_due__gte=start, next_step_due__lte=end, next_step_done_at__isnull=True
    ).filter(Q(client__account_manager=employee) | Q(employees=employee)).select_related("client").distinct()
    for s in steps:
        assert s.next_step_due is not None  # the filter excludes interactions without a next step date
        yield CalendarEvent(
            uid=f"next-step-{s.pk}@tandem", summary=f"{s.client.display_name}: {s.next_step}",
            start=s.next_step_due, end=s.next_step_due + timedelta(days=1), category=_("Следующие шаги"),
        )
