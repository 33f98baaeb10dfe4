"""Signing a contract (projects + onboarding + client lifecycle), contract status moves that
touch projects, and project stages with client approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Contact, LifecycleStatus, TeamMember
from tandem.clients.services import client_change_status
from tandem.contracts.models import Contract, ContractLine, ContractStatus
from tandem.contracts.services import contract_change_status, contract_mark_signed
from tandem.core.errors import PermissionDenied
from tandem.core.events import emit
from tandem.org.models import User

from .. import permissions
from ..models import Project, ProjectStatus, Stage, StageStatus, StageSubmission
from ._common import apply, require
from .onboarding import onboarding_start

SS = StageStatus
STAGE_EDITABLE_FIELDS = ("kind", "title", "due_date", "deliverable_url", "deliverable_file")
MAX_DELIVERABLE_MB = 25
MAX_DELIVERABLE_BYTES = MAX_DELIVERABLE_MB * 1024 * 1024


def _checked_deliverable(data: dict[str, Any]) -> dict[str, Any]:
    """A new deliverable file is at most MAX_DELIVERABLE_MB; an empty value removes the file."""
    if "deliverable_file" not in data:
        return data
    upload = data["deliverable_file"]
    if not upload:
        return {**data, "deliverable_file": ""}
    size = getattr(upload, "size", 0) or 0
    if size > MAX_DELIVERABLE_BYTES:
        raise ValidationError({"deliverable_file": _(
            "Файл больше %(max)s МБ (%(size).1f МБ). Сожмите его или приложите ссылку на результат."
        ) % {"max": MAX_DELIVERABLE_MB, "size": size / 1024 / 1024}})
    return data


def _open_project(*, line: ContractLine, contract: Contract) -> Project:
    client = contract.client
    specialist = (
        TeamMember.objects.filter(client=client, service=line.service.kind, employee__is_active=True)
        .order_by("added_at", "id")
        .values_list("employee_id", flat=True)
        .first()
    )
    project, _created = Project.objects.get_or_create(
        contract_line=line,
        defaults={
            "agency_id": contract.agency_id,
            "client": client,
            "name": f"{client.display_name} — {line.service.name}",
            "account_manager_id": client.account_manager_id,
            "specialist_id": specialist,
            "start_date": contract.start_date,
        },
    )
    return project


@transaction.atomic
def contract_sign(
    *, actor: User, contract: Contract, on_date: date | None = None, comment: str = ""
) -> list[Project]:
    """Sign an in-approval contract and start the work it pays for.

    - the contract becomes signed on `on_date` (default today), dated in its history;
    - one project per contract line, AM = the client's AM, specialist = the first team
      member covering the line's service kind (none if nobody does);
    - the client's first signed contract opens the onboarding checklist from the agency's
      template, and moves a lead to "onboarding" (tandem.clients.services.client_change_status).
    Returns the projects (in line order).
    """
    is_first = not Contract.objects.filter(client_id=contract.client_id, signed_at__isnull=False).exclude(
        pk=contract.pk
    ).exists()
    contract = contract_mark_signed(actor=actor, contract=contract, on_date=on_date, comment=comment)
    signed_on = on_date or timezone.localdate()
    lines = list(contract.lines.select_related("service").order_by("id"))
    projects = [_open_project(line=line, contract=contract) for line in lines]
    client = contract.client
    if is_first:
        onboarding_start(client=client, contract=contract, started_on=signed_on)
        if client.status == LifecycleStatus.LEAD:
            client_change_status(
                actor=actor, client=client, to_status=LifecycleStatus.ONBOARDING,
                reason=_("Подписан первый договор %(c)s") % {"c": contract},
            )
    return projects


@transaction.atomic
def contract_transition(
    *, actor: User, contract: Contract, to_status: str, on_date: date | None = None, comment: str = ""
) -> Contract:
    """One entry point for every contract status move (API and web use it):
    signing goes through contract_sign; closing a contract also closes its projects."""
    if to_status == ContractStatus.SIGNED:
        contract_sign(actor=actor, contract=contract, on_date=on_date, comment=comment)
    else:
        contract_change_status(actor=actor, contract=contract, to_status=to_status, on_date=on_date, comment=comment)
        if to_status == ContractStatus.CLOSED:
            Project.objects.filter(contract_line__contract=contract).update(status=ProjectStatus.CLOSED)
    return Contract.objects.get(pk=contract.pk)


# ---------------------------------------------------------------- stages


def stage_create(*, actor: User, project: Project, data: dict[str, Any]) -> Stage:
    """Plan a stage (audit, strategy, monthly work, report or custom) of a visible project."""
    require(permissions.can_manage_project(actor, project))
    stage = Stage(project=project, status=SS.PLANNED)
    apply(stage, _checked_deliverable(data), STAGE_EDITABLE_FIELDS)
    if not stage.title and stage.kind:
        stage.title = stage.get_kind_display()
    stage.full_clean()
    stage.save()
    return stage


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, data: dict[str, Any]) -> Stage:
    """Edit a stage's title, due date or deliverable (link or file, at most 25 MB; an empty
    file value removes it). An approved stage is fixed. A replaced or removed file is deleted
    from storage after commit."""
    require(permissions.can_edit_stage(actor, stage))
    stored = Stage.objects.select_for_update().only("status").get(pk=stage.pk)  # the copy may be stale
    if SS.APPROVED in (stage.status, stored.status):
        raise ValidationError({"status": _("Согласованный этап менять нельзя.")})
    data = _checked_deliverable(data)
    old_file = stage.deliverable_file.name if "deliverable_file" in data else ""
    apply(stage, data, STAGE_EDITABLE_FIELDS)
    stage.full_clean()
    stage.save(update_fields=[*STAGE_EDITABLE_FIELDS, "updated_at"])  # never the status or sendings
    if old_file and old_file != stage.deliverable_file.name:
        storage = stage.deliverable_file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return stage


def stage_attach_file(*, actor: User, stage: Stage, upload: File | None) -> Stage:
    """Attach the stage's deliverable file, replacing the previous one, or remove it (None).
    Same rules as stage_update: those who work on the project, at most 25 MB, not once approved."""
    return stage_update(actor=actor, stage=stage, data={"deliverable_file": upload})


def _bad_stage_move(stage: Stage, action: str) -> ValidationError:
    return ValidationError({"status": _("Нельзя %(action)s: этап в статусе «%(s)s».")
                            % {"action": action, "s": SS(stage.status).label}})


def _locked(stage: Stage) -> Stage:
    return Stage.objects.select_for_update().select_related("project", "project__client").get(pk=stage.pk)


@transaction.atomic
def stage_start(*, actor: User, stage: Stage) -> Stage:
    """planned → in work. The project's specialist may do it too."""
    require(permissions.can_work_on_project(actor, stage.project))
    stage = _locked(stage)
    if stage.status != SS.PLANNED:
        raise _bad_stage_move(stage, _("взять этап в работу"))
    stage.status = SS.IN_WORK
    stage.save(update_fields=["status", "updated_at"])
    return stage


@transaction.atomic
def stage_send(
    *, actor: User, stage: Stage, note: str = "", sent_at: datetime | None = None,
    deliverable_url: str | None = None,
) -> StageSubmission:
    """Send the stage to the client: in work → sent, or changes requested → sent again.

    Needs a deliverable (file or link). Each sending is stored with who and when; the stage
    waits for the client's answer from `sent_at` (default now, never in the future).
    """
    require(permissions.can_manage_project(actor, stage.project))
    stage = _locked(stage)
    if stage.status not in (SS.IN_WORK, SS.CHANGES_REQUESTED):
        raise _bad_stage_move(stage, _("отправить клиенту"))
    if deliverable_url is not None:
        stage.deliverable_url = deliverable_url
    if not stage.deliverable_url and not stage.deliverable_file:
        raise ValidationError({"deliverable_url": _("Приложите файл или ссылку на результат перед отправкой.")})
    now = timezone.now()
    sent_at = sent_at or now
    if sent_at > now:
        raise ValidationError({"sent_at": _("Дата отправки не может быть в будущем.")})
    stage.status = SS.SENT
    stage.sent_at = sent_at
    stage.full_clean()
    stage.save()
    return StageSubmission.objects.create(stage=stage, sent_at=sent_at, sent_by=actor, note=note)


@transaction.atomic
def stage_record_answer(
    *, actor: User, stage: Stage, decision: str, comment: str = "", answered_at: datetime | None = None,
    client_contact: str = "", contact: Contact | None = None,
) -> StageSubmission:
    """Record the client's answer to the last sending: approved, or changes requested (which
    needs the client's remarks). Stored with the answer time and who recorded it. Who answered
    is one of the project client's contacts (`contact`); `client_contact` is free text kept for
    callers that do not know the contact (the API's older field)."""
    require(permissions.can_manage_project(actor, stage.project))
    return _record_answer(recorded_by=actor, stage=stage, decision=decision, comment=comment,
                          answered_at=answered_at, client_contact=client_contact, contact=contact)


@transaction.atomic
def stage_answer_by_contact(
    *, user: User, contact: Contact, stage: Stage, decision: str, comment: str = "",
) -> StageSubmission:
    """The client's contact answers the stage themselves (the client portal): the same answer as
    `stage_record_answer` records for them, with the contact as who answered, now as when, and
    the contact's own sign-in as who recorded it. Precondition: the caller (tandem.portal) has
    checked that this contact may answer in the portal; here the contact must be an active
    contact of the project's client."""
    if not contact.is_active or contact.client_id != stage.project.client_id:
        raise PermissionDenied()
    return _record_answer(recorded_by=user, stage=stage, decision=decision, comment=comment,
                          answered_at=None, client_contact="", contact=contact)


def _record_answer(
    *, recorded_by: User, stage: Stage, decision: str, comment: str, answered_at: datetime | None,
    client_contact: str, contact: Contact | None,
) -> StageSubmission:
    if contact is not None and contact.client_id != stage.project.client_id:
        raise ValidationError({"contact": _("Выберите контакт этого клиента.")})
    stage = _locked(stage)
    if stage.status != SS.SENT:
        raise _bad_stage_move(stage, _("записать ответ клиента"))
    if decision not in StageSubmission.Decision.values:
        raise ValidationError({"decision": _("Ответ клиента: «согласовано» или «замечания».")})
    if decision == StageSubmission.Decision.CHANGES_REQUESTED and not comment.strip():
        raise ValidationError({"comment": _("Запишите замечания клиента.")})
    submission = stage.submissions.filter(answered_at__isnull=True).order_by("-sent_at", "-id").first()
    if submission is None:  # pragma: no cover - a sent stage always has an open submission
        raise ValidationError({"status": _("Нет отправки, ожидающей ответа.")})
    now = timezone.now()
    answered_at = answered_at or now
    if answered_at > now:
        raise ValidationError({"answered_at": _("Дата ответа не может быть в будущем.")})
    if answered_at < submission.sent_at:
        raise ValidationError({"answered_at": _("Ответ не может прийти раньше отправки.")})
    submission.answered_at = answered_at
    submission.decision = decision
    submission.client_comment = comment
    # The text copy keeps the name readable for API clients that read `client_contact`.
    submission.client_contact = client_contact or (contact.full_name if contact is not None else "")
    submission.contact = contact
    submission.answer_recorded_by = recorded_by
    submission.full_clean()
    submission.save()
    if decision == StageSubmission.Decision.APPROVED:
        stage.status = SS.APPROVED
        stage.approved_at = answered_at
    else:
        stage.status = SS.CHANGES_REQUESTED
    stage.save(update_fields=["status", "approved_at", "updated_at"])
    if decision == StageSubmission.Decision.APPROVED:
        emit("stage.approved", agency_id=stage.project.agency_id, data={
            "id": stage.pk, "title": stage.title, "project": stage.project_id, "client": stage.project.client_id,
            "approved_at": answered_at.isoformat(), "contact": contact.pk if contact is not None else None,
            "comment": comment,
        })
    return submission
