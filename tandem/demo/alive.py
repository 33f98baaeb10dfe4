"""The demo's situations that make every page show something (issue 14), on top of the other
builders' data, whatever day the demo is loaded:

- workload: the busiest AM is exactly at the hard limit, the next one above the soft limit
  (personal limits, as a head of accounts would set them for a junior);
- stages waiting for the client's answer (sent 1–9 days ago);
- payments in the manual matching queue: an advance from an unknown payer without INN and
  a client's payment that cites no invoice;
- an escalated request (urgent, unanswered for a day and a half);
- a request a specialist answers (spec1), tasks and this month's hours of the heads, finance
  and the admin (their task list and timesheet are not empty);
- notifications for everyone: the real reminder sources run once, then a note for the head,
  finance and the admin; all but the newest few are marked read.

Goes through the services (histories, SLA clocks and escalations are real). Skips itself when
its notifications are there.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from tandem.billing import services as billing_services
from tandem.billing.models import Payment
from tandem.clients.models import SERVED_STATUSES, Client, LifecycleStatus
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Priority
from tandem.core.money import to_money
from tandem.notifications.models import Notification
from tandem.notifications.services import notify, reminders_run
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.org.services import employee_update
from tandem.work.models import Project, Stage, StageStatus, TaskPriority, TimeEntry
from tandem.work.services import stage_send, task_create, time_rollup_refresh
from tandem.work.services.rollups import rollup_key

from .context import DemoContext

MARKER = "demo:alive"
UNREAD_KEPT = 5


def seed(ctx: DemoContext) -> None:
    if Notification.objects.filter(dedupe_key__startswith=MARKER).exists():
        ctx.log("alive: already there, skipped")
        return
    staff = {e.user.username: e for e in Employee.objects.filter(agency=ctx.agency).select_related("user")}
    if not {"head", "finance", "admin", "am1"} <= staff.keys():
        ctx.log("alive: no demo staff yet, skipped")
        return
    handover = _handover(ctx, staff)
    limits = _workload(ctx, staff)
    stages = _stages_waiting(ctx)
    payments = _payments_to_match(ctx, staff["finance"])
    escalated = _escalated_request(ctx, staff["am1"])
    _specialist_request(ctx, staff.get("spec1"))
    tasks = _tasks_for_leads(ctx, staff)
    hours = _time_of_leads(ctx, staff)
    notes = _notifications(ctx, staff)
    ctx.log(f"alive: {limits}, {stages} stages waiting for the client, {payments} payments to match, "
            f"{escalated} escalations, {tasks} tasks and {hours} time entries of heads, finance and admin, "
            f"{notes} notifications, {handover}")


def _handover(ctx: DemoContext, staff: dict[str, Employee]) -> str:
    """A client passed to am1 from a colleague a few days ago, its checklist half done: the card
    shows «Передача клиента» and am1's My day «Передача клиентов»."""
    am1 = staff["am1"]
    client = (
        Client.objects.filter(agency=ctx.agency, status__in=SERVED_STATUSES, account_manager__role=Role.ACCOUNT_MANAGER)
        .exclude(account_manager=am1).order_by("pk").first()
    )
    if client is None:
        return "no client to hand over"
    try:
        _result, handover = comms_services.account_manager_change(
            actor=staff["head"].user, client=client, manager=am1,
            reason="Перераспределение нагрузки: у прежнего аккаунта много клиентов", force=True,
        )
    except ValidationError as exc:
        return f"no handover ({exc.messages[0]})"
    if handover is None:
        return "no handover"
    items = list(handover.items.all())
    for item in items[: len(items) // 2]:
        comms_services.handover_item_set_done(actor=am1.user, item=item)
    return f"{client} handed over to {am1.user.username} ({len(items)} checklist items)"


def _workload(ctx: DemoContext, staff: dict[str, Employee]) -> str:
    ams = list(
        Employee.objects.filter(agency=ctx.agency, role=Role.ACCOUNT_MANAGER, is_active=True)
        .annotate(load=Count("managed_clients", filter=Q(managed_clients__status__in=SERVED_STATUSES)))
        .order_by("-load", "pk")
    )
    if len(ams) < 2 or ams[1].load < 3:
        return "no AM load to show"
    at_hard, over_soft = ams[0], ams[1]
    admin = staff["admin"].user
    employee_update(actor=admin, employee=at_hard,
                    data={"soft_client_limit": at_hard.load - 3, "hard_client_limit": at_hard.load})
    employee_update(actor=admin, employee=over_soft,
                    data={"soft_client_limit": over_soft.load - 2, "hard_client_limit": None})
    return (f"{at_hard.user.username} at the hard limit ({at_hard.load}), "
            f"{over_soft.user.username} over the soft limit ({over_soft.load}/{over_soft.load - 2})")


def _stages_waiting(ctx: DemoContext) -> int:
    """Two stages in work per AM go to the client, so every AM (and their heads) waits for answers."""
    now = timezone.now()
    sent = 0
    seen: dict[int, int] = {}
    stages = (Stage.objects.filter(project__agency=ctx.agency, status=StageStatus.IN_WORK,
                                   project__client__status__in=SERVED_STATUSES,
                                   project__account_manager__isnull=False)
              .select_related("project__account_manager__user").order_by("due_date", "pk"))
    for stage in stages:
        am = stage.project.account_manager
        assert am is not None  # filtered above
        if seen.get(am.pk, 0) >= 2:
            continue
        seen[am.pk] = seen.get(am.pk, 0) + 1
        stage_send(actor=am.user, stage=stage, note="Отправили на согласование, ждём ответа",
                   sent_at=now - timedelta(days=ctx.rng.randint(1, 9), hours=ctx.rng.randint(0, 5)))
        sent += 1
    return sent


def _payments_to_match(ctx: DemoContext, finance: Employee) -> int:
    day = ctx.today - timedelta(days=1)
    billing_services.payment_record(
        actor=finance.user, date=day, amount=Decimal("60000.00"), payer_name='ООО "Новый горизонт"',
        purpose="Аванс за SEO-продвижение по договору", number="1045",
    )
    client = (Client.objects.filter(agency=ctx.agency, status=LifecycleStatus.ACTIVE, invoices__isnull=False)
              .distinct().order_by("pk").first())
    if client is not None:
        billing_services.payment_record(
            actor=finance.user, client=client, date=day, amount=Decimal("45000.00"), payer_name=client.legal_name,
            purpose="Оплата за услуги по договору, без НДС", number="388", auto_allocate=False,
        )
    return Payment.objects.filter(agency=ctx.agency, allocated_amount__lt=F("amount")).count()


def _escalated_request(ctx: DemoContext, am: Employee) -> int:
    client = (Client.objects.filter(account_manager=am, status=LifecycleStatus.ACTIVE)
              .prefetch_related("contacts").order_by("pk").first())
    if client is None:
        return 0
    now = timezone.now()
    contact = client.contacts.order_by("pk").first()
    comms_services.request_create(actor=am.user, client=client, contact=contact, data={
        "subject": "Упала конверсия в корзине после обновления сайта", "priority": Priority.URGENT,
        "received_at": now - timedelta(hours=36), "channel": CommChannel.EMAIL,
        "text": "С понедельника заказы упали вдвое, просим срочно посмотреть.",
    })
    return len(comms_services.escalations_run(now=now))


def _specialist_request(ctx: DemoContext, specialist: Employee | None) -> None:
    if specialist is None:
        return
    client = (Client.objects.filter(team_members__employee=specialist, status=LifecycleStatus.ACTIVE)
              .order_by("pk").first())
    if client is None:
        return
    comms_services.request_create(actor=specialist.user, client=client, owner=specialist, data={
        "subject": "Почему просели позиции по запросу «купить диван»?", "priority": Priority.NORMAL,
        "received_at": timezone.now() - timedelta(hours=3), "channel": CommChannel.MESSENGER,
    })


LEAD_TASKS = {
    Role.HEAD_OF_ACCOUNTS: ["Согласовать стратегию на квартал с ключевым клиентом", "Разобрать причины ухода клиента"],
    Role.GROUP_HEAD: ["Проверить отчёт аккаунта перед отправкой", "Провести встречу по итогам квартала"],
    Role.FINANCE: ["Сверить акты с бухгалтерией клиента", "Выставить счёт на доработки сайта"],
    Role.ADMIN: ["Выдать доступы новому специалисту", "Обновить шаблон договора"],
}


def _lead_projects(ctx: DemoContext, employee: Employee) -> list[Project]:
    qs = Project.objects.filter(agency=ctx.agency, status="active", account_manager__isnull=False)
    if employee.role == Role.GROUP_HEAD and employee.group_id:
        qs = qs.filter(client__group_id=employee.group_id)
    return list(qs.select_related("account_manager__user", "client").order_by("pk")[:3])


def _tasks_for_leads(ctx: DemoContext, staff: dict[str, Employee]) -> int:
    """Two open tasks each for the head, group heads, finance and the admin, set by an AM."""
    made = 0
    for employee in staff.values():
        for n, title in enumerate(LEAD_TASKS.get(Role(employee.role), [])):
            projects = _lead_projects(ctx, employee)
            if not projects:
                break
            project = projects[n % len(projects)]
            am = project.account_manager
            assert am is not None  # filtered above
            task_create(actor=am.user, project=project, data={
                "title": title, "brief": "Подробности — в переписке с клиентом.", "assignee": employee,
                "reviewer": am, "deadline": ctx.today + timedelta(days=ctx.rng.randint(-2, 6)),
                "estimate_hours": Decimal(ctx.rng.choice([1, 2, 3])), "priority": TaskPriority.NORMAL,
            })
            made += 1
    return made


def _time_of_leads(ctx: DemoContext, staff: dict[str, Employee]) -> int:
    """Three weeks of a lead's own hours (reviews, client meetings, documents), this week included."""
    entries = []
    monday = ctx.today - timedelta(days=ctx.today.weekday() + 14)
    for employee in staff.values():
        if employee.role not in LEAD_TASKS:
            continue
        projects = _lead_projects(ctx, employee)
        day = monday
        while day <= ctx.today:
            if day.weekday() < 5 and projects:
                project = projects[day.toordinal() % len(projects)]
                hours = Decimal(ctx.rng.choice(["0.5", "1", "1.5", "2"]))
                entries.append(TimeEntry(employee=employee, project=project, date=day, hours=hours,
                                         cost_rate=employee.hourly_cost_rate,
                                         cost=to_money(hours * employee.hourly_cost_rate),
                                         note="Проверка, встречи и документы по клиенту"))
            day += timedelta(days=1)
    TimeEntry.objects.bulk_create(entries)
    time_rollup_refresh({rollup_key(e) for e in entries})
    return len(entries)


def _notifications(ctx: DemoContext, staff: dict[str, Employee]) -> int:
    reminders_run()
    churned = Client.objects.filter(agency=ctx.agency, status=LifecycleStatus.CHURNED).count()
    queue = Payment.objects.filter(agency=ctx.agency, allocated_amount__lt=F("amount")).count()
    notes = [
        ("head", "clients.churn_digest", f"За год ушли {churned} клиентов — причины в карточках",
         "Большинство ушло из-за результатов и бюджета. Проверьте клиентов «под риском».",
         reverse("web:client_list") + "?status=churned"),
        ("head", "org.workload", "У двух аккаунтов клиентов больше рекомендуемого",
         "Один на жёстком лимите: новых клиентов ему назначить нельзя.", reverse("web:team_load")),
        ("finance", "billing.queue", f"Ждут разнесения платежей: {queue}",
         "Аванс без ИНН и платёж без номера счёта. Пример выписки — на странице загрузки.",
         reverse("web:payment_queue")),
        ("admin", "org.settings", "Проверьте лимиты нагрузки аккаунтов",
         "Лимиты агентства и личные лимиты задаются в настройках команды.", reverse("web:employee_list")),
    ]
    for username, kind, title, body, url in notes:
        notify(recipient=staff[username], kind=kind, title=title, body=body, url=url,
               dedupe_key=f"{MARKER}:{username}:{kind}")
    # People have read the older ones: the bell shows a few, the list keeps the rest.
    now = timezone.now()
    unread: dict[int, int] = {}
    old = []
    for pk, recipient_id in (Notification.objects.filter(recipient__agency=ctx.agency, read_at__isnull=True)
                             .order_by("-created_at", "-pk").values_list("pk", "recipient_id")):
        unread[recipient_id] = unread.get(recipient_id, 0) + 1
        if unread[recipient_id] > UNREAD_KEPT:
            old.append(pk)
    for start in range(0, len(old), 500):
        Notification.objects.filter(pk__in=old[start:start + 500]).update(read_at=now)
    return Notification.objects.filter(recipient__agency=ctx.agency).count()
