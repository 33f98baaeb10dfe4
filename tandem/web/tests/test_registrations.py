"""Reminder and calendar sources are registered at start-up, not only when URLs load,
so a Celery worker runs the same jobs as the web process."""

from tandem.notifications import registry


def test_every_domain_registers_its_reminder_sources_at_startup():
    names = set(registry.reminder_sources())
    assert {"comms.due_contacts", "work.overdue_tasks", "work.stages_waiting", "billing.collection"} <= names


def test_calendar_sources_include_task_deadlines():
    assert "work.task_deadlines" in set(registry.calendar_sources())
