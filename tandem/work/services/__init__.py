"""Writes for projects, stages, onboarding, tasks and time (re-exported from submodules)."""

from .onboarding import (
    onboarding_item_set_done,
    onboarding_item_update,
    onboarding_start,
    onboarding_template_ensure,
    onboarding_template_item_create,
    onboarding_template_item_delete,
    onboarding_template_item_move,
    onboarding_template_item_update,
    onboarding_template_reorder,
    work_settings_update,
)
from .projects import (
    contract_sign,
    contract_transition,
    stage_answer_by_contact,
    stage_attach_file,
    stage_create,
    stage_record_answer,
    stage_send,
    stage_start,
    stage_update,
)
from .retainers import retainer_month_freeze, retainer_months_freeze, retainer_months_freeze_agency
from .rollups import time_rollup_project_moved, time_rollup_rebuild, time_rollup_refresh
from .tasks import TASK_TRANSITIONS, task_change_status, task_create, task_update
from .time import (
    cost_rate_set,
    month_close,
    month_reopen,
    parse_hours,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
    timesheet_cell_set,
)

__all__ = [
    "TASK_TRANSITIONS", "stage_answer_by_contact", "contract_sign", "contract_transition", "cost_rate_set", "month_close", "month_reopen",
    "onboarding_item_set_done", "onboarding_item_update", "onboarding_start", "onboarding_template_ensure",
    "onboarding_template_item_create", "onboarding_template_item_delete",
    "onboarding_template_item_move", "onboarding_template_item_update", "onboarding_template_reorder", "parse_hours", "retainer_month_freeze", "retainer_months_freeze", "retainer_months_freeze_agency", "stage_create",
    "stage_attach_file", "stage_record_answer", "stage_send", "stage_start", "stage_update", "task_change_status", "task_create",
    "task_update", "time_entry_create", "time_entry_delete", "time_entry_update", "timesheet_cell_set",
    "time_rollup_project_moved", "time_rollup_rebuild", "time_rollup_refresh", "work_settings_update",
]
