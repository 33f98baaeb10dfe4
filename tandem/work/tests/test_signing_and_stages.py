from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.clients.models import LifecycleStatus, ServiceKind
from tandem.clients.tests.factories import TeamMemberFactory
from tandem.contracts.models import ContractStatus
from tandem.contracts.tests.factories import ContractFactory, ContractLineFactory, ServiceFactory
from tandem.core.errors import PermissionDenied
from tandem.work import services
from tandem.work.models import OnboardingChecklist, Project, ProjectStatus, StageStatus, WorkSettings
from tandem.work.selectors import client_onboarding, stages_waiting_for_client
from tandem.work.tests.factories import StageFactory, signed_project

pytestmark = pytest.mark.django_db


def _contract(org, client, kinds=(ServiceKind.SEO, ServiceKind.CONTEXT)):
    day = timezone.localdate() - timedelta(days=3)
    c = ContractFactory(client=client, status=ContractStatus.IN_APPROVAL, date=day, start_date=day)
    for kind in kinds:
        ContractLineFactory(contract=c, service=ServiceFactory(agency=org.agency, kind=kind))
    return c


def test_signing_opens_projects_onboarding_and_moves_lead(org):
    client = org.client_a
    client.status = LifecycleStatus.LEAD
    client.save()
    TeamMemberFactory(client=client, employee=org.spec2, service=ServiceKind.CONTEXT)
    contract = _contract(org, client)

    projects = services.contract_sign(actor=org.am1.user, contract=contract)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED and contract.signed_at
    assert [(p.account_manager, p.specialist) for p in projects] == [(org.am1, org.spec1), (org.am1, org.spec2)]
    client.refresh_from_db()
    assert client.status == LifecycleStatus.ONBOARDING
    state = client_onboarding(client=client)
    assert state.total == 7 and state.badge and state.done == 0
    assert {i.owner for i in state.items} == {org.am1, org.spec1}


def test_second_contract_adds_projects_but_no_second_checklist(org):
    services.contract_sign(actor=org.am1.user, contract=_contract(org, org.client_a, kinds=(ServiceKind.SEO,)))
    services.contract_sign(actor=org.am1.user, contract=_contract(org, org.client_a, kinds=(ServiceKind.SMM,)))
    assert Project.objects.filter(client=org.client_a).count() == 2
    assert OnboardingChecklist.objects.filter(client=org.client_a).count() == 1


def test_draft_cannot_be_signed_and_others_cannot_sign(org):
    draft = ContractFactory(client=org.client_a)
    ContractLineFactory(contract=draft)
    with pytest.raises(ValidationError) as exc:
        services.contract_sign(actor=org.am1.user, contract=draft)
    assert "Нельзя перевести договор из «Черновик» в «Подписан»" in exc.value.message_dict["to_status"][0]
    c = _contract(org, org.client_a)
    for who in (org.spec1, org.finance, org.am2):
        with pytest.raises(PermissionDenied):
            services.contract_sign(actor=who.user, contract=c)
    assert not Project.objects.exists()


def test_closing_contract_closes_projects(org):
    project = signed_project(org)
    services.contract_transition(actor=org.head.user, contract=project.contract_line.contract, to_status="closed")
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSED


def test_onboarding_done_makes_client_active(org):
    client = org.client_a
    client.status = LifecycleStatus.LEAD
    client.save()
    signed_project(org)
    state = client_onboarding(client=client)
    for item in state.items:
        services.onboarding_item_set_done(actor=org.am1.user, item=item)
    client.refresh_from_db()
    assert client.status == LifecycleStatus.ACTIVE
    assert client_onboarding(client=client).checklist.completed_at is not None


def test_onboarding_template_is_editable(org):
    services.onboarding_template_item_create(actor=org.head.user, data={"title": "Доступы к Метрике", "position": 9})
    signed_project(org)
    titles = [i.title for i in client_onboarding(client=org.client_a).items]
    assert len(titles) == 8 and titles[-1] == "Доступы к Метрике"
    with pytest.raises(PermissionDenied):
        services.onboarding_template_item_create(actor=org.am1.user, data={"title": "x"})


def test_badge_only_first_60_days(org):
    signed_project(org)  # signed 90 days ago
    assert client_onboarding(client=org.client_a).badge is False


def test_stage_approval_cycle_stores_every_send_and_answer(org):
    project = signed_project(org)
    stage = services.stage_create(actor=org.am1.user, project=project, data={"kind": "audit", "title": "Аудит"})
    with pytest.raises(ValidationError) as exc:
        services.stage_send(actor=org.am1.user, stage=stage)
    assert "Нельзя отправить клиенту" in exc.value.message_dict["status"][0]
    services.stage_start(actor=org.spec1.user, stage=stage)
    with pytest.raises(ValidationError) as exc:
        services.stage_send(actor=org.am1.user, stage=stage)
    assert "deliverable_url" in exc.value.message_dict
    now = timezone.now()
    services.stage_send(actor=org.am1.user, stage=stage, deliverable_url="https://docs.example/audit",
                        sent_at=now - timedelta(days=4))
    with pytest.raises(ValidationError):
        services.stage_record_answer(actor=org.am1.user, stage=stage, decision="changes_requested")
    services.stage_record_answer(actor=org.am1.user, stage=stage, decision="changes_requested",
                                 comment="Добавьте конкурентов", answered_at=now - timedelta(days=2))
    stage.refresh_from_db()
    assert stage.status == StageStatus.CHANGES_REQUESTED
    services.stage_send(actor=org.am1.user, stage=stage, sent_at=now - timedelta(days=1))
    services.stage_record_answer(actor=org.am1.user, stage=stage, decision="approved")
    stage.refresh_from_db()
    assert stage.status == StageStatus.APPROVED
    subs = list(stage.submissions.order_by("sent_at"))
    assert [s.decision for s in subs] == ["changes_requested", "approved"]
    assert subs[0].answer_days == 2.0 and subs[0].sent_by == org.am1.user
    assert subs[1].answer_recorded_by == org.am1.user
    with pytest.raises(ValidationError):
        services.stage_record_answer(actor=org.am1.user, stage=stage, decision="approved")


def test_answer_cannot_precede_sending(org):
    project = signed_project(org)
    stage = StageFactory(project=project, status=StageStatus.IN_WORK, deliverable_url="https://x.example")
    services.stage_send(actor=org.am1.user, stage=stage)
    with pytest.raises(ValidationError):
        services.stage_record_answer(actor=org.am1.user, stage=stage, decision="approved",
                                     answered_at=timezone.now() - timedelta(days=1))


def test_specialist_cannot_send_or_record_answers(org):
    project = signed_project(org)
    stage = StageFactory(project=project, status=StageStatus.IN_WORK, deliverable_url="https://x.example")
    with pytest.raises(PermissionDenied):
        services.stage_send(actor=org.spec1.user, stage=stage)
    stage.refresh_from_db()
    assert stage.status == StageStatus.IN_WORK


def test_waiting_stages_have_days_and_flag_by_setting(org):
    project = signed_project(org)
    today = timezone.localdate()
    old = StageFactory(project=project, status=StageStatus.SENT, sent_at=timezone.now() - timedelta(days=6))
    fresh = StageFactory(project=project, status=StageStatus.SENT, sent_at=timezone.now() - timedelta(days=2))
    StageFactory(project=project, status=StageStatus.APPROVED, sent_at=timezone.now() - timedelta(days=30))
    rows = {s.pk: s for s in stages_waiting_for_client(actor=org.am1.user, today=today)}
    assert set(rows) == {old.pk, fresh.pk}
    assert (rows[old.pk].days_waiting, rows[old.pk].is_flagged) == (6, True)
    assert (rows[fresh.pk].days_waiting, rows[fresh.pk].is_flagged) == (2, False)
    WorkSettings.objects.create(agency=org.agency, stage_wait_flag_days=1)
    assert all(s.is_flagged for s in stages_waiting_for_client(actor=org.am1.user, today=today))
    assert list(stages_waiting_for_client(actor=org.am2.user)) == []
    assert Decimal("1")  # keep Decimal import used


def test_a_stale_copy_cannot_edit_a_stage_approved_meanwhile(org):
    from tandem.work.models import Stage, StageStatus
    from tandem.work.services import stage_update
    from tandem.work.tests.factories import StageFactory, signed_project

    stage = StageFactory(project=signed_project(org), status=StageStatus.SENT, sent_at=timezone.now())
    stale = Stage.objects.get(pk=stage.pk)
    Stage.objects.filter(pk=stage.pk).update(status=StageStatus.APPROVED)
    with pytest.raises(ValidationError):
        stage_update(actor=org.am1.user, stage=stale, data={"title": "Аудит v2"})
    stage.refresh_from_db()
    assert stage.status == StageStatus.APPROVED and stage.title == "Аудит сайта"
