"""Client health: churn dated in the past with the signals that came before it, fresh complaints
for a few active clients, 30 days of daily scores, open «под риском» proposals and a stored
back-test over the last year (issue 12)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tandem.clients.models import AccountManagerChange, Client, Contact, LifecycleStatus, LifecycleTransition
from tandem.comms.models import ClientRequest, Interaction, InteractionKind, Priority
from tandem.health.backtest import backtest_store
from tandem.health.models import HealthScore
from tandem.health.services import health_recompute
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.work.models import Task

from .context import DemoContext

COMPLAINTS = [
    "ЛПР недоволен: третий месяц нет результата по заявкам",
    "Маркетолог говорит, что готовы расторгнуть договор, если позиции не вырастут",
    "Клиент сказал, что рассматривают перейти к другому подрядчику",
    "Недовольны отчётом: не видят, за что платят",
    "Есть претензия по срокам запуска кампании",
]
HISTORY_DAYS = 30


def _at(day, hour: int = 11) -> datetime:  # type: ignore[no-untyped-def]
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _complain(client: Client, day, rng) -> None:  # type: ignore[no-untyped-def]
    am = client.account_manager
    if am is None:
        return
    Interaction.objects.create(client=client, kind=InteractionKind.CALL, occurred_at=_at(day), created_by=am.user,
                               summary=rng.choice(COMPLAINTS), outcome="Договорились созвониться на неделе")


def _late_request(client: Client, day) -> None:  # type: ignore[no-untyped-def]
    am = client.account_manager
    if am is None:
        return
    ClientRequest.objects.create(
        client=client, subject="Почему не выросли заявки?", priority=Priority.URGENT, received_at=_at(day, 10),
        first_response_due_at=_at(day, 14), first_response_at=_at(day + timedelta(days=2), 12),
        resolve_due_at=_at(day + timedelta(days=1), 18), resolved_at=_at(day + timedelta(days=4), 12),
        head_escalation_at=_at(day, 18), owner=am, created_by=am.user,
    )


def _date_demo_rows_back(agency) -> None:  # type: ignore[no-untyped-def]
    """The other builders create contacts and tasks today although they stand for a year of
    history; the score (and its back-test) counts a row only from its created_at, so give them
    the dates they pretend to have: contacts since the client came, tasks two weeks before their
    deadline."""
    Contact.objects.filter(client__agency=agency).update(
        created_at=Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("created_at")[:1]))
    recent = timezone.now() - timedelta(days=1)
    tasks = list(Task.objects.filter(project__agency=agency, deadline__isnull=False, created_at__gt=recent)
                 .only("pk", "deadline", "created_at"))
    for task in tasks:
        assert task.deadline is not None
        task.created_at = min(task.created_at, _at(task.deadline - timedelta(days=14), 9))
    Task.objects.bulk_update(tasks, ["created_at"], batch_size=500)


def seed(ctx: DemoContext) -> None:
    agency, rng, today = ctx.agency, ctx.rng, ctx.today
    if HealthScore.objects.filter(agency=agency).exists():
        return
    head = Employee.objects.filter(agency=agency, role=Role.HEAD_OF_ACCOUNTS).select_related("user").first()
    ams = list(Employee.objects.filter(agency=agency, role=Role.ACCOUNT_MANAGER, is_active=True))
    churned = list(Client.objects.filter(agency=agency, status=LifecycleStatus.CHURNED)
                   .select_related("account_manager").order_by("pk"))
    for n, client in enumerate(churned):
        transition = LifecycleTransition.objects.filter(client=client, to_status=LifecycleStatus.CHURNED).first()
        if transition is None:
            continue
        if transition.changed_at < timezone.now() - timedelta(days=2):
            churn_day = timezone.localdate(transition.changed_at)  # dated in the past by another builder: keep it
        else:
            churn_day = today - timedelta(days=rng.randint(30, 330))
            LifecycleTransition.objects.filter(pk=transition.pk).update(changed_at=_at(churn_day, 16))
            Client.objects.filter(pk=client.pk).update(status_changed_at=_at(churn_day, 16))
        # Two thirds of them complained and waited for answers in the weeks before leaving, and
        # their AM had just been replaced; the rest left without warning (budget, bankruptcy).
        if n % 3 != 2:
            for back in sorted(rng.sample(range(8, 45), k=3), reverse=True):
                _complain(client, churn_day - timedelta(days=back), rng)
                _late_request(client, churn_day - timedelta(days=back + 2))
        if n % 3 != 2 and head is not None and client.account_manager is not None and len(ams) > 1:
            other = next(a for a in ams if a.pk != client.account_manager_id)
            AccountManagerChange.objects.create(
                client=client, previous_manager=other, new_manager=client.account_manager, changed_by=head.user,
                changed_at=_at(churn_day - timedelta(days=rng.randint(20, 60))), reason="Перераспределение нагрузки")
    _date_demo_rows_back(agency)
    # Fresh trouble for a few served clients: the proposals of today.
    served = list(Client.objects.filter(agency=agency, status=LifecycleStatus.ACTIVE)
                  .select_related("account_manager").order_by("pk"))
    for client in rng.sample(served, k=min(6, len(served))):
        for back in rng.sample(range(1, 20), k=2):
            _complain(client, today - timedelta(days=back), rng)
    # Daily history: a month of nightly runs, proposals only from today's.
    for back in range(HISTORY_DAYS, 0, -1):
        health_recompute(agency=agency, day=today - timedelta(days=back), propose=False)
    result = health_recompute(agency=agency, day=today)
    run = backtest_store(agency=agency, actor=head.user if head else None, start=today - timedelta(days=365),
                         end=today, step_days=7, horizon_days=90)
    ctx.log(f"health: {HealthScore.objects.filter(agency=agency).count()} daily scores, "
            f"{len(result.proposals)} proposals; back-test: {run.result['churned_flagged']} of "
            f"{run.result['churned']} churns flagged, precision {run.result['precision']}")
