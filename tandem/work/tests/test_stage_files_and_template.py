"""Services added for stage deliverable files, task/stage edit predicates and the editable
onboarding template (delete, reorder, move)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.core.errors import NotFound, PermissionDenied
from tandem.work import permissions
from tandem.work.models import OnboardingTemplateItem, StageStatus
from tandem.work.services import (
    onboarding_template_ensure,
    onboarding_template_item_create,
    onboarding_template_item_delete,
    onboarding_template_item_move,
    onboarding_template_reorder,
    stage_attach_file,
)
from tandem.work.services.projects import MAX_DELIVERABLE_BYTES
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]


def test_file_over_25_mb_refused_and_exactly_25_mb_accepted(org):
    stage = StageFactory(project=signed_project(org))
    big = SimpleUploadedFile("big.zip", b"x")
    big.size = MAX_DELIVERABLE_BYTES + 1
    with pytest.raises(ValidationError) as exc:
        stage_attach_file(actor=org.am1.user, stage=stage, upload=big)
    assert "25 МБ" in exc.value.message_dict["deliverable_file"][0]
    stage.refresh_from_db()
    assert not stage.deliverable_file
    ok = SimpleUploadedFile("ok.zip", b"y")
    ok.size = MAX_DELIVERABLE_BYTES
    assert stage_attach_file(actor=org.am1.user, stage=stage, upload=ok).deliverable_file.name.endswith("/ok.zip")


@pytest.mark.parametrize("role", ROLES)
def test_attach_file_rule(org, role):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK)
    actor = org.by_role_name(role).user
    allowed = role in {"head", "admin", "group_head", "am1", "spec1"}
    assert permissions.can_edit_stage(actor, stage) == allowed
    if allowed:
        stage_attach_file(actor=actor, stage=stage, upload=SimpleUploadedFile("a.pdf", b"a"))
    else:
        with pytest.raises(PermissionDenied):
            stage_attach_file(actor=actor, stage=stage, upload=SimpleUploadedFile("a.pdf", b"a"))
    stage.refresh_from_db()
    assert bool(stage.deliverable_file) == allowed


@pytest.mark.parametrize("role", ROLES)
def test_can_edit_task_is_managers_and_reviewer(org, role):
    task = TaskFactory(project=signed_project(org), reviewer=org.am2)
    expected = role in {"head", "admin", "group_head", "am1", "am2"}  # am2 as the reviewer
    assert permissions.can_edit_task(org.by_role_name(role).user, task) == expected


def _ids(org) -> list[int]:
    return list(OnboardingTemplateItem.objects.filter(agency=org.agency).order_by("position", "id")
                .values_list("pk", flat=True))


def test_reorder_move_delete_and_append(org):
    items = onboarding_template_ensure(agency=org.agency)
    actor = org.head.user
    ids = [i.pk for i in items]
    onboarding_template_reorder(actor=actor, item_ids=list(reversed(ids)))
    assert _ids(org) == list(reversed(ids))
    onboarding_template_item_move(actor=actor, item=OnboardingTemplateItem.objects.get(pk=ids[0]), up=False)
    assert _ids(org) == list(reversed(ids))  # already last: no-op
    onboarding_template_item_move(actor=actor, item=OnboardingTemplateItem.objects.get(pk=ids[0]), up=True)
    assert _ids(org)[-2:] == [ids[0], ids[1]]
    onboarding_template_item_delete(actor=actor, item=OnboardingTemplateItem.objects.get(pk=ids[0]))
    new = onboarding_template_item_create(actor=actor, data={"title": "Доступы"})
    assert _ids(org)[-1] == new.pk and ids[0] not in _ids(org)


@pytest.mark.parametrize("role", ["finance", "group_head", "am1", "spec1"])
def test_template_changes_refused_for_others(org, role):
    items = onboarding_template_ensure(agency=org.agency)
    before = _ids(org)
    actor = org.by_role_name(role).user
    with pytest.raises(PermissionDenied):
        onboarding_template_reorder(actor=actor, item_ids=list(reversed(before)))
    with pytest.raises(PermissionDenied):
        onboarding_template_item_delete(actor=actor, item=items[0])
    assert _ids(org) == before


def test_template_item_lookup_scoped_to_agency(org):
    other = onboarding_template_ensure(agency=org.outsider.agency)[0]
    with pytest.raises(NotFound):
        permissions.onboarding_template_item_get_for(org.head.user, other.pk)
    with pytest.raises(PermissionDenied):
        onboarding_template_item_delete(actor=org.head.user, item=other)
    assert OnboardingTemplateItem.objects.filter(pk=other.pk).exists()
