"""Tasks: creation, editing and the status workflow with stored transitions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from .. import permissions
from ..models import Project, Task, TaskStatus, TaskTransition
from ._common import apply, require

TS = TaskStatus

# new → in progress → review → changes requested → (in progress | review) … → done; cancel from any open.
TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TS.NEW: frozenset({TS.IN_PROGRESS, TS.CANCELLED}),
    TS.IN_PROGRESS: frozenset({TS.REVIEW, TS.CANCELLED}),
    TS.REVIEW: frozenset({TS.DONE, TS.CHANGES_REQUESTED, TS.CANCELLED}),
    TS.CHANGES_REQUESTED: frozenset({TS.IN_PROGRESS, TS.REVIEW, TS.CANCELLED}),
    TS.DONE: frozenset(),
    TS.CANCELLED: frozenset(),
}
REVIEWER_ONLY = frozenset({TS.DONE, TS.CHANGES_REQUESTED})
TASK_EDITABLE_FIELDS = ("title", "brief", "assignee", "reviewer", "deadline", "estimate_hours", "priority")


def _check_people(task: Task) -> None:
    for name in ("assignee", "reviewer"):
        person: Employee = getattr(task, name)
        if person.agency_id != task.project.agency_id or not person.is_active:
            raise ValidationError({name: _("Сотрудник не найден или не работает.")})


@transaction.atomic
def task_create(*, actor: User, project: Project, data: dict[str, Any]) -> Task:
    """Create a task on a project the actor works on. The reviewer defaults to the project's
    AM (then the client's AM, then the actor). Stored as a first transition "→ new"."""
    require(permissions.can_work_on_project(actor, project))
    data = dict(data)
    me = actor_employee(actor)
    if not data.get("reviewer"):
        data["reviewer"] = project.account_manager or project.client.account_manager or me
    if not data.get("assignee"):
        data["assignee"] = project.specialist or me
    task = Task(project=project, status=TS.NEW, created_by=actor)
    apply(task, data, TASK_EDITABLE_FIELDS)
    _check_people(task)
    task.full_clean()
    task.save()
    TaskTransition.objects.create(task=task, from_status="", to_status=TS.NEW, changed_by=actor,
                                  changed_at=timezone.now())
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, data: dict[str, Any]) -> Task:
    """Edit an open task's fields (not its status): project managers and the reviewer. "Open" is
    checked on the stored row, locked (the copy may predate a move in another request); only the
    edited fields are written, never the status."""
    require(permissions.can_edit_task(actor, task))
    if not task.is_open or not Task.objects.select_for_update().only("status").get(pk=task.pk).is_open:
        raise ValidationError({"status": _("Закрытую задачу менять нельзя.")})
    apply(task, data, TASK_EDITABLE_FIELDS)
    _check_people(task)
    task.full_clean()
    task.save(update_fields=[*TASK_EDITABLE_FIELDS, "updated_at"])
    return task


@transaction.atomic
def task_change_status(*, actor: User, task: Task, to_status: str, comment: str = "") -> Task:
    """Move a task along its workflow; every move is stored with who, when and the comment.

    - only the reviewer moves review → done or → changes requested; sending back for
      changes needs a comment;
    - the assignee (or project managers) start the work and submit it for review;
    - the reviewer or project managers cancel an open task.
    Invalid moves are a ValidationError naming both statuses.
    """
    task = Task.objects.select_for_update().select_related("project", "project__client").get(pk=task.pk)
    me = actor_employee(actor)
    require(me is not None)
    assert me is not None
    if to_status not in TS.values:
        raise ValidationError({"to_status": _("Неизвестный статус задачи.")})
    if to_status not in TASK_TRANSITIONS[task.status]:
        raise ValidationError({"to_status": _("Нельзя перевести задачу из «%(from)s» в «%(to)s».")
                               % {"from": TS(task.status).label, "to": TS(to_status).label}})
    is_manager = permissions.can_manage_project(actor, task.project)
    is_reviewer = task.reviewer_id == me.pk
    if task.status == TS.REVIEW and to_status in REVIEWER_ONLY:
        require(is_reviewer, _("Принять задачу или вернуть её на доработку может только проверяющий."))
        if to_status == TS.CHANGES_REQUESTED and not comment.strip():
            raise ValidationError({"comment": _("Напишите, что нужно доработать.")})
    elif to_status == TS.CANCELLED:
        require(is_reviewer or is_manager, _("Отменить задачу может проверяющий или аккаунт проекта."))
    else:
        require(task.assignee_id == me.pk or is_reviewer or is_manager)
    from_status = task.status
    now = timezone.now()
    task.status = to_status
    task.closed_at = now if to_status in (TS.DONE, TS.CANCELLED) else None
    task.save(update_fields=["status", "closed_at", "updated_at"])
    TaskTransition.objects.create(task=task, from_status=from_status, to_status=to_status, changed_by=actor,
                                  changed_at=now, comment=comment)
    return task
