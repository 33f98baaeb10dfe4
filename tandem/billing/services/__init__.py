"""Billing writes. Split by topic; import from here: `from tandem.billing import services`."""

from .collection import (
    accountant_contact,
    promised_payment_add,
    reminder_cancel,
    reminder_complete,
    reminders_cancel,
    reminders_schedule,
)
from .costs import subcontractor_cost_create, subcontractor_cost_delete, subcontractor_cost_update
from .invoices import (
    LineInput,
    RetainerRun,
    act_create,
    act_mark_sent,
    act_mark_signed,
    billing_settings_update,
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_issue,
    invoice_refresh_paid,
    invoice_update,
    retainer_invoices_generate,
    vat_rate_for,
)
from .loyalty import loyalty_rule_create, loyalty_rule_delete, loyalty_rule_update
from .matching import MatchLookup, MatchResult, Payer, load_lookup, match_payment, rub
from .payments import (
    MATCHED,
    OUTCOME_LABELS,
    PARTLY_MATCHED,
    REFUNDED,
    REJECTED,
    SKIPPED,
    UNMATCHED,
    AllocationInput,
    allocation_remove,
    credit_of,
    payment_accept_suggestion,
    payment_allocate,
    payment_assign_client,
    payment_confirm,
    payment_reallocate,
    payment_record,
)
from .plans import (
    bonus_rule_for,
    bonus_rule_set,
    bonus_statement_build,
    bonus_statements_build_month,
    payment_plan_set,
)
from .retainers import (
    RetainerAlertRun,
    retainer_alerts_after_time,
    retainer_alerts_run,
    retainer_overage_bill,
    retainer_overage_write_off,
)
from .statements import (
    MAX_STATEMENT_MB,
    OUTCOMES,
    ImportReport,
    ImportRow,
    statement_check_size,
    statement_import,
)
from .time_billing import invoice_from_time, invoice_line_set_contract_line

__all__ = [
    "MATCHED", "OUTCOME_LABELS", "PARTLY_MATCHED", "REJECTED", "SKIPPED", "UNMATCHED",
    "ImportReport", "ImportRow", "LineInput", "RetainerAlertRun", "RetainerRun",
    "retainer_alerts_after_time", "retainer_alerts_run", "retainer_overage_bill", "retainer_overage_write_off",
    "accountant_contact", "act_create", "act_mark_sent", "act_mark_signed", "allocation_remove",
    "billing_settings_update", "bonus_rule_for", "bonus_rule_set", "bonus_statement_build",
    "bonus_statements_build_month", "credit_of",
    "invoice_cancel", "invoice_create", "invoice_delete", "invoice_from_time", "invoice_line_set_contract_line",
    "invoice_issue", "invoice_refresh_paid", "invoice_update",
    "match_payment", "payment_allocate", "payment_assign_client", "payment_plan_set", "payment_record",
    "promised_payment_add", "reminder_cancel", "reminder_complete", "reminders_cancel", "reminders_schedule",
    "retainer_invoices_generate", "loyalty_rule_create", "loyalty_rule_delete", "loyalty_rule_update", "statement_check_size", "statement_import", "MAX_STATEMENT_MB", "vat_rate_for",
    "subcontractor_cost_create", "subcontractor_cost_delete", "subcontractor_cost_update",
    "OUTCOMES", "REFUNDED", "AllocationInput", "MatchLookup", "MatchResult", "Payer", "load_lookup",
    "payment_accept_suggestion", "payment_confirm", "payment_reallocate", "rub",
]
