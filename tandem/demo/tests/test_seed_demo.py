"""The demo loads once for this module (it takes a while), is idempotent and gives every role
something to see on every page of its menu.

The load runs in an outer transaction that is rolled back after the module; each test runs in a
savepoint inside it (pytest-django's `db`), so what one test writes is gone for the next.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from tandem.billing import services as billing_services
from tandem.billing.models import BilledTime, BonusStatement, Invoice, InvoiceStatus, Payment
from tandem.billing.selectors import payment_queue, plan_overview, profitability, unbilled_hours
from tandem.clients.models import Client, Contact, LifecycleStatus, LifecycleTransition
from tandem.clients.permissions import clients_visible_to
from tandem.clients.selectors import workload_list
from tandem.comms.models import ClientRequest, Escalation, Interaction
from tandem.comms.selectors import contacts_due
from tandem.contracts.models import BillingModel, Contract, ContractLine, ContractStatus
from tandem.notifications.models import Notification
from tandem.org.models import Employee, User
from tandem.web.context_processors import nav_for
from tandem.work.models import Stage, StageStatus, Task, TimeEntry

DEMO_LOGINS = ["head", "gh1", "am1", "spec1", "finance", "admin"]
# Pages whose content is a settings form: there is always something to show.
SETTINGS_PAGES = {
    "web:agency_edit", "web:contract_settings", "web:work_settings", "web:onboarding_template",
    "web:sla_settings", "web:billing_settings", "web:bonus_rules", "web:notification_settings",
    "web:health_settings",
    "web:month_close",  # an action form: the result table appears after it runs
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


pytestmark = pytest.mark.usefixtures("demo")


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (
        Employee, Client, Contact, Contract, Task, TimeEntry, Invoice, Payment, Interaction, ClientRequest,
        Notification,
    ))


def test_seed_demo_is_idempotent_and_believable(db):
    counts = _counts()
    call_command("seed_demo", verbosity=0)
    assert _counts() == counts

    employees, clients, contacts, contracts, tasks, time_entries, invoices, payments, interactions, requests, _n = counts
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

def test_the_situations_issue_14_asks_for(db):
    head = User.objects.get(username="head")
    loads = {w.employee.user.username: w for w in workload_list(actor=head) if w.employee.role == "account_manager"}
    assert any(w.active_clients == w.hard_limit for w in loads.values()), "an AM at the hard limit"
    assert any(w.soft_limit < w.active_clients < w.hard_limit for w in loads.values()), "an AM over the soft limit"

    assert LifecycleTransition.objects.filter(to_status=LifecycleStatus.CHURNED).exclude(churn_reason="").exists()
    assert Stage.objects.filter(status=StageStatus.SENT).count() >= 4
    assert Escalation.objects.exists()
    finance = User.objects.get(username="finance")
    queue = payment_queue(actor=finance)
    assert queue.filter(client__isnull=True).exists() and queue.filter(client__isnull=False).exists()
    for username in DEMO_LOGINS:
        assert Notification.objects.filter(recipient__user__username=username, read_at__isnull=True).exists(), username


def test_practice_statement_pays_real_invoices_when_imported(db, settings):
    settings.TANDEM_PRACTICE_STATEMENT = True
    finance = User.objects.get(username="finance")
    web = WebClient()
    web.force_login(finance)
    upload_page = web.get(reverse("web:statement_upload")).content.decode()
    assert reverse("web:statement_practice") in upload_page
    data = web.get(reverse("web:statement_practice")).content
    cited = set(re.findall(r"\d{2}-\d{4}", data.decode("cp1251")))
    assert len(cited) >= 4

    report = billing_services.statement_import(actor=finance, data=data, file_name="practice.txt")

    assert report.counts["matched"] >= 4
    paid = Invoice.objects.filter(number__in=cited)
    assert paid.count() == len(cited)
    assert not paid.filter(status=InvoiceStatus.ISSUED).exists()  # each paid at least in part


def _shows_something(html: str) -> bool:
    main = html.split("<main", 1)[-1]
    rows = [r for body in re.findall(r"<tbody.*?</tbody>", main, re.S) for r in re.findall(r"<tr.*?</tr>", body, re.S)]
    items = re.findall(r"<li(?![^>]*\bempty\b)[ >]", main)
    return any("empty" not in r for r in rows) or bool(items) or "bar-row" in main


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_every_menu_page_has_something_to_show(db, username):
    user = User.objects.get(username=username)
    web = WebClient()
    web.force_login(user)
    home, groups = nav_for(user, "/")
    assert home is not None
    pages = [home.url] + [item.url for group in groups for item in group.items]
    settings_urls = {reverse(name) for name in SETTINGS_PAGES}

    empty = []
    for url in pages:
        response = web.get(url)
        assert response.status_code == 200, url
        if url not in settings_urls and not _shows_something(response.content.decode()):
            empty.append(url)

    assert not empty, f"{username}: nothing to show on {empty}"


def test_demo_analytics_sources_have_a_year_of_snapshots_and_are_skipped_at_night():
    from tandem.reports import services as report_services
    from tandem.reports.models import AnalyticsSnapshot, AnalyticsSource

    sources = list(AnalyticsSource.objects.filter(is_demo=True))
    am1_clients = Client.objects.filter(account_manager__user__username="am1", analytics_sources__isnull=False)
    assert len(sources) >= 3 and am1_clients.exists()
    assert AnalyticsSnapshot.objects.filter(source=sources[0]).count() == 365
    assert report_services.analytics_refresh_all(today=timezone.localdate(), days=7) == {"ok": 0, "failed": 0}


def test_demo_has_proposals_in_every_status():
    from tandem.growth.models import Proposal, ProposalStatus

    mine = Proposal.objects.filter(author__username="am1")
    assert set(mine.values_list("status", flat=True)) == set(ProposalStatus.values)
    assert all(p.lines.exists() and p.status_changes.exists() for p in mine)


def test_demo_has_uploaded_positions_and_ad_spend_on_am1_cards():
    from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot
    from tandem.reports.selectors import results_summary

    positions = AnalyticsSnapshot.objects.filter(source__kind=AnalyticsKind.TOPVISOR).select_related("client").first()
    spend = AnalyticsSnapshot.objects.filter(source__kind=AnalyticsKind.YANDEX_DIRECT).select_related("client").first()
    assert positions is not None and spend is not None
    assert positions.client.account_manager.user.username == "am1"
    assert results_summary(client=positions.client, today=timezone.localdate()).has_positions
    assert results_summary(client=spend.client, today=timezone.localdate()).current.cost_per_lead is not None


def test_growth_demo_has_every_stage_suggestions_and_a_decision(db):
    from tandem.growth.models import NoResultsRecommendation, Opportunity, Stage, Suggestion, SuggestionStatus

    am1 = Employee.objects.get(user__username="am1")
    assert set(Opportunity.objects.filter(owner=am1).values_list("stage", flat=True)) == set(Stage.values)
    assert Opportunity.objects.filter(owner=am1, stage=Stage.PROPOSAL_SENT, next_step_date=timezone.localdate()).exists()
    assert Suggestion.objects.filter(client__account_manager=am1, status=SuggestionStatus.OPEN).exclude(evidence=[]).exists()
    assert Suggestion.objects.filter(status=SuggestionStatus.DISMISSED).exclude(dismiss_reason="").exists()
    assert NoResultsRecommendation.objects.exclude(decision="").exists()
    assert NoResultsRecommendation.objects.filter(basis="marks").exists()


def test_the_demo_portal_contact_signs_in_and_sees_a_stage_invoices_and_a_request(db):
    from tandem.demo.context import DEMO_PASSWORD
    from tandem.portal.models import PortalAccount

    account = PortalAccount.objects.select_related("user", "contact__client").get()
    browser = WebClient()
    response = browser.post(reverse("web:portal_login"), {"username": account.user.username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "ждёт вашего ответа" in browser.get(reverse("web:portal_projects")).content.decode()
    invoices = browser.get(reverse("web:portal_invoices")).content.decode()
    assert "не оплачен" in invoices and "badge ok" in invoices
    assert "Добавить новый раздел в отчёт" in browser.get(reverse("web:portal_requests")).content.decode()
    reports = browser.get(reverse("web:portal_reports")).content.decode()
    pdfs = re.findall(r'href="(/portal/reports/[^"]+/pdf/)"', reports)
    assert len(pdfs) >= 2
    assert browser.get(pdfs[0]).content.startswith(b"%PDF")
    staff = WebClient()
    staff.force_login(User.objects.get(username="am1"))
    assert "Из кабинета клиента" in staff.get(reverse("web:my_day")).content.decode()


def test_demo_client_reports_are_sent_and_drafted():
    from tandem.reports.models import ClientReport, DocumentTemplate

    sent = ClientReport.objects.filter(status="sent")
    assert sent.filter(client__account_manager__user__username="am1").exists()
    assert all(r.pdf and r.sent_to.exists() and r.summary for r in sent)
    assert ClientReport.objects.filter(status="draft").count() >= 3
    assert DocumentTemplate.objects.filter(is_active=True).count() == 2


def test_retainers_show_rollover_an_alert_and_a_decided_overage(db):
    from tandem.billing.models import RetainerOverageDecision
    from tandem.contracts.models import RetainerTerms
    from tandem.work.retainers import retainer_balances

    am1 = User.objects.get(username="am1")
    web = WebClient()
    web.force_login(am1)
    assert "Ретейнер близко к бюджету" in web.get(reverse("web:my_day")).content.decode()
    lines = [t.line for t in RetainerTerms.objects.select_related("line__contract")]
    rows = [row for balance in retainer_balances(lines=lines).values() for row in balance.rows]
    assert any(row.carried_in > 0 for row in rows) and any(row.expired > 0 for row in rows)
    assert any(row.frozen for row in rows)
    assert RetainerOverageDecision.objects.filter(decision="billed").exists()
    assert RetainerOverageDecision.objects.filter(decision="written_off").exists()
    assert Notification.objects.filter(kind="retainer_budget", recipient__user=am1).exists()


def test_demo_has_an_export_of_last_month_to_1c():
    from tandem.billing.models import OneCExport

    export = OneCExport.objects.get()
    assert export.document_count > 0 and export.counterparty_count > 0
    assert export.period_end == timezone.localdate().replace(day=1) - timedelta(days=1)
    assert export.items.count() == export.document_count
    # the demo's real-looking file is valid against the EnterpriseData subset schema
    from tandem.testing.onec import schema_errors

    assert schema_errors(bytes(export.content)) == []
