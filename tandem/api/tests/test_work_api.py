"""REST API for projects, stages, onboarding, tasks and time (issue #3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.work.models import ClosedMonth, Stage, StageStatus, Task, TaskStatus, TimeEntry
from tandem.work.services import time_entry_create
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}
TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=3)


@pytest.mark.parametrize("role", ROLES)
def test_projects_and_tasks_follow_client_visibility(org, api_client_for, role):
    project = signed_project(org)
    task = TaskFactory(project=project)
    api = api_client_for(org.by_role_name(role))
    projects = {r["id"] for r in api.get("/api/v1/projects/").json()["results"]}
    tasks = {r["id"] for r in api.get("/api/v1/tasks/").json()["results"]}
    assert (project.pk in projects) == (role in SEES_A)
    assert (task.pk in tasks) == (role in SEES_A)
    assert api.get(f"/api/v1/tasks/{task.pk}/").status_code == (200 if role in SEES_A else 404)


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewer_accepts_task(org, api_client_for, role):
    task = TaskFactory(project=signed_project(org), status=TaskStatus.REVIEW)  # reviewer = am1
    response = api_client_for(org.by_role_name(role)).post(
        f"/api/v1/tasks/{task.pk}/transition/", {"to_status": "done", "comment": "Принято"}, format="json")
    task.refresh_from_db()
    if role == "am1":
        assert response.status_code == 200 and task.status == TaskStatus.DONE
        assert response.json()["transitions"][-1]["comment"] == "Принято"
    else:
        assert response.status_code == (403 if role in SEES_A else 404)
        assert task.status == TaskStatus.REVIEW
    if response.status_code == 403:
        assert "только проверяющий" in response.json()["detail"]


def test_invalid_task_transition_400_with_message(org, api_client_for):
    task = TaskFactory(project=signed_project(org))
    r = api_client_for(org.spec1).post(f"/api/v1/tasks/{task.pk}/transition/", {"to_status": "done"},
                                       format="json")
    assert r.status_code == 400
    assert r.json()["to_status"] == ["Нельзя перевести задачу из «Новая» в «Готово»."]
    r = api_client_for(org.spec1).post(f"/api/v1/tasks/{task.pk}/transition/", {"to_status": "flying"},
                                       format="json")
    assert r.status_code == 400
    assert Task.objects.get(pk=task.pk).status == TaskStatus.NEW


def test_changes_requested_needs_comment_400(org, api_client_for):
    task = TaskFactory(project=signed_project(org), status=TaskStatus.REVIEW)
    r = api_client_for(org.am1).post(f"/api/v1/tasks/{task.pk}/transition/", {"to_status": "changes_requested"},
                                     format="json")
    assert r.status_code == 400 and "comment" in r.json()


@pytest.mark.parametrize("role", ROLES)
def test_create_task_permissions(org, api_client_for, role):
    project = signed_project(org)
    r = api_client_for(org.by_role_name(role)).post(
        "/api/v1/tasks/", {"project": project.pk, "title": "Аудит ссылок", "deadline": str(TODAY)}, format="json")
    if role in MANAGES_A | {"spec1"}:
        assert r.status_code == 201, r.json()
        assert r.json()["reviewer"]["id"] == org.am1.pk
    else:
        assert r.status_code == (403 if role in SEES_A else 400)
        assert not Task.objects.exists()


def test_stage_send_and_answer_via_api(org, api_client_for):
    project = signed_project(org)
    api = api_client_for(org.am1)
    stage = api.post(f"/api/v1/projects/{project.pk}/stages/", {"kind": "strategy", "title": "Стратегия"},
                     format="json").json()
    r = api.post(f"/api/v1/stages/{stage['id']}/answer/", {"decision": "approved"}, format="json")
    assert r.status_code == 400 and "Нельзя записать ответ клиента" in r.json()["status"][0]
    assert api.post(f"/api/v1/stages/{stage['id']}/start/").status_code == 200
    r = api.post(f"/api/v1/stages/{stage['id']}/send/", {"deliverable_url": "https://docs.example/s"},
                 format="json")
    assert r.status_code == 200 and r.json()["status"] == "sent"
    waiting = api.get("/api/v1/stages/waiting/").json()["results"]
    assert waiting[0]["id"] == stage["id"] and waiting[0]["days_waiting"] == 0
    assert waiting[0]["is_flagged"] is False
    r = api.post(f"/api/v1/stages/{stage['id']}/answer/", {"decision": "approved", "client_contact": "Иван"},
                 format="json")
    body = r.json()
    assert body["status"] == "approved"
    assert body["submissions"][0]["answer_recorded_by"]["username"] == "am1"
    assert body["submissions"][0]["answer_days"] is not None


@pytest.mark.parametrize("role", ROLES)
def test_stage_send_permissions(org, api_client_for, role):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK, deliverable_url="https://x.example")
    r = api_client_for(org.by_role_name(role)).post(f"/api/v1/stages/{stage.pk}/send/", {}, format="json")
    stage.refresh_from_db()
    if role in MANAGES_A:
        assert r.status_code == 200 and stage.status == StageStatus.SENT
    else:
        assert r.status_code == (403 if role in SEES_A else 404)
        assert stage.status == StageStatus.IN_WORK and not stage.submissions.exists()


def test_time_entry_rules_via_api(org, api_client_for):
    project = signed_project(org)
    api = api_client_for(org.spec1)
    r = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(TODAY), "hours": "1.1"},
                 format="json")
    assert r.status_code == 400 and "0,25" in r.json()["hours"][0]
    r = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(TODAY), "hours": "20"}, format="json")
    assert r.status_code == 201 and r.json()["cost"] == "20000.00"
    r = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(TODAY), "hours": "4.25"},
                 format="json")
    assert r.status_code == 400 and "24" in r.json()["hours"][0]
    assert TimeEntry.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_specialist_edits_only_own_entries(org, api_client_for, role):
    entry = time_entry_create(actor=org.spec1.user, employee=org.spec1, project=signed_project(org), day=TODAY,
                              hours="2")
    r = api_client_for(org.by_role_name(role)).patch(f"/api/v1/time-entries/{entry.pk}/", {"hours": "3"},
                                                     format="json")
    entry.refresh_from_db()
    if role in {"spec1", "head", "admin"}:
        assert r.status_code == 200 and entry.hours == Decimal("3")
    else:
        assert r.status_code == (403 if role in SEES_A else 404)
        assert entry.hours == Decimal("2")


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_closes_months(org, api_client_for, role):
    r = api_client_for(org.by_role_name(role)).post("/api/v1/closed-months/", {"month": str(LAST_MONTH)},
                                                    format="json")
    assert r.status_code == (201 if role == "finance" else 403)
    assert ClosedMonth.objects.exists() == (role == "finance")


def test_closed_month_refuses_entries_via_api(org, api_client_for):
    project = signed_project(org)
    entry = time_entry_create(actor=org.spec1.user, employee=org.spec1, project=project, day=LAST_MONTH, hours="2")
    api_client_for(org.finance).post("/api/v1/closed-months/", {"month": str(LAST_MONTH)}, format="json")
    api = api_client_for(org.spec1)
    r = api.post("/api/v1/time-entries/", {"project": project.pk, "date": str(LAST_MONTH), "hours": "1"},
                 format="json")
    assert r.status_code == 400 and "закрыт" in r.json()["date"][0]
    assert api.delete(f"/api/v1/time-entries/{entry.pk}/").status_code == 400
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_timesheet_cell_and_week(org, api_client_for):
    project = signed_project(org)
    api = api_client_for(org.spec1)
    r = api.put("/api/v1/timesheet/", {"project": project.pk, "date": str(TODAY), "hours": "2,5"}, format="json")
    assert r.status_code == 200 and r.json()["hours"] == "2.5"
    week = api.get(f"/api/v1/timesheet/?week={TODAY}").json()
    assert week["rows"][0]["hours"][TODAY.weekday()] == "2.50"
    r = api_client_for(org.spec1).put("/api/v1/timesheet/", {
        "project": project.pk, "date": str(TODAY), "hours": "1", "employee": org.am1.pk}, format="json")
    assert r.status_code == 403


def test_cost_rates_and_reports(org, api_client_for):
    project = signed_project(org, planned="10")
    r = api_client_for(org.am1).post("/api/v1/cost-rates/", {
        "employee": org.spec1.pk, "valid_from": str(TODAY - timedelta(days=30)), "rate": "1500"}, format="json")
    assert r.status_code == 403
    r = api_client_for(org.finance).post("/api/v1/cost-rates/", {
        "employee": org.spec1.pk, "valid_from": str(TODAY - timedelta(days=30)), "rate": "1500"}, format="json")
    assert r.status_code == 201
    time_entry_create(actor=org.spec1.user, employee=org.spec1, project=project, day=TODAY, hours="4")
    body = api_client_for(org.head).get(f"/api/v1/reports/project-hours/?month={TODAY}").json()
    assert body["count"] == 1
    assert body["results"] == [{"project": project.pk, "name": project.name, "client": org.client_a.pk,
                     "planned_hours": "10.00", "logged_hours": "4.00", "percent": 40, "cost": "6000.00"}]
    assert api_client_for(org.spec1).get(f"/api/v1/reports/project-hours/?month={TODAY}").json()["results"][0]["cost"] is None
    load = api_client_for(org.spec1).get("/api/v1/reports/employee-load/").json()
    assert [(r["name"], r["logged_hours"]) for r in load] == [("spec1", "4.00")]


def test_onboarding_via_api(org, api_client_for):
    signed_project(org)
    api = api_client_for(org.am1)
    data = api.get(f"/api/v1/clients/{org.client_a.pk}/onboarding/").json()
    assert data["total"] == 7
    item = data["items"][0]
    r = api.post(f"/api/v1/onboarding-items/{item['id']}/done/", {"done": True}, format="json")
    assert r.status_code == 200 and r.json()["done_at"]
    assert api_client_for(org.spec2).post(f"/api/v1/onboarding-items/{item['id']}/done/").status_code == 404
    assert api_client_for(org.am2).get(f"/api/v1/clients/{org.client_a.pk}/onboarding/").status_code == 404


def test_overdue_endpoint_and_counts(org, api_client_for):
    project = signed_project(org)
    TaskFactory(project=project, deadline=TODAY - timedelta(days=2))
    api = api_client_for(org.head)
    assert api.get("/api/v1/tasks/overdue/").json()["count"] == 1
    assert api.get("/api/v1/tasks/overdue/counts/?by=group").json() == [{"id": org.seo1.pk, "name": "SEO 1", "count": 1}]
    # the older spelling still answers the same list
    assert api.get("/api/v1/tasks/overdue/?by=group").json() == [{"id": org.seo1.pk, "name": "SEO 1", "count": 1}]
    assert api.get("/api/v1/tasks/overdue/counts/").status_code == 400


def test_list_query_counts_are_bounded(org, api_client_for, django_assert_max_num_queries):
    projects = [signed_project(org) for _ in range(3)]
    for p in projects:
        for i in range(5):
            TaskFactory(project=p, deadline=TODAY - timedelta(days=i))
            time_entry_create(actor=org.spec1.user, employee=org.spec1, project=p,
                              day=TODAY - timedelta(days=i), hours="1")
    api = api_client_for(org.head)
    for url in ("/api/v1/tasks/", "/api/v1/projects/", "/api/v1/time-entries/", "/api/v1/tasks/overdue/",
                "/api/v1/stages/waiting/", f"/api/v1/timesheet/?employee={org.spec1.pk}"):
        with django_assert_max_num_queries(10):
            assert api.get(url).status_code == 200
    assert Stage.objects.count() == 0
