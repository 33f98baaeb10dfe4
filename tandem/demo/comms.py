"""Demo communications: a believable log, requests with SLA history, escalations, next steps.

Works on whatever clients and contacts exist (built by tandem.demo.org_clients). Skips itself
when the agency already has interactions. Goes through comms services so SLA clocks and
histories are computed exactly as in real use. Demo employees get in-app notifications only
(the development e-mail backend prints to the console).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from tandem.clients.models import SERVED_STATUSES, Client
from tandem.comms import services
from tandem.comms.models import CommChannel, Direction, Interaction, InteractionKind, Priority
from tandem.notifications.models import NotificationPreferences
from tandem.org.models import Employee

from .context import DemoContext

SUMMARIES = [
    ("Обсудили отчёт за прошлый месяц: рост трафика, вопросы по позициям", "Клиент доволен динамикой"),
    ("Согласовали план работ на месяц", "План утверждён"),
    ("Клиент спросил про бюджет на контекст", "Готовим медиаплан"),
    ("Созвон по новым посадочным страницам", "Ждём тексты от клиента"),
    ("Клиент просит ускорить доработки сайта", "Пообещали ускорить, эскалировали разработке"),
    ("Напомнили про оплату счёта", "Обещали оплатить до пятницы"),
    ("Предложили подключить таргет ВКонтакте", "Думают, вернутся на следующей неделе"),
    ("Отправили ежемесячный отчёт", ""),
]
NEXT_STEPS = ["Прислать КП по SMM", "Созвон по итогам теста", "Согласовать структуру отчёта", "Отправить акт"]
REQUESTS = [
    ("Сайт не открывается", Priority.CRITICAL), ("Упали позиции по ключевым запросам", Priority.URGENT),
    ("Нужна правка в объявлениях до выходных", Priority.URGENT), ("Вопрос по счёту", Priority.NORMAL),
    ("Добавить новые товары в фид", Priority.NORMAL), ("Не приходят заявки с формы", Priority.CRITICAL),
    ("Пришлите доступы к Метрике", Priority.NORMAL), ("Жалоба на качество текстов", Priority.URGENT),
]
KIND_BY_CHANNEL = {"phone": (InteractionKind.CALL, CommChannel.PHONE), "email": (InteractionKind.EMAIL, CommChannel.EMAIL),
                   "messenger": (InteractionKind.MESSAGE, CommChannel.MESSENGER),
                   "task_manager": (InteractionKind.MESSAGE, CommChannel.TASK_MANAGER)}


def _at(day, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def seed(ctx: DemoContext) -> None:
    if Interaction.objects.filter(client__agency=ctx.agency).exists():
        ctx.log("comms: already there, skipped")
        return
    rng = ctx.rng
    for employee in Employee.objects.filter(agency=ctx.agency):
        NotificationPreferences.objects.update_or_create(employee=employee, defaults={"email_enabled": False})
    clients = list(
        Client.objects.filter(agency=ctx.agency, status__in=SERVED_STATUSES, account_manager__isnull=False)
        .select_related("account_manager__user").prefetch_related("contacts").order_by("pk")
    )
    interactions = requests = 0
    now = timezone.now()
    for client in clients:
        am = client.account_manager
        assert am is not None  # the query takes only clients with an AM
        actor = am.user
        for contact in client.contacts.all():
            # Vary the last contact so that some are due today, some overdue, most fine.
            last = rng.choice([0.3, 0.8, 1.0, 1.0, 1.6, 2.5]) * contact.cadence_days
            for k in range(rng.randint(1, 3)):
                day = ctx.today - timedelta(days=int(last) + k * contact.cadence_days)
                kind, channel = KIND_BY_CHANNEL.get(contact.preferred_channel, (InteractionKind.CALL, CommChannel.PHONE))
                summary, outcome = rng.choice(SUMMARIES)
                data = {"kind": kind, "channel": channel, "occurred_at": _at(day, rng.randint(10, 18), rng.choice([0, 15, 30])),
                        "summary": summary, "outcome": outcome,
                        "direction": rng.choice([Direction.OUTGOING, Direction.OUTGOING, Direction.INCOMING])}
                if k == 0 and rng.random() < 0.25:
                    data["next_step"] = rng.choice(NEXT_STEPS)
                    data["next_step_due"] = ctx.today + timedelta(days=rng.randint(-2, 5))
                services.interaction_create(actor=actor, client=client, contacts=[contact], data=data)
                interactions += 1
        if rng.random() < 0.15:
            meeting_day = ctx.today + timedelta(days=rng.randint(1, 10))
            services.interaction_create(actor=actor, client=client, contacts=list(client.contacts.all())[:2], data={
                "kind": InteractionKind.MEETING, "channel": CommChannel.VIDEO, "occurred_at": _at(meeting_day, 12),
                "summary": "Встреча по стратегии на квартал"})
            interactions += 1
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            subject, priority = rng.choice(REQUESTS)
            received = now - timedelta(hours=rng.randint(1, 24 * 50))
            contacts = list(client.contacts.all())
            r = services.request_create(actor=actor, client=client, contact=rng.choice(contacts) if contacts else None,
                                        data={"subject": subject, "priority": priority, "received_at": received,
                                              "channel": rng.choice([CommChannel.PHONE, CommChannel.EMAIL, CommChannel.MESSENGER])})
            requests += 1
            age = now - received
            if age > timedelta(days=2) or rng.random() < 0.5:
                late = rng.random() < 0.2
                span = (r.first_response_due_at - received) * (rng.uniform(1.1, 2.0) if late else rng.uniform(0.05, 0.9))
                responded = min(received + span, now)
                services.request_respond(actor=actor, request=r, at=responded)
                if age > timedelta(days=3):
                    services.request_resolve(actor=actor, request=r, at=min(responded + timedelta(hours=rng.randint(1, 30)), now))
    escalated = services.escalations_run(now=now)
    ctx.log(f"comms: {interactions} interactions, {requests} requests, {len(escalated)} escalations")
