"""Celery application. Without CELERY_BROKER_URL tasks run eagerly in-process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tandem")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs of comms and notifications (issue #5). Each is idempotent; run `celery beat`
# with a broker. Without one, `manage.py comms_run_jobs` runs the same jobs once.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "notifications-retry-due": {"task": "notifications.retry_due", "schedule": 60.0},
    "comms-escalate": {"task": "comms.escalate", "schedule": 300.0},
    "notifications-run-reminders": {"task": "notifications.run_reminders", "schedule": 900.0},
    # Analytics snapshots (issue #11): at night, when Metrica's quotas are free and the day is over.
    "webhooks-retry-due": {"task": "webhooks.retry_due", "schedule": 60.0},
    # Retainer budget alerts (issue #13): each line/month/threshold is notified once.
    "billing-retainer-alerts": {"task": "billing.retainer_alerts", "schedule": crontab(hour=7, minute=30)},
    "reports-analytics-refresh": {"task": "reports.analytics_refresh_all", "schedule": crontab(hour=4, minute=15)},
    # Client health (issue 12): after the analytics refresh, so the results factor sees last night's data.
    "health-recompute-all": {"task": "health.recompute_all", "schedule": crontab(hour=5, minute=0)},
    # Growth suggestions and «no results» (issue #12): after the analytics refresh has the night's numbers (and after health).
    "growth-generate": {"task": "growth.generate_all", "schedule": crontab(hour=5, minute=30)},
    # Client report drafts on each client's report day (after the night's analytics refresh).
    "reports-client-reports-prepare": {
        "task": "reports.client_reports_prepare_due", "schedule": crontab(hour=6, minute=30),
    },
}
