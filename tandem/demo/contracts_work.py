"""Demo contracts, projects, stages, onboarding, tasks and a year of time entries.

Uses whatever clients `tandem.demo.org_clients` created. Contracts are signed through the real
`contract_sign` service (projects and onboarding are opened as in production); stages, tasks
and time entries are written in bulk to stay fast. Skips itself when contracts exist.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from tandem.clients.models import Client, LifecycleStatus, ServiceKind, TeamMember
from tandem.clients.services import client_service_start_extend
from tandem.contracts.models import (
    BillingModel,
    Contract,
    ContractLine,
    ContractStatus,
    ContractStatusChange,
    Service,
    Subcontractor,
    VatRate,
)
from tandem.contracts.services import contract_number_next
from tandem.core.money import to_money
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.work.models import (
    ClosedMonth,
    EmployeeCostRate,
    OnboardingChecklist,
    OnboardingItem,
    Project,
    Stage,
    StageKind,
    StageStatus,
    StageSubmission,
    Task,
    TaskPriority,
    TaskStatus,
    TaskTransition,
    TimeEntry,
)
from tandem.work.services import contract_sign, time_rollup_refresh
from tandem.work.services.rollups import rollup_key

from .context import DemoContext

SERVICES = [
    ("SEO-продвижение", ServiceKind.SEO, Decimal("90000"), 40),
    ("Контекстная реклама", ServiceKind.CONTEXT, Decimal("60000"), 25),
    ("Таргетированная реклама", ServiceKind.TARGETED, Decimal("55000"), 25),
    ("SMM", ServiceKind.SMM, Decimal("70000"), 35),
    ("Медийная реклама", ServiceKind.MEDIA, Decimal("80000"), 20),
    ("Разработка сайта", ServiceKind.DEVELOPMENT, Decimal("450000"), 60),
    ("Ведение маркетплейсов", ServiceKind.MARKETPLACE, Decimal("65000"), 30),
    ("Веб-аналитика", ServiceKind.ANALYTICS, Decimal("40000"), 15),
    ("Прочие работы", ServiceKind.OTHER, Decimal("2500"), 0),
]
TASK_TITLES = [
    "Собрать семантическое ядро", "Подготовить ТЗ на тексты", "Настроить цели в Метрике", "Аудит рекламных кампаний",
    "Обновить минус-слова", "Контент-план на месяц", "Проверить индексацию", "Подготовить отчёт за месяц",
    "Перезапустить кампании в VK", "Оптимизировать карточки товаров", "Исправить ошибки микроразметки",
    "Согласовать креативы", "Проанализировать конкурентов", "Настроить сквозную аналитику",
]


def _at(day: date, hour: int = 11) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed(ctx: DemoContext) -> None:
    agency, rng, today = ctx.agency, ctx.rng, ctx.today
    if Contract.objects.filter(agency=agency).exists():
        ctx.log("contracts_work: already there, skipped")
        return
    head = Employee.objects.filter(agency=agency, role=Role.HEAD_OF_ACCOUNTS, is_active=True).first()
    finance = Employee.objects.filter(agency=agency, role=Role.FINANCE, is_active=True).first()
    if head is None:
        ctx.log("contracts_work: no head of accounts yet, skipped")
        return

    services: dict[str, tuple[Service, Decimal, int]] = {}
    for name, kind, fee, hours in SERVICES:
        services[kind] = (Service.objects.get_or_create(agency=agency, name=name, defaults={"kind": kind})[0], fee,
                          hours)
    VatRate.objects.get_or_create(agency=agency, valid_from=date(2019, 1, 1),
                                  defaults={"rate_percent": Decimal("20"), "note": "НК РФ ст. 164"})
    VatRate.objects.get_or_create(agency=agency, valid_from=date(2026, 1, 1),
                                  defaults={"rate_percent": Decimal("22"), "note": "425-ФЗ от 28.11.2025"})
    subs = [Subcontractor.objects.create(agency=agency, name=n, contact=c) for n, c in [
        ("Студия «Пиксель»", "hello@pixel.example"), ("ООО «Контент-Фабрика»", "+7 495 000-11-22"),
        ("ИП Орлов (разработка)", "orlov@dev.example")]]

    # Cost-rate history: everyone got a raise half a year ago.
    raise_day = (today - timedelta(days=180)).replace(day=1)
    employees = list(Employee.objects.filter(agency=agency, is_active=True))
    EmployeeCostRate.objects.bulk_create(
        [EmployeeCostRate(employee=e, valid_from=today - timedelta(days=800),
                          rate=to_money(e.hourly_cost_rate * Decimal("0.9"))) for e in employees]
        + [EmployeeCostRate(employee=e, valid_from=raise_day, rate=e.hourly_cost_rate) for e in employees]
    )
    rates = {e.pk: (to_money(e.hourly_cost_rate * Decimal("0.9")), e.hourly_cost_rate) for e in employees}

    clients = list(Client.objects.filter(agency=agency).select_related("account_manager").order_by("pk"))
    team = defaultdict(list)
    for member in TeamMember.objects.filter(client__agency=agency).order_by("pk"):
        team[member.client_id].append(member)

    signed = 0
    for index, client in enumerate(clients):
        kinds = [m.service for m in team[client.pk]] or [ServiceKind.SEO]
        kinds = list(dict.fromkeys(kinds))[:2]
        if client.status == LifecycleStatus.ONBOARDING:
            start = today - timedelta(days=rng.randint(5, 50))
        else:
            start = today - timedelta(days=rng.randint(90, 700))
        churned_on = timezone.localdate(client.status_changed_at) if (
            client.status == LifecycleStatus.CHURNED and client.status_changed_at) else None
        if churned_on is not None:
            # The contract ran until the churn (org_clients dates it) and began at least two months before.
            start = min(start, churned_on - timedelta(days=60))
        contract = Contract(agency=agency, client=client, date=start - timedelta(days=7), start_date=start,
                            vat_mode="no_vat" if rng.random() < 0.2 else "vat",
                            payment_terms_days=rng.choice([5, 10, 15]))
        if rng.random() < 0.12:
            contract.subcontractor = rng.choice(subs)
            contract.account_functions = rng.choice(["shared", "communications_only", "all_in_house"])
        contract.number = contract_number_next(agency=agency, day=contract.date)
        contract.status = ContractStatus.IN_APPROVAL
        contract.save()
        ContractStatusChange.objects.create(contract=contract, to_status=ContractStatus.DRAFT, changed_by=head.user,
                                            changed_at=_at(contract.date), effective_date=contract.date)
        # As contract_create does: a contract starting before the recorded start of service moves it back.
        client_service_start_extend(actor=head.user, client=client, day=start)
        for line_kind in kinds:
            service, fee, hours = services.get(line_kind, services[ServiceKind.OTHER])
            model = BillingModel.FIXED_PRICE if line_kind == ServiceKind.DEVELOPMENT else BillingModel.MONTHLY_RETAINER
            if line_kind == ServiceKind.OTHER:
                model = BillingModel.HOURLY
            ContractLine.objects.create(contract=contract, service=service, billing_model=model, amount=fee,
                                        planned_hours_per_month=Decimal(hours))
        if index % 9 == 4 and ServiceKind.OTHER not in kinds:
            # Every ninth client also buys extra work by the hour, invoiced from the logged time.
            service, rate, _hours = services[ServiceKind.OTHER]
            ContractLine.objects.create(contract=contract, service=service, billing_model=BillingModel.HOURLY,
                                        amount=rate, planned_hours_per_month=Decimal("20"),
                                        description="Дополнительные работы по запросу (почасово)")
        if client.status == LifecycleStatus.LEAD:
            if rng.random() < 0.5:
                Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.DRAFT)
            continue
        contract_sign(actor=head.user, contract=contract, on_date=start)
        signed += 1
        if team[client.pk]:
            # Hourly work is done by the client's specialist (nobody covers "other" otherwise).
            Project.objects.filter(contract_line__contract=contract, contract_line__billing_model=BillingModel.HOURLY,
                                   specialist__isnull=True).update(specialist_id=team[client.pk][0].employee_id)
        if contract.subcontractor_id:
            Contract.objects.filter(pk=contract.pk).update(subcontractor_rating=rng.randint(4, 10),
                                                           subcontractor_rating_comment="Оценка по итогам квартала")
        if churned_on is not None:
            # Signed until the churn day so that billing (tandem.demo.billing) invoices the months
            # the client was served; billing closes it afterwards.
            Contract.objects.filter(pk=contract.pk).update(end_date=churned_on)
            Project.objects.filter(contract_line__contract=contract).update(status="closed")

    # Onboarding of established clients is long finished; recent ones are half done.
    for checklist in OnboardingChecklist.objects.filter(client__agency=agency).select_related("client"):
        items = OnboardingItem.objects.filter(checklist=checklist)
        if checklist.client.status == LifecycleStatus.ONBOARDING:
            for item in items:
                if item.due_date < today and rng.random() < 0.7:
                    item.done_at = _at(item.due_date)
                    item.save(update_fields=["done_at"])
        else:
            items.update(done_at=_at(checklist.started_on + timedelta(days=10)))
            checklist.completed_at = _at(checklist.started_on + timedelta(days=10))
            checklist.save(update_fields=["completed_at"])

    projects = list(Project.objects.filter(agency=agency).select_related("contract_line", "client"))
    _stages(projects, rng, today, head)
    _tasks(projects, rng, today)
    entries = _time(projects, rng, today, rates, raise_day)
    # Finance has closed every month except the current and the previous one.
    if finance is not None:
        month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        months = []
        for _ in range(11):
            month = (month - timedelta(days=1)).replace(day=1)
            months.append(ClosedMonth(agency=agency, month=month, closed_by=finance.user,
                                      closed_at=_at(month + timedelta(days=40))))
        ClosedMonth.objects.bulk_create(months)
    ctx.log(f"contracts_work: {signed} signed contracts, {len(projects)} projects, {entries} time entries")


def _stages(projects: list[Project], rng, today: date, head: Employee) -> None:  # type: ignore[no-untyped-def]
    submissions = []
    for p in projects:
        am_user = p.account_manager.user if p.account_manager is not None else head.user
        start = p.start_date
        plan = [
            (StageKind.AUDIT, "Аудит", start + timedelta(days=14)),
            (StageKind.STRATEGY, "Стратегия на квартал", start + timedelta(days=30)),
            (StageKind.REPORT, f"Отчёт за {(today.replace(day=1) - timedelta(days=1)):%m.%Y}",
             today.replace(day=1) + timedelta(days=5)),
        ]
        for kind, title, due in plan:
            roll = rng.random()
            stage = Stage(project=p, kind=kind, title=title, due_date=due,
                          deliverable_url=f"https://docs.example/{p.pk}/{kind}")
            if due > today:
                stage.status = StageStatus.IN_WORK if roll < 0.5 else StageStatus.PLANNED
                stage.save()
                continue
            sent = _at(min(due, today) - timedelta(days=rng.randint(0, 3)))
            if kind == StageKind.REPORT and roll < 0.5:
                sent = _at(today - timedelta(days=rng.randint(1, 12)))
                stage.status, stage.sent_at = StageStatus.SENT, sent
                stage.save()
                submissions.append(StageSubmission(stage=stage, sent_at=sent, sent_by=am_user))
                continue
            if roll < 0.2:
                answered = sent + timedelta(days=rng.randint(1, 6), hours=3)
                stage.status, stage.sent_at = StageStatus.CHANGES_REQUESTED, sent
                stage.save()
                submissions.append(StageSubmission(
                    stage=stage, sent_at=sent, sent_by=am_user, answered_at=min(answered, timezone.now()),
                    answer_recorded_by=am_user, decision="changes_requested",
                    client_comment="Добавьте сравнение с конкурентами", client_contact="Маркетолог клиента"))
                continue
            first_answer = sent + timedelta(days=rng.randint(1, 5), hours=2)
            resent = first_answer + timedelta(days=2)
            final = min(resent + timedelta(days=rng.randint(1, 4)), timezone.now())
            stage.status, stage.sent_at, stage.approved_at = StageStatus.APPROVED, resent, final
            stage.save()
            submissions.append(StageSubmission(
                stage=stage, sent_at=sent, sent_by=am_user, answered_at=first_answer, answer_recorded_by=am_user,
                decision="changes_requested", client_comment="Уточните сроки", client_contact="ЛПР"))
            submissions.append(StageSubmission(
                stage=stage, sent_at=resent, sent_by=am_user, answered_at=final, answer_recorded_by=am_user,
                decision="approved", client_contact="ЛПР"))
    StageSubmission.objects.bulk_create(submissions)


def _tasks(projects: list[Project], rng, today: date) -> None:  # type: ignore[no-untyped-def]
    tasks = []
    for p in projects:
        if not p.account_manager_id:
            continue
        am = p.account_manager
        assert am is not None  # account_manager_id is set
        assignee = p.specialist_id or p.account_manager_id
        for _ in range(rng.randint(3, 6)):
            deadline = today + timedelta(days=rng.randint(-20, 25))
            if p.status == "closed":
                status = TaskStatus.DONE
            elif deadline < today - timedelta(days=7):
                status = rng.choice([TaskStatus.DONE, TaskStatus.DONE, TaskStatus.DONE, TaskStatus.IN_PROGRESS])
            else:
                status = rng.choice([TaskStatus.NEW, TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS,
                                     TaskStatus.REVIEW, TaskStatus.CHANGES_REQUESTED, TaskStatus.DONE])
            tasks.append(Task(
                project=p, title=rng.choice(TASK_TITLES), brief="Цель, материалы и критерии приёмки — в описании.",
                assignee_id=assignee, reviewer_id=p.account_manager_id, deadline=deadline,
                estimate_hours=Decimal(rng.choice([2, 4, 6, 8])), priority=rng.choice(TaskPriority.values),
                status=status, created_by_id=am.user_id,
                closed_at=_at(deadline) if status == TaskStatus.DONE else None,
            ))
    Task.objects.bulk_create(tasks, batch_size=500)
    # Their field history starts with the creation (bulk_create skips it; written by «Система»).
    Task.history.bulk_history_create(tasks, batch_size=500)
    path: dict[str, list[TaskStatus]] = {
        TaskStatus.NEW: [], TaskStatus.IN_PROGRESS: [TaskStatus.IN_PROGRESS],
        TaskStatus.REVIEW: [TaskStatus.IN_PROGRESS, TaskStatus.REVIEW],
        TaskStatus.CHANGES_REQUESTED: [TaskStatus.IN_PROGRESS, TaskStatus.REVIEW, TaskStatus.CHANGES_REQUESTED],
        TaskStatus.DONE: [TaskStatus.IN_PROGRESS, TaskStatus.REVIEW, TaskStatus.DONE],
    }
    transitions = []
    for t in Task.objects.filter(project__in=projects).select_related("assignee", "reviewer"):
        moment = t.created_at - timedelta(days=10)
        previous = ""
        for step in [TaskStatus.NEW, *path[t.status]]:
            who = t.reviewer if step in (TaskStatus.DONE, TaskStatus.CHANGES_REQUESTED) else t.assignee
            transitions.append(TaskTransition(
                task=t, from_status=previous, to_status=step, changed_by_id=who.user_id, changed_at=moment,
                comment="Нет заголовков H1 на трёх страницах" if step == TaskStatus.CHANGES_REQUESTED else ""))
            previous, moment = step, moment + timedelta(days=2)
    TaskTransition.objects.bulk_create(transitions, batch_size=1000)


def _time(projects: list[Project], rng, today: date, rates, raise_day: date) -> int:  # type: ignore[no-untyped-def]
    entries = []
    per_day: dict[tuple[int, date], Decimal] = defaultdict(Decimal)
    year_ago = today - timedelta(days=365)
    for p in projects:
        people = [pid for pid in {p.specialist_id, p.account_manager_id} if pid]
        first = max(p.start_date, year_ago)
        day = first
        while day <= today:
            if day.weekday() < 5:
                for pid in people:
                    if rng.random() < (0.55 if pid == p.specialist_id else 0.25):
                        hours = Decimal(rng.choice([1, 2, 2, 3, 4])) if pid == p.specialist_id else \
                            Decimal(rng.choice(["0.5", "0.75", "1"]))
                        if per_day[(pid, day)] + hours > 10:
                            continue
                        per_day[(pid, day)] += hours
                        rate = rates[pid][1] if day >= raise_day else rates[pid][0]
                        entries.append(TimeEntry(employee_id=pid, project=p, date=day, hours=hours,
                                                 cost_rate=rate, cost=to_money(hours * rate),
                                                 note="Работы по плану"))
            day += timedelta(days=1)
    TimeEntry.objects.bulk_create(entries, batch_size=2000)
    time_rollup_refresh({rollup_key(e) for e in entries})
    return len(entries)
