"""The iCal feed of one employee, assembled from the registered calendar sources."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from tandem.org.models import Employee

from .registry import CalendarEvent, calendar_sources

logger = logging.getLogger(__name__)

PRODID = "-//Tandem//Account management//RU"


def _event(item: CalendarEvent, stamp: datetime, base_url: str) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.summary)
    event.add("dtstart", item.start)
    end = item.end
    if end is None:
        end = item.start + timedelta(days=1) if not isinstance(item.start, datetime) else item.start + timedelta(minutes=30)
    event.add("dtend", end)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", f"{base_url.rstrip('/')}{item.url}" if item.url.startswith("/") else item.url)
    if item.category:
        event.add("categories", [item.category])
    return event


def calendar_build(
    *, employee: Employee, start: date | None = None, end: date | None = None, base_url: str = ""
) -> bytes:
    """An RFC 5545 calendar with every source's events for `employee` between `start` and `end`.

    Defaults: from 30 days ago to 90 days ahead. A failing source is skipped and logged.
    """
    today = timezone.localdate()
    start = start or today - timedelta(days=30)
    end = end or today + timedelta(days=90)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Tandem — {employee.full_name}")
    cal.add("x-wr-timezone", timezone.get_current_timezone_name())
    stamp = timezone.now()
    for name, source in sorted(calendar_sources().items()):
        try:
            items = list(source(employee, start, end))
        except Exception:
            logger.exception("calendar source %s failed", name)
            continue
        for item in items:
            cal.add_component(_event(item, stamp, base_url))
    return cal.to_ical()
