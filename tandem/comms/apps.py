from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "tandem.comms"
    label = "comms"
    verbose_name = _("Коммуникации")

    def ready(self) -> None:
        from tandem.notifications.registry import register_calendar_source, register_reminder_source

        from . import calendar_sources
        from .services import escalations

        register_reminder_source("comms.due_contacts", escalations.due_contact_reminders)
        register_reminder_source("comms.sla", escalations.sla_reminders)
        register_reminder_source("comms.next_steps", escalations.next_step_reminders)
        register_calendar_source("comms.planned_contacts", calendar_sources.planned_contacts)
        register_calendar_source("comms.request_deadlines", calendar_sources.request_deadlines)
        register_calendar_source("comms.meetings", calendar_sources.meetings_and_next_steps)
