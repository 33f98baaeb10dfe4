"""Reads: field history (who changed what, when) of tasks and project stages.

Heads and finance only (`can_view_field_history`); the caller has fetched the record through
its scoped lookup (`task_get_for`, `stage_get_for`), so visibility is already checked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.history import HistoryEntry, field_history
from tandem.org.models import User
from tandem.org.permissions import can_view_field_history

from .models import Stage, Task


def _check(actor: User) -> None:
    if not can_view_field_history(actor):
        raise PermissionDenied(_("Историю изменений видят руководители и финансы."))


def task_history(*, actor: User, task: Task) -> list[HistoryEntry]:
    """The task's changes (status, assignee, deadline, brief …), newest first."""
    _check(actor)
    return field_history(task.history.all())


def stage_history(*, actor: User, stage: Stage) -> list[HistoryEntry]:
    """The stage's changes (status, due date, deliverable …), newest first."""
    _check(actor)
    return field_history(stage.history.all())
