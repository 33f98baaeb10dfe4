"""Run the periodic comms/notification jobs once (for set-ups without celery beat)."""

from django.core.management.base import BaseCommand

from tandem.comms.tasks import escalate_late_requests_task
from tandem.notifications.tasks import retry_due_deliveries_task, run_reminders_task


class Command(BaseCommand):
    help = "Escalate late requests, send due reminders and retry due deliveries (idempotent)."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        self.stdout.write(f"escalations: {escalate_late_requests_task()}")
        self.stdout.write(f"reminders: {run_reminders_task()}")
        self.stdout.write(f"deliveries: {retry_due_deliveries_task()}")
