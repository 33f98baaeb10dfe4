"""Registries that let higher apps plug into reminders and the calendar feed.

`notifications` sits below comms and billing and next to nothing else, so it cannot import
them. Instead each app registers providers from its AppConfig.ready():

    from tandem.notifications.registry import register_reminder_source, register_calendar_source
    register_reminder_source("work.overdue_tasks", overdue_task_reminders)   # (now) -> Iterable[Reminder]
    register_calendar_source("work.task_deadlines", task_deadline_events)    # (employee, start, end) -> Iterable[CalendarEvent]

A reminder source must be cheap and deterministic: the job calls it every run and relies on
`Reminder.dedupe_key` to send each reminder once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tandem.org.models import Employee


@dataclass(frozen=True)
class Reminder:
    recipient_id: int
    kind: str
    title: str
    dedupe_key: str
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: datetime | date
    end: datetime | date | None = None
    description: str = ""
    url: str = ""
    category: str = ""


ReminderSource = Callable[[datetime], Iterable[Reminder]]
CalendarSource = Callable[["Employee", date, date], Iterable[CalendarEvent]]

_reminder_sources: dict[str, ReminderSource] = {}
_calendar_sources: dict[str, CalendarSource] = {}


def register_reminder_source(name: str, source: ReminderSource) -> None:
    """Add (or replace, by name) a reminder source; call from AppConfig.ready()."""
    _reminder_sources[name] = source


def unregister_reminder_source(name: str) -> None:
    _reminder_sources.pop(name, None)


def reminder_sources() -> dict[str, ReminderSource]:
    return dict(_reminder_sources)


def register_calendar_source(name: str, source: CalendarSource) -> None:
    """Add (or replace, by name) a calendar section; call from AppConfig.ready()."""
    _calendar_sources[name] = source


def unregister_calendar_source(name: str) -> None:
    _calendar_sources.pop(name, None)


def calendar_sources() -> dict[str, CalendarSource]:
    return dict(_calendar_sources)
