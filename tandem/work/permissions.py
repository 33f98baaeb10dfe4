"""Who sees and changes projects, stages, onboarding, tasks and time.

- Everything hangs off a client: it is visible exactly when the client is
  (tandem.clients.permissions). Tasks are also visible to their assignee and reviewer, and
  time entries to the employee who logged them.
- Projects and stages are run by the people who steer the client (its AM, the group head,
  the head of accounts, admins) and by the project's AM.
- A specialist of the project (or of the client team) works on it: creates and moves tasks,
  starts stages, logs time.
- A specialist edits only their own time entries; heads of accounts and admins fix anyone's.
- Finance closes months; finance, heads of accounts and admins keep the cost-rate history.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tandem.clients.models import Client, TeamMember
from tandem.clients.permissions import can_change_lifecycle, clients_visible_to
from tandem.core.errors import NotFound
from tandem.core.lookups import InIds
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import ALL_CLIENTS_ROLES, Role

from .models import OnboardingItem, OnboardingTemplateItem, Project, Stage, Task, TimeEntry

TIME_ADMIN_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN})
COST_RATE_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN, Role.FINANCE})


def projects_visible_to(actor: User) -> QuerySet[Project]:
    """Projects of clients the actor sees (by the project's client_id index: tandem.core.lookups)."""
    return Project.objects.filter(InIds("client_id", clients_visible_to(actor).values("id")))


def project_get_for(actor: User, project_id: int | str) -> Project:
    try:
        return projects_visible_to(actor).select_related(
            "client", "account_manager", "specialist", "contract_line", "contract_line__contract",
            "contract_line__service",
        ).get(pk=project_id)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def stage_get_for(actor: User, stage_id: int | str) -> Stage:
    try:
        return Stage.objects.select_related("project", "project__client").get(
            pk=stage_id, project__in=projects_visible_to(actor)
        )
    except (Stage.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def tasks_visible_to(actor: User) -> QuerySet[Task]:
    """Tasks of visible clients, plus tasks the actor is assignee or reviewer of."""
    employee = actor_employee(actor)
    if employee is None:
        return Task.objects.none()
    agency_tasks = Task.objects.filter(project__agency_id=employee.agency_id)
    if employee.role in ALL_CLIENTS_ROLES:
        # Without the OR the planner can walk the list's (deadline, priority, id) index and stop at
        # a page instead of joining and sorting every task of the agency (issue 16).
        return agency_tasks
    # Visible projects as a subquery on the task's own project_id (not a join to the client), as
    # `= ANY(ARRAY(…))` on PostgreSQL: the OR is then a BitmapOr of the project, assignee and
    # reviewer indexes instead of a filter over every task of the agency (issue 16).
    project_ids = projects_visible_to(actor).values("id")
    return agency_tasks.filter(Q(InIds("project_id", project_ids)) | Q(assignee=employee) | Q(reviewer=employee))


def task_get_for(actor: User, task_id: int | str) -> Task:
    try:
        return tasks_visible_to(actor).select_related(
            "project", "project__client", "assignee", "reviewer"
        ).get(pk=task_id)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def time_entries_visible_to(actor: User) -> QuerySet[TimeEntry]:
    """Entries on visible projects plus the actor's own."""
    employee = actor_employee(actor)
    if employee is None:
        return TimeEntry.objects.none()
    agency_entries = TimeEntry.objects.filter(project__agency_id=employee.agency_id)
    if employee.role in ALL_CLIENTS_ROLES:
        return agency_entries
    # The visible projects as `= ANY(ARRAY(subquery))` (tandem.core.lookups.InIds): with a plain
    # `IN (subquery)` inside the OR, PostgreSQL cannot use the (project, date) and (employee, date)
    # indexes and reads every entry of every year (2,000,000 at agency scale: 0.5 s to count an
    # AM's 38,000). Before InIds this was a separate query for the list of ids.
    project_ids = projects_visible_to(actor).values("id")
    return agency_entries.filter(Q(InIds("project_id", project_ids)) | Q(employee=employee))


def time_entry_get_for(actor: User, entry_id: int | str) -> TimeEntry:
    try:
        return time_entries_visible_to(actor).select_related("employee", "project", "task").get(pk=entry_id)
    except (TimeEntry.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def onboarding_item_get_for(actor: User, item_id: int | str) -> OnboardingItem:
    try:
        return OnboardingItem.objects.select_related("checklist", "checklist__client", "owner").get(
            pk=item_id, checklist__client__in=clients_visible_to(actor)
        )
    except (OnboardingItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_manage_client_work(actor: User, client: Client) -> bool:
    """The client's AM, its group head, heads of accounts and admins."""
    return can_change_lifecycle(actor, client)


def can_manage_project(actor: User, project: Project) -> bool:
    """Run the project (stages, sending to the client, recording answers): those who steer
    the client, plus the project's own AM."""
    employee = actor_employee(actor)
    if employee is None or employee.agency_id != project.agency_id:
        return False
    if project.account_manager_id == employee.pk and employee.role != Role.FINANCE:
        return True
    return can_manage_client_work(actor, project.client)


def is_on_project(employee: Employee, project: Project) -> bool:
    return project.specialist_id == employee.pk or project.account_manager_id == employee.pk or (
        TeamMember.objects.filter(client_id=project.client_id, employee=employee).exists()
    )


def can_work_on_project(actor: User, project: Project) -> bool:
    """Create tasks and start stages: project managers plus the project's specialist and the
    client team."""
    if can_manage_project(actor, project):
        return True
    employee = actor_employee(actor)
    return employee is not None and employee.agency_id == project.agency_id and is_on_project(employee, project)


def can_log_time(actor: User, employee: Employee, project: Project) -> bool:
    """Anyone logs their own time on a project they can see; heads of accounts and admins
    log and fix anyone's time in their agency."""
    me = actor_employee(actor)
    if me is None or me.agency_id != project.agency_id or employee.agency_id != me.agency_id:
        return False
    if me.role in TIME_ADMIN_ROLES:
        return True
    return employee.pk == me.pk and projects_visible_to(actor).filter(pk=project.pk).exists()


def can_edit_time_entry(actor: User, entry: TimeEntry) -> bool:
    """Own entries only; heads of accounts and admins may fix anyone's."""
    me = actor_employee(actor)
    if me is None or me.agency_id != entry.employee.agency_id:
        return False
    return entry.employee_id == me.pk or me.role in TIME_ADMIN_ROLES


def can_close_months(actor: User) -> bool:
    """Finance closes (and reopens) months for time tracking."""
    me = actor_employee(actor)
    return me is not None and me.role == Role.FINANCE


def can_set_cost_rates(actor: User) -> bool:
    """Finance, heads of accounts and admins keep the employees' cost-rate history."""
    me = actor_employee(actor)
    return me is not None and me.role in COST_RATE_ROLES


def can_view_cost(actor: User) -> bool:
    """Money (cost of time) is shown to finance, heads, admins and group heads."""
    me = actor_employee(actor)
    return me is not None and me.role in COST_RATE_ROLES | {Role.GROUP_HEAD}


def can_edit_work_settings(actor: User) -> bool:
    """The onboarding template and the stage-wait threshold: heads of accounts and admins."""
    me = actor_employee(actor)
    return me is not None and me.role in TIME_ADMIN_ROLES


def can_complete_onboarding_item(actor: User, item: OnboardingItem) -> bool:
    """The item's owner or whoever steers the client."""
    me = actor_employee(actor)
    if me is None:
        return False
    return item.owner_id == me.pk or can_manage_client_work(actor, item.checklist.client)


def onboarding_template_item_get_for(actor: User, item_id: int | str) -> OnboardingTemplateItem:
    """An item of the actor's agency onboarding template; other agencies' items are NotFound."""
    me = actor_employee(actor)
    try:
        if me is None:
            raise OnboardingTemplateItem.DoesNotExist
        return OnboardingTemplateItem.objects.get(pk=item_id, agency_id=me.agency_id)
    except (OnboardingTemplateItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_edit_task(actor: User, task: Task) -> bool:
    """Edit a task's fields (title, brief, people, deadline, estimate, priority): those who run
    the project and the task's reviewer."""
    me = actor_employee(actor)
    if me is None or me.agency_id != task.project.agency_id:
        return False
    return task.reviewer_id == me.pk or can_manage_project(actor, task.project)


def can_edit_stage(actor: User, stage: Stage) -> bool:
    """Edit a stage's title, due date and deliverable (link or file): whoever works on the
    project — its managers, its specialist and the client team (they produce the deliverable)."""
    return can_work_on_project(actor, stage.project)
