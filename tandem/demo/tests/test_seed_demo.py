"""The demo loads once (it takes a while), is idempotent and gives every role something to see.
One test on purpose: every domain's demo assertions share the single load."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from tandem.billing.models import BilledTime, BonusStatement, Invoice, Payment
from tandem.billing.selectors import plan_overview, profitability, unbilled_hours
from tandem.clients.models import Client, Contact, LifecycleStatus
from tandem.clients.permissions import clients_visible_to
from tandem.comms.models import ClientRequest, Interaction
from tandem.comms.selectors import contacts_due
from tandem.contracts.models import BillingModel, Contract, ContractLine, ContractStatus
from tandem.org.models import Employee
from tandem.work.models import Task, TimeEntry


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (
        Employee, Client, Contact, Contract, Task, TimeEntry, Invoice, Payment, Interaction, ClientRequest,
    ))


def test_seed_demo_is_idempotent_and_believable(db):
    call_command("seed_demo", verbosity=0)
    counts = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == counts

    employees, clients, contacts, contracts, tasks, time_entries, invoices, payments, interactions, requests = counts
    assert 20 <= employees <= 30
    assert 100 <= clients <= 140
    assert contacts >= 2 * clients
    churned = Client.objects.filter(status=LifecycleStatus.CHURNED)
    assert churned.exists() and not churned.filter(churn_reason="").exists()

    assert Contract.objects.filter(status=ContractStatus.SIGNED).exists()
    assert tasks > 0 and time_entries > 1000
    assert invoices > 100 and payments > 100
    # Issue 10: the payments page shows payments «на проверку» and queue items with a suggestion.
    assert Payment.objects.filter(needs_review=True, client__isnull=False).count() >= 3
    assert Payment.objects.filter(needs_review=True, client__isnull=True, suggested_client__isnull=False).count() >= 2
    assert interactions > 100 and requests > 10

    am = Employee.objects.get(user__username="am1")
    assert am.user.check_password("tandem-demo")
    assert clients_visible_to(am.user).exists()
    assert contacts_due(actor=am.user, am_ids=[am.pk]).items

    # Every AM is credited for past months (first AM on record from the start of service).
    head = Employee.objects.get(user__username="head")
    month = timezone.localdate().replace(day=1)
    for _ in range(6):
        month = (month - timedelta(days=1)).replace(day=1)
        planned = [f for f in plan_overview(actor=head.user, month=month) if f.plan]
        assert len(planned) >= 8 and all(f.percent and f.percent > 20 for f in planned), month
    assert BonusStatement.objects.filter(paid__gt=0).count() > 40
    # Revenue per project (issue 10): every billed line names its project but one imported-style
    # hosting line; hourly work is invoiced from the logged time, the last month left to invoice.
    head = Employee.objects.get(user__username="head")
    today = timezone.localdate()
    report = profitability(actor=head.user, start=today - timedelta(days=365), end=today, by="project")
    project_rows = [r for r in report.rows if isinstance(r.key, int)]
    assert sum(r.revenue for r in project_rows) > 0
    assert all(r.label.count(r.label.split(" — ")[0]) == 1 for r in project_rows)
    assert [r for r in report.rows if r.without_project]
    assert BilledTime.objects.exists()
    hourly = ContractLine.objects.filter(billing_model=BillingModel.HOURLY, project__isnull=False)
    previous = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert any(unbilled_hours(contract_line=line, month=previous) > 0 for line in hourly)
