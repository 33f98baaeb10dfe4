"""REST API for the parts of issue #3 added later: stage deliverable files (multipart upload,
download checked against visibility), task edits with a Markdown brief, the onboarding template
(edit, remove, reorder) and the work settings."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.work.models import OnboardingTemplateItem, Stage, StageStatus, Task, WorkSettings
from tandem.work.services import onboarding_template_ensure
from tandem.work.services import projects as stage_services
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}
WORKS_ON_A = MANAGES_A | {"spec1"}
SETTINGS_ROLES = {"head", "admin"}


def _pdf(name: str = "audit.pdf", body: bytes = b"%PDF-1.4 audit") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


# ------------------------------------------------------------------ stage files


@pytest.mark.parametrize("role", ROLES)
def test_upload_stage_file_permissions(org, api_client_for, role):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK)
    r = api_client_for(org.by_role_name(role)).post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf()},
                                                    format="multipart")
    stage.refresh_from_db()
    if role in WORKS_ON_A:
        assert r.status_code == 200, r.json()
        assert r.json()["deliverable_file_name"] == "audit.pdf"
        assert r.json()["deliverable_file_url"] == f"/api/v1/stages/{stage.pk}/file/"
        assert stage.deliverable_file.read() == b"%PDF-1.4 audit"
    else:
        assert r.status_code == (403 if role in SEES_A else 404)
        assert not stage.deliverable_file


@pytest.mark.parametrize("role", ROLES)
def test_download_stage_file_follows_visibility(org, api_client_for, role):
    stage = StageFactory(project=signed_project(org))
    stage.deliverable_file.save("strategy.pdf", ContentFile(b"secret plan"))
    r = api_client_for(org.by_role_name(role)).get(f"/api/v1/stages/{stage.pk}/file/")
    if role in SEES_A:
        assert r.status_code == 200
        assert b"".join(r.streaming_content) == b"secret plan"
        assert r["Content-Disposition"].startswith("attachment") and "strategy.pdf" in r["Content-Disposition"]
    else:
        assert r.status_code == 404


def test_stage_file_stored_under_a_private_folder(org, api_client_for):
    stage = StageFactory(project=signed_project(org))
    api_client_for(org.am1).post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf()}, format="multipart")
    name = Stage.objects.get(pk=stage.pk).deliverable_file.name
    folder = name.split("/")[1]
    assert name.startswith("stages/") and name.endswith("/audit.pdf") and len(folder) == 32


def test_download_without_file_is_404(org, api_client_for):
    stage = StageFactory(project=signed_project(org))
    assert api_client_for(org.am1).get(f"/api/v1/stages/{stage.pk}/file/").status_code == 404


def test_too_large_file_is_400_with_field_message(org, api_client_for, monkeypatch):
    monkeypatch.setattr(stage_services, "MAX_DELIVERABLE_BYTES", 10)
    stage = StageFactory(project=signed_project(org))
    r = api_client_for(org.am1).post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf()}, format="multipart")
    assert r.status_code == 400
    assert "25 МБ" in r.json()["deliverable_file"][0]
    stage.refresh_from_db()
    assert not stage.deliverable_file


def test_missing_file_part_is_400(org, api_client_for):
    stage = StageFactory(project=signed_project(org))
    r = api_client_for(org.am1).post(f"/api/v1/stages/{stage.pk}/file/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()


def test_approved_stage_file_cannot_change(org, api_client_for):
    stage = StageFactory(project=signed_project(org), status=StageStatus.APPROVED)
    r = api_client_for(org.am1).post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf()}, format="multipart")
    assert r.status_code == 400 and "status" in r.json()
    stage.refresh_from_db()
    assert not stage.deliverable_file


def test_replacing_and_removing_the_file_deletes_the_old_one(org, api_client_for,
                                                            django_capture_on_commit_callbacks):
    stage = StageFactory(project=signed_project(org))
    api = api_client_for(org.am1)
    api.post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf("v1.pdf")}, format="multipart")
    first = Stage.objects.get(pk=stage.pk).deliverable_file
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf("v2.pdf")}, format="multipart")
    second = Stage.objects.get(pk=stage.pk).deliverable_file
    assert not first.storage.exists(first.name) and second.storage.exists(second.name)
    with django_capture_on_commit_callbacks(execute=True):
        r = api.delete(f"/api/v1/stages/{stage.pk}/file/")
    assert r.status_code == 200 and r.json()["deliverable_file_name"] is None
    assert not second.storage.exists(second.name)


@pytest.mark.parametrize("role", ["finance", "am2"])
def test_remove_file_denied_changes_nothing(org, api_client_for, role):
    stage = StageFactory(project=signed_project(org))
    stage.deliverable_file.save("keep.pdf", ContentFile(b"x"))
    r = api_client_for(org.by_role_name(role)).delete(f"/api/v1/stages/{stage.pk}/file/")
    assert r.status_code == (403 if role in SEES_A else 404)
    assert Stage.objects.get(pk=stage.pk).deliverable_file.name == stage.deliverable_file.name


def test_stage_with_only_a_file_can_be_sent(org, api_client_for):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK)
    api = api_client_for(org.am1)
    r = api.post(f"/api/v1/stages/{stage.pk}/send/", {}, format="json")
    assert r.status_code == 400 and "deliverable_url" in r.json()
    api.post(f"/api/v1/stages/{stage.pk}/file/", {"file": _pdf()}, format="multipart")
    r = api.post(f"/api/v1/stages/{stage.pk}/send/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "sent"


# ------------------------------------------------------------------ tasks: Markdown brief


@pytest.mark.parametrize("role", ROLES)
def test_edit_task_permissions(org, api_client_for, role):
    task = TaskFactory(project=signed_project(org), title="Старое")  # reviewer = am1
    r = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/tasks/{task.pk}/", {"title": "Новое", "brief": "**Сделать** аудит"}, format="json")
    task.refresh_from_db()
    if role in MANAGES_A:
        assert r.status_code == 200 and task.title == "Новое" and task.brief == "**Сделать** аудит"
    else:
        assert r.status_code == (403 if role in SEES_A else 404)
        assert task.title == "Старое" and task.brief == ""


def test_edit_task_bad_input_400_with_fields(org, api_client_for):
    task = TaskFactory(project=signed_project(org))
    r = api_client_for(org.am1).patch(f"/api/v1/tasks/{task.pk}/", {"estimate_hours": "-1", "priority": 9,
                                                                    "assignee": org.outsider.pk}, format="json")
    assert r.status_code == 400 and {"estimate_hours", "priority", "assignee"} <= set(r.json())
    assert Task.objects.get(pk=task.pk).estimate_hours is None


# ------------------------------------------------------------------ onboarding template


def _template(org) -> list[OnboardingTemplateItem]:
    return onboarding_template_ensure(agency=org.agency)


def _order(org) -> list[int]:
    return list(OnboardingTemplateItem.objects.filter(agency=org.agency).order_by("position", "id")
                .values_list("pk", flat=True))


@pytest.mark.parametrize("role", ROLES)
def test_edit_template_item_permissions(org, api_client_for, role):
    item = _template(org)[0]
    r = api_client_for(org.by_role_name(role)).patch(
        f"/api/v1/onboarding-template/{item.pk}/", {"title": "Kick-off", "due_in_days": 2, "owner_role": "specialist"},
        format="json")
    item.refresh_from_db()
    if role in SETTINGS_ROLES:
        assert r.status_code == 200 and (item.title, item.due_in_days, item.owner_role) == ("Kick-off", 2,
                                                                                             "specialist")
    else:
        assert r.status_code == (404 if role == "outsider" else 403)
        assert item.title.startswith("Установочная") and item.due_in_days == 3


@pytest.mark.parametrize("role", ROLES)
def test_delete_template_item_permissions(org, api_client_for, role):
    item = _template(org)[-1]
    r = api_client_for(org.by_role_name(role)).delete(f"/api/v1/onboarding-template/{item.pk}/")
    exists = OnboardingTemplateItem.objects.filter(pk=item.pk).exists()
    if role in SETTINGS_ROLES:
        assert r.status_code == 204 and not exists
    else:
        assert r.status_code == (404 if role == "outsider" else 403) and exists


@pytest.mark.parametrize("role", ROLES)
def test_reorder_template_permissions(org, api_client_for, role):
    items = _template(org)
    before = _order(org)
    new = [i.pk for i in reversed(items)]
    r = api_client_for(org.by_role_name(role)).post("/api/v1/onboarding-template/reorder/", {"items": new},
                                                    format="json")
    if role in SETTINGS_ROLES:
        assert r.status_code == 200 and [row["id"] for row in r.json()] == new and _order(org) == new
    else:
        # the outsider heads another agency: these ids are not its template
        assert r.status_code == (400 if role == "outsider" else 403)
        assert _order(org) == before


def test_reorder_must_name_every_item_once(org, api_client_for):
    ids = [i.pk for i in _template(org)]
    api = api_client_for(org.head)
    for bad in (ids[:-1], [*ids, ids[0]], [*ids[:-1], 999999]):
        r = api.post("/api/v1/onboarding-template/reorder/", {"items": bad}, format="json")
        assert r.status_code == 400 and "items" in r.json()
    assert _order(org) == ids


def test_template_item_bad_values_400(org, api_client_for):
    item = _template(org)[0]
    r = api_client_for(org.head).patch(f"/api/v1/onboarding-template/{item.pk}/",
                                       {"title": "", "due_in_days": -1, "owner_role": "boss"}, format="json")
    assert r.status_code == 400 and {"title", "due_in_days", "owner_role"} <= set(r.json())


def test_new_template_item_goes_last(org, api_client_for):
    _template(org)
    r = api_client_for(org.head).post("/api/v1/onboarding-template/", {"title": "Доступы к аналитике"},
                                      format="json")
    assert r.status_code == 201 and _order(org)[-1] == r.json()["id"]


# ------------------------------------------------------------------ work settings


@pytest.mark.parametrize("role", ROLES)
def test_work_settings_permissions(org, api_client_for, role):
    api = api_client_for(org.by_role_name(role))
    assert api.get("/api/v1/work-settings/").json() == {"stage_wait_flag_days": 5, "onboarding_badge_days": 60}
    r = api.patch("/api/v1/work-settings/", {"stage_wait_flag_days": 3}, format="json")
    mine = WorkSettings.objects.filter(agency=org.agency).first()
    if role in SETTINGS_ROLES:
        assert r.status_code == 200 and r.json()["stage_wait_flag_days"] == 3
        assert mine is not None and mine.stage_wait_flag_days == 3
    else:
        # the outsider changes only its own agency's settings
        assert r.status_code == (200 if role == "outsider" else 403)
        assert mine is None


def test_work_settings_out_of_range_400(org, api_client_for):
    r = api_client_for(org.head).patch("/api/v1/work-settings/",
                                       {"stage_wait_flag_days": 0, "onboarding_badge_days": 400}, format="json")
    assert r.status_code == 400 and {"stage_wait_flag_days", "onboarding_badge_days"} <= set(r.json())
    assert not WorkSettings.objects.exists()
