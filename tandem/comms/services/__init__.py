"""Writes for communications. Re-exported here; the modules group them by topic."""

from .calendar import (
    DEFAULT_SLA,
    SLA_TIERS,
    SlaTerms,
    sla_policy_set,
    sla_terms,
    work_calendar,
    work_schedule_update,
)
from .email_import import EmailImportReport, email_import, parse_messages
from .escalations import (
    EscalationResult,
    due_contact_reminders,
    escalations_run,
    next_step_reminders,
    request_escalate,
    sla_reminders,
    web_url,
)
from .handover import account_manager_change, can_tick_handover, handover_item_set_done
from .interactions import (
    contact_snooze,
    contacts_refresh_last_interaction,
    interaction_create,
    interaction_delete,
    interaction_next_step_done,
    interaction_update,
)
from .requests import (
    request_assign,
    request_create,
    request_create_by_contact,
    request_reopen,
    request_reopen_by_contact,
    request_resolve,
    request_respond,
)

__all__ = [
    "account_manager_change", "can_tick_handover", "handover_item_set_done",
    "DEFAULT_SLA", "request_create_by_contact", "SLA_TIERS", "EmailImportReport", "EscalationResult", "request_escalate", "SlaTerms", "contact_snooze", "contacts_refresh_last_interaction", "due_contact_reminders", "email_import",
    "escalations_run", "interaction_create", "interaction_delete", "interaction_next_step_done", "interaction_update",
    "next_step_reminders", "parse_messages", "request_assign", "request_create", "request_reopen", "request_reopen_by_contact",
    "request_resolve", "request_respond", "sla_policy_set", "sla_reminders", "sla_terms", "web_url",
    "work_calendar", "work_schedule_update",
]
