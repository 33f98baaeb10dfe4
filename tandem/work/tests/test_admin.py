"""The Django admin for the work app: every model's list, add and change pages open for a
superuser, and history rows (stage submissions, task transitions) stay read-only inline."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from tandem.work import models
from tandem.work.services import stage_send, stage_start
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


def test_every_work_model_is_registered():
    assert all(admin.site.is_registered(m) for m in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_add_pages_open(superuser_client, org, model):
    signed_project(org)
    meta = model._meta
    assert superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    assert superuser_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 200


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
