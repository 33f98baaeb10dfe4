from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.core.errors import PermissionDenied
from tandem.work import services
from tandem.work.models import Task, TaskStatus, TaskTransition
from tandem.work.selectors import overdue_task_counts, overdue_tasks
from tandem.work.tests.factories import TaskFactory, signed_project

pytestmark = pytest.mark.django_db


def test_task_reviewer_defaults_to_project_am(org):
    project = signed_project(org)
    task = services.task_create(actor=org.spec1.user, project=project, data={"title": "Собрать семантику"})
    assert (task.assignee, task.reviewer, task.status) == (org.spec1, org.am1, TaskStatus.NEW)
    assert task.transitions.get().to_status == TaskStatus.NEW


def test_full_workflow_with_rework_is_stored(org):
    project = signed_project(org)
    task = TaskFactory(project=project)
    services.task_change_status(actor=org.spec1.user, task=task, to_status="in_progress")
    services.task_change_status(actor=org.spec1.user, task=task, to_status="review")
    services.task_change_status(actor=org.am1.user, task=task, to_status="changes_requested", comment="Нет H1")
    services.task_change_status(actor=org.spec1.user, task=task, to_status="review")
    services.task_change_status(actor=org.am1.user, task=task, to_status="done", comment="Ок")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.closed_at
    history = list(TaskTransition.objects.filter(task=task).order_by("id").values_list("to_status", "comment"))
    assert history[2:] == [("changes_requested", "Нет H1"), ("review", ""), ("done", "Ок")]


@pytest.mark.parametrize("who", ["spec1", "head", "group_head"])
def test_only_reviewer_accepts_or_returns(org, who):
    project = signed_project(org)
    task = TaskFactory(project=project, status=TaskStatus.REVIEW)
    with pytest.raises(PermissionDenied) as exc:
        services.task_change_status(actor=org.by_role_name(who).user, task=task, to_status="done")
    assert "только проверяющий" in exc.value.message
    task.refresh_from_db()
    assert task.status == TaskStatus.REVIEW


def test_changes_requested_needs_comment(org):
    task = TaskFactory(project=signed_project(org), status=TaskStatus.REVIEW)
    with pytest.raises(ValidationError) as exc:
        services.task_change_status(actor=org.am1.user, task=task, to_status="changes_requested")
    assert "comment" in exc.value.message_dict


@pytest.mark.parametrize("start,target", [
    ("new", "done"), ("new", "review"), ("in_progress", "done"), ("done", "in_progress"), ("cancelled", "new"),
])
def test_invalid_transitions_refused_with_message(org, start, target):
    task = TaskFactory(project=signed_project(org), status=start)
    with pytest.raises(ValidationError) as exc:
        services.task_change_status(actor=org.am1.user, task=task, to_status=target, comment="x")
    assert exc.value.message_dict["to_status"][0].startswith("Нельзя перевести задачу из")
    assert Task.objects.get(pk=task.pk).status == start


def test_overdue_tasks_and_counts(org):
    today = timezone.localdate()
    pa = signed_project(org)
    pb = signed_project(org, client=org.client_b)
    late = TaskFactory(project=pa, deadline=today - timedelta(days=1))
    TaskFactory(project=pa, deadline=today - timedelta(days=5), status=TaskStatus.DONE)
    TaskFactory(project=pa, deadline=today)
    late_b = TaskFactory(project=pb, deadline=today - timedelta(days=3), status=TaskStatus.CHANGES_REQUESTED)
    assert list(overdue_tasks(actor=org.head.user, today=today)) == [late_b, late]
    assert list(overdue_tasks(actor=org.am1.user, today=today)) == [late]
    assert list(overdue_tasks(actor=org.spec2.user, today=today)) == [late_b]
    by_group = {c.name: c.count for c in overdue_task_counts(actor=org.head.user, by="group", today=today)}
    assert by_group == {"SEO 1": 1, "SEO 2": 1}
    by_am = {c.key: c.count for c in overdue_task_counts(actor=org.head.user, by="account_manager", today=today)}
    assert by_am == {org.am1.pk: 1, org.am2.pk: 1}
    assert [c.count for c in overdue_task_counts(actor=org.head.user, by="specialist")] == [1, 1]
    assert len(overdue_task_counts(actor=org.head.user, by="client")) == 2


def test_assignee_outside_team_sees_own_task(org):
    project = signed_project(org)
    task = TaskFactory(project=project, assignee=org.spec2)
    from tandem.work.permissions import task_get_for

    assert task_get_for(org.spec2.user, task.pk) == task


def test_a_stale_copy_cannot_edit_a_task_closed_meanwhile(org):
    from tandem.work.models import Task, TaskStatus

    project = signed_project(org)
    task = services.task_create(actor=org.am1.user, project=project, data={"title": "Аудит", "assignee": org.spec1})
    stale = Task.objects.get(pk=task.pk)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.CANCELLED)
    with pytest.raises(ValidationError):
        services.task_update(actor=org.am1.user, task=stale, data={"title": "Аудит сайта"})
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED and task.title == "Аудит"
