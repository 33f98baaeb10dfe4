"""Web pages for projects, stages, tasks, onboarding and time (issue #3)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.work.models import ClosedMonth, StageStatus, TaskStatus, TimeEntry
from tandem.work.services import time_entry_create
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
TODAY = timezone.localdate()


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_visibility(org, web_client_for, role):
    project = signed_project(org)
    task = TaskFactory(project=project)
    web = web_client_for(org.by_role_name(role))
    for name in ("web:task_list", "web:timesheet", "web:hours_report", "web:closed_months"):
        assert web.get(reverse(name)).status_code == 200
    expected = 200 if role in SEES_A else 404
    assert web.get(reverse("web:project_detail", args=[project.pk])).status_code == expected
    assert web.get(reverse("web:task_detail", args=[task.pk])).status_code == expected
    assert web.get(reverse("web:client_work_panel", args=[org.client_a.pk]), HTTP_HX_REQUEST="true"
                   ).status_code == expected


def test_client_panel_partial_shows_contracts_projects_tasks(org, web_client_for):
    project = signed_project(org)
    TaskFactory(project=project, title="Собрать ядро", deadline=TODAY - timedelta(days=1))
    html = web_client_for(org.am1).get(reverse("web:client_work_panel", args=[org.client_a.pk]),
                                       HTTP_HX_REQUEST="true").content.decode()
    assert project.contract_line.contract.number in html and project.name_without_client in html  # client once
    assert "Собрать ядро" in html and "просрочена" in html and "Онбординг" in html
    assert "<html" not in html


def test_timesheet_cell_saves_and_shows_errors_in_place(org, web_client_for):
    project = signed_project(org)
    web = web_client_for(org.spec1)
    url = reverse("web:timesheet_cell")
    r = web.post(url, {"project": project.pk, "date": str(TODAY), "hours": "7,5"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'value="7,5"' in r.content.decode()
    assert f'id="day-total-{TODAY.weekday()}"' in r.content.decode()
    r = web.post(url, {"project": project.pk, "date": str(TODAY), "hours": "30"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "has-error" in body and "24" in body and 'value="30"' in body
    assert TimeEntry.objects.get().hours == Decimal("7.5")


def test_timesheet_cell_in_closed_month_refused(org, web_client_for):
    project = signed_project(org)
    last = TODAY.replace(day=1) - timedelta(days=1)
    ClosedMonth.objects.create(agency=org.agency, month=last.replace(day=1), closed_by=org.finance.user,
                               closed_at=timezone.now())
    r = web_client_for(org.spec1).post(reverse("web:timesheet_cell"),
                                       {"project": project.pk, "date": str(last), "hours": "1"},
                                       HTTP_HX_REQUEST="true")
    assert "закрыт" in r.content.decode()
    assert not TimeEntry.objects.exists()


def test_specialist_cannot_open_someone_elses_timesheet(org, web_client_for):
    assert web_client_for(org.spec1).get(reverse("web:timesheet") + f"?employee={org.am1.pk}").status_code == 404
    assert web_client_for(org.head).get(reverse("web:timesheet") + f"?employee={org.spec1.pk}").status_code == 200


def test_only_reviewer_can_accept_on_the_page(org, web_client_for):
    task = TaskFactory(project=signed_project(org), status=TaskStatus.REVIEW)
    url = reverse("web:task_detail", args=[task.pk])
    r = web_client_for(org.spec1).post(url, {"to_status": "done"})
    assert r.status_code == 403 and "только проверяющий" in r.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.REVIEW
    r = web_client_for(org.am1).post(url, {"to_status": "changes_requested"})
    assert r.status_code == 400 and "доработать" in r.content.decode()
    r = web_client_for(org.am1).post(url, {"to_status": "changes_requested", "comment": "Поправьте title"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CHANGES_REQUESTED


def test_stage_actions_via_htmx(org, web_client_for):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK)
    web = web_client_for(org.am1)
    url = reverse("web:stage_action", args=[stage.pk, "send"])
    r = web.post(url, {}, HTTP_HX_REQUEST="true")
    assert "Приложите файл или ссылку" in r.content.decode()
    r = web.post(url, {f"s{stage.pk}-deliverable_url": "https://docs.example/audit"}, HTTP_HX_REQUEST="true")
    assert 'data-status="sent"' in r.content.decode()
    r = web.post(reverse("web:stage_action", args=[stage.pk, "answer"]),
                 {f"a{stage.pk}-decision": "approved"}, HTTP_HX_REQUEST="true")
    assert 'data-status="approved"' in r.content.decode()
    assert web_client_for(org.spec1).post(url, {}, HTTP_HX_REQUEST="true").status_code == 200  # error in place
    stage.refresh_from_db()
    assert stage.status == StageStatus.APPROVED and stage.submissions.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_closing_months_on_the_page(org, web_client_for, role):
    month = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    r = web_client_for(org.by_role_name(role)).post(reverse("web:closed_months"), {"month": month,
                                                                                   "action": "close"})
    assert r.status_code == (302 if role == "finance" else 403)
    assert ClosedMonth.objects.exists() == (role == "finance")


def test_onboarding_toggle(org, web_client_for):
    signed_project(org)
    from tandem.work.selectors import client_onboarding

    item = client_onboarding(client=org.client_a).items[0]
    r = web_client_for(org.am1).post(reverse("web:onboarding_toggle", args=[item.pk]), {"done": "1"},
                                     HTTP_HX_REQUEST="true")
    assert "☑" in r.content.decode()
    assert web_client_for(org.am2).post(reverse("web:onboarding_toggle", args=[item.pk]),
                                        {"done": "0"}).status_code == 404


def test_list_pages_query_counts_bounded(org, web_client_for, django_assert_max_num_queries):
    projects = [signed_project(org) for _ in range(3)]
    for p in projects:
        StageFactory(project=p, status=StageStatus.SENT, sent_at=timezone.now() - timedelta(days=9))
        for i in range(6):
            TaskFactory(project=p, deadline=TODAY - timedelta(days=i))
            time_entry_create(actor=org.spec1.user, employee=org.spec1, project=p, day=TODAY - timedelta(days=i),
                              hours="1")
    web = web_client_for(org.head)
    pages = [reverse("web:task_list") + "?scope=all", reverse("web:hours_report"),
             reverse("web:timesheet") + f"?employee={org.spec1.pk}",
             reverse("web:project_detail", args=[projects[0].pk]),
             reverse("web:client_work_panel", args=[org.client_a.pk])]
    for url in pages:
        with django_assert_max_num_queries(25):
            assert web.get(url).status_code == 200


def test_hours_report_pages_projects(org, web_client_for, monkeypatch, django_assert_max_num_queries):
    from tandem.web.work import views as work_views

    monkeypatch.setattr(work_views, "HOURS_PAGE_SIZE", 2)
    projects = [signed_project(org) for _ in range(3)]
    for p in projects:
        time_entry_create(actor=org.spec1.user, employee=org.spec1, project=p, day=TODAY, hours="1")
    web = web_client_for(org.head)
    with django_assert_max_num_queries(12):
        first = web.get(reverse("web:hours_report"))
    second = web.get(reverse("web:hours_report") + "?page=2")
    shown = [r.project for r in first.context["projects"]] + [r.project for r in second.context["projects"]]
    assert len(first.context["projects"]) == 2 and len(second.context["projects"]) == 1
    assert set(shown) == set(projects)
    assert "По проектам <span class=\"muted\">(3)</span>" in first.content.decode() and "page=2" in first.content.decode()
