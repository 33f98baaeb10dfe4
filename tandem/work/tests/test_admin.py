"""The Django admin for the work app: every model's list, add and change pages open for a
superuser, history rows (stage submissions, task transitions) stay read-only inline, and what the
work services keep (statuses, time entry costs, cost-rate history, onboarding progress) is not
written around them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from tandem.testing.admin_forms import admin_url, change_form_data
from tandem.work import models
from tandem.work.services import (
    cost_rate_set,
    month_close,
    stage_send,
    stage_start,
    task_create,
    time_entry_create,
)
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

@pytest.fixture
def superuser_client(client, org):
    user = org.head.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


MODELS = [models.Project, models.Stage, models.Task, models.OnboardingChecklist, models.OnboardingTemplateItem,
          models.WorkSettings, models.TimeEntry, models.EmployeeCostRate, models.ClosedMonth]
# Made only by the services: contract signing opens the checklist, cost_rate_set keeps the history.
NO_ADD = [models.OnboardingChecklist, models.EmployeeCostRate]
TODAY = timezone.localdate()


def test_every_work_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_add_pages_open(superuser_client, org, model):
    signed_project(org)
    meta = model._meta
    assert superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    add = superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    assert add.status_code == (403 if model in NO_ADD else 200)


def test_change_pages_show_history_read_only(superuser_client, org):
    project = signed_project(org)
    stage = StageFactory(project=project, deliverable_url="https://docs.example/a")
    stage_start(actor=org.am1.user, stage=stage)
    stage_send(actor=org.am1.user, stage=stage, note="Смотрите аудит", sent_at=timezone.now())
    task = TaskFactory(project=project)
    for obj in (project, stage, task, project.client.onboarding):
        url = reverse(f"admin:work_{obj._meta.model_name}_change", args=[obj.pk])
        assert superuser_client.get(url).status_code == 200, url
    html = superuser_client.get(reverse("admin:work_stage_change", args=[stage.pk])).content.decode()
    assert "Смотрите аудит" in html and 'name="submissions-0-note"' not in html


@pytest.fixture
def time_logged(org):
    """spec1 logged 2 h today on client_a's project at 1000 ₽/h (rate history since 30 days ago)."""
    project = signed_project(org)
    cost_rate_set(actor=org.finance.user, employee=org.spec1, valid_from=TODAY - timedelta(days=30),
                  rate=Decimal("1000"))
    org.project = project
    org.entry = time_entry_create(actor=org.spec1.user, employee=org.spec1, project=project, day=TODAY,
                                  hours=Decimal("2"))
    return org


def test_change_pages_of_every_model_open(superuser_client, time_logged):
    month_close(actor=time_logged.finance.user, month=TODAY.replace(day=1) - timedelta(days=40))
    task_create(actor=time_logged.am1.user, project=time_logged.project, data={"title": "Бриф"})
    StageFactory(project=time_logged.project)
    models.WorkSettings.objects.create(agency=time_logged.agency)
    for model in MODELS:
        obj = model._default_manager.first()
        assert obj is not None, model
        assert superuser_client.get(admin_url(obj)).status_code == 200, model


def test_task_and_stage_status_are_not_written(superuser_client, org):
    project = signed_project(org)
    task = task_create(actor=org.am1.user, project=project, data={"title": "Бриф"})
    stage = StageFactory(project=project)
    for obj, fields in ((task, {"title": "Бриф 2", "status": "done", "closed_at_0": "01.02.2026",
                                "closed_at_1": "10:00:00"}),
                        (stage, {"title": "Аудит 2", "status": "approved", "approved_at_0": "01.02.2026",
                                 "approved_at_1": "10:00:00"})):
        data = change_form_data(superuser_client, admin_url(obj))
        assert "status" not in data
        data.update(fields)

        response = superuser_client.post(admin_url(obj), data)

        assert response.status_code == 302, obj
        obj.refresh_from_db()
        assert obj.title.endswith(" 2")
    assert (task.status, task.closed_at) == ("new", None)
    assert (stage.status, stage.approved_at) == ("planned", None)
    assert task.transitions.count() == 1 and not stage.submissions.exists()


def test_task_created_here_is_new_with_its_first_transition(superuser_client, org):
    project = signed_project(org)
    data = change_form_data(superuser_client, admin_url(models.Task, "add"))
    data.update(project=str(project.pk), title="Из админки", assignee=str(org.spec1.pk), reviewer=str(org.am1.pk),
                priority="2", created_by=str(org.head.user.pk), status="done")

    response = superuser_client.post(admin_url(models.Task, "add"), data)

    assert response.status_code == 302
    task = models.Task.objects.get(title="Из админки")
    assert task.status == "new"
    transition = task.transitions.get()
    assert (transition.from_status, transition.to_status, transition.changed_by) == ("", "new", org.head.user)


def test_time_entry_cost_is_recomputed_not_written(superuser_client, time_logged):
    entry = time_logged.entry
    assert (entry.cost_rate, entry.cost) == (Decimal("1000"), Decimal("2000"))
    data = change_form_data(superuser_client, admin_url(entry))
    assert "cost" not in data and "cost_rate" not in data
    data.update(hours="3.5", cost="1.00", cost_rate="1.00")

    response = superuser_client.post(admin_url(entry), data)

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.hours, entry.cost_rate, entry.cost) == (Decimal("3.5"), Decimal("1000"), Decimal("3500"))


def test_time_entry_added_here_is_costed(superuser_client, time_logged):
    data = change_form_data(superuser_client, admin_url(models.TimeEntry, "add"))
    data.update(employee=str(time_logged.spec1.pk), project=str(time_logged.project.pk),
                date=(TODAY - timedelta(days=1)).strftime("%d.%m.%Y"), hours="1.25", cost="0")

    response = superuser_client.post(admin_url(models.TimeEntry, "add"), data)

    assert response.status_code == 302
    entry = models.TimeEntry.objects.exclude(pk=time_logged.entry.pk).get()
    assert (entry.cost_rate, entry.cost) == (Decimal("1000"), Decimal("1250"))


@pytest.mark.parametrize(("hours", "message"), [
    ("0.3", "Время вносится с шагом 0,25 ч (15 минут)."),
    ("23", "За {day} уже внесено 2 ч — вместе с этим будет больше 24 ч за день."),
])
def test_time_entry_rules_of_the_service_apply(superuser_client, time_logged, hours, message):
    data = change_form_data(superuser_client, admin_url(models.TimeEntry, "add"))
    data.update(employee=str(time_logged.spec1.pk), project=str(time_logged.project.pk),
                date=TODAY.strftime("%d.%m.%Y"), hours=hours)

    response = superuser_client.post(admin_url(models.TimeEntry, "add"), data)

    assert response.context["adminform"].form.errors["hours"] == [message.format(day=TODAY.strftime("%d.%m.%Y"))]
    assert models.TimeEntry.objects.count() == 1


def test_time_entry_of_a_closed_month_is_not_changed_moved_in_or_deleted(superuser_client, time_logged):
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    old = time_entry_create(actor=time_logged.spec1.user, employee=time_logged.spec1, project=time_logged.project,
                            day=last_month, hours=Decimal("1"))
    month_close(actor=time_logged.finance.user, month=last_month)
    closed_error = f"Месяц {last_month:%m.%Y} закрыт финансами: время в нём менять нельзя."

    changed = change_form_data(superuser_client, admin_url(old))
    changed["hours"] = "5"
    moved_in = change_form_data(superuser_client, admin_url(time_logged.entry))
    moved_in["date"] = last_month.strftime("%d.%m.%Y")
    responses = [superuser_client.post(admin_url(old), changed),
                 superuser_client.post(admin_url(time_logged.entry), moved_in)]
    deleted = superuser_client.post(admin_url(old, "delete"), {"post": "yes"})

    assert [r.context["adminform"].form.errors["date"] for r in responses] == [[closed_error], [closed_error]]
    assert deleted.status_code == 403
    old.refresh_from_db()
    time_logged.entry.refresh_from_db()
    assert old.hours == Decimal("1") and time_logged.entry.date == TODAY


def test_cost_rate_history_is_not_added_or_changed_here(superuser_client, time_logged):
    rate = models.EmployeeCostRate.objects.get()

    add = superuser_client.post(admin_url(models.EmployeeCostRate, "add"), {
        "employee": time_logged.spec1.pk, "valid_from": TODAY.strftime("%d.%m.%Y"), "rate": "5000"})
    change = superuser_client.post(admin_url(rate), {"employee": time_logged.spec1.pk, "rate": "5000",
                                                     "valid_from": rate.valid_from.strftime("%d.%m.%Y")})
    delete = superuser_client.post(admin_url(rate, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(models.EmployeeCostRate.objects.values_list("rate", flat=True)) == [Decimal("1000")]
    time_logged.entry.refresh_from_db()
    assert time_logged.entry.cost == Decimal("2000")


def test_a_cost_rate_no_entry_used_yet_can_be_deleted(superuser_client, time_logged):
    future = cost_rate_set(actor=time_logged.finance.user, employee=time_logged.spec1,
                           valid_from=TODAY + timedelta(days=10), rate=Decimal("1200"))

    response = superuser_client.post(admin_url(future, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not models.EmployeeCostRate.objects.filter(pk=future.pk).exists()


def test_onboarding_progress_is_not_written(superuser_client, org):
    checklist = signed_project(org).client.onboarding
    data = change_form_data(superuser_client, admin_url(checklist))
    assert "completed_at_0" not in data and "items-0-done_at_0" not in data
    assert data["items-TOTAL_FORMS"] == data["items-INITIAL_FORMS"] == str(checklist.items.count())
    data.update({"completed_at_0": "01.02.2026", "completed_at_1": "10:00:00", "items-0-title": "Kick-off",
                 "items-0-done_at_0": "01.02.2026", "items-0-done_at_1": "10:00:00", "items-0-DELETE": "on",
                 "items-TOTAL_FORMS": str(checklist.items.count() + 1)})
    items = checklist.items.count()

    response = superuser_client.post(admin_url(checklist), data)

    assert response.status_code == 302
    checklist.refresh_from_db()
    assert checklist.completed_at is None and checklist.items.count() == items
    first = checklist.items.order_by("position", "id").first()
    assert first.title == "Kick-off" and first.done_at is None
