"""Field history («История изменений») of invoices, acts, payments with allocations, tasks and
stages: told in words, visible to heads and finance only (issue #10, loose ends)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from tandem.billing import services
from tandem.billing.models import Invoice, Payment
from tandem.billing.tests.helpers import issued_invoice, statement
from tandem.work.models import Task
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db
API = "/api/v1/history"
ROLES = ["head", "group_head", "admin", "finance", "am1", "spec1", "am2", "spec2", "outsider"]
READS = {"head", "group_head", "admin", "finance"}


def _named(org):
    """Give the people full names different from their logins."""
    for emp, name in [(org.finance, "Фаина Финансова"), (org.am1, "Анна Аккаунтова"), (org.head, "Глеб Главный")]:
        emp.full_name = name
        emp.save(update_fields=["full_name"])


def _rows(resp):
    return resp.json()


def test_invoice_history_in_words(money, api_client_for, web_client_for):
    _named(money)
    invoice = services.invoice_create(actor=money.finance.user, client=money.client_a, contract=money.contract_a,
                                      date=date(2026, 2, 2), lines=[services.LineInput(name="SEO", price=Decimal("1234.5"))])
    # Issued from the web: the request's user is recorded (HistoryRequestMiddleware).
    assert web_client_for(money.finance).post(reverse("web:invoice_issue", args=[invoice.pk])).status_code == 302
    body = api_client_for(money.head).get(f"{API}/invoice/{invoice.pk}/").json()
    change = next(e for e in body if e["action"] == "Изменение" and any(c["field"] == "Статус" for c in e["changes"]))
    assert change["who"] == "Фаина Финансова"
    status = next(c for c in change["changes"] if c["field"] == "Статус")
    assert (status["old"], status["new"]) == ("Черновик", "Выставлен")
    assert body[-1]["action"] == "Создание"


def test_payment_and_allocations_history(money, api_client_for):
    _named(money)
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    payment = services.payment_record(actor=money.finance.user, date=date(2026, 2, 10), amount=Decimal("400"),
                                      client=money.client_a, number="77", auto_allocate=False)
    api = api_client_for(money.finance)
    services.payment_allocate(actor=money.finance.user, payment=payment, invoice=invoice)
    body = api.get(f"{API}/payment/{payment.pk}/").json()
    allocation = next(e for e in body if e["subject"] == "Разнесение")
    assert allocation["action"] == "Создание"
    fields = {c["field"]: c["new"] for c in allocation["changes"]}
    assert fields["Счёт"] == f"Счёт № {invoice.number} от 02.02.2026"
    assert fields["Сумма"] == "400,00"
    invoice_body = api.get(f"{API}/invoice/{invoice.pk}/").json()
    assert any(e["subject"] == "Разнесение" and any("Платёж № 77" in c["new"] for c in e["changes"])
               for e in invoice_body)


def test_statement_import_writes_history_with_the_importer(money, api_client_for):
    _named(money)
    invoice = issued_invoice(money.finance, money.client_a, "25000.00")
    data = statement({"amount": "25000.00", "inn": "7702070139", "purpose": f"Оплата по счёту № {invoice.number}"})
    services.statement_import(actor=money.finance.user, data=data, file_name="feb.txt")
    payment = Payment.objects.get()
    assert payment.history.count() == 1 and payment.history.get().history_user == money.finance.user
    last = Invoice.history.filter(id=invoice.pk).order_by("-history_id").first()
    assert last.status == "paid" and last.history_user == money.finance.user
    assert last.history_change_reason == "Загрузка выписки feb.txt"
    body = api_client_for(money.head).get(f"{API}/invoice/{invoice.pk}/").json()
    paid = next(e for e in body if e["reason"] == "Загрузка выписки feb.txt" and e["subject"] == "")
    assert {c["field"]: c["new"] for c in paid["changes"]}["Статус"] == "Оплачен"
    assert paid["who"] == "Фаина Финансова"


def test_task_history_names_people_not_logins(org, api_client_for, web_client_for):
    _named(org)
    project = signed_project(org)
    task = TaskFactory.create(project=project, assignee=org.spec1, reviewer=org.am1, created_by=org.am1.user)
    resp = web_client_for(org.am1).post(reverse("web:task_edit", args=[task.pk]), {
        "title": task.title, "brief": "Новый бриф", "assignee": org.am1.pk, "reviewer": org.am1.pk,
        "deadline": "", "estimate_hours": "", "priority": task.priority,
    })
    assert resp.status_code == 302, resp.content.decode()[:2000]
    body = api_client_for(org.head).get(f"{API}/task/{task.pk}/").json()
    change = body[0]
    assert change["who"] == "Анна Аккаунтова"
    fields = {c["field"]: (c["old"], c["new"]) for c in change["changes"]}
    assert fields["Исполнитель"] == ("spec1", "Анна Аккаунтова") and fields["Бриф"] == ("—", "Новый бриф")


@pytest.mark.parametrize("role", ROLES)
def test_history_api_permissions(money, api_client_for, role):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    resp = api_client_for(money.by_role_name(role)).get(f"{API}/invoice/{invoice.pk}/")
    sees_money = role in {"head", "group_head", "admin", "finance", "am1"}  # specialists see no money
    assert resp.status_code == (200 if role in READS else 403 if sees_money else 404)


@pytest.mark.parametrize("role", ROLES)
def test_task_and_stage_history_pages_permissions(org, web_client_for, role):
    project = signed_project(org)
    task = TaskFactory.create(project=project)
    stage = StageFactory.create(project=project)
    web = web_client_for(org.by_role_name(role))
    sees = role in {"head", "group_head", "admin", "finance", "am1", "spec1"}
    for kind, pk in [("task", task.pk), ("stage", stage.pk)]:
        resp = web.get(reverse("web:field_history", args=[kind, pk]))
        assert resp.status_code == (200 if role in READS else 403 if sees else 404), (kind, role)
    if sees:
        page = web.get(reverse("web:task_detail", args=[task.pk])).content.decode()
        assert ("История изменений" in page) is (role in READS)
        assert Task.objects.filter(pk=task.pk).exists()


def test_history_panel_on_documents_for_finance_only(money, web_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    url = reverse("web:field_history", args=["invoice", invoice.pk])
    assert url in web_client_for(money.finance).get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    assert url not in web_client_for(money.am1).get(reverse("web:invoice_detail", args=[invoice.pk])).content.decode()
    partial = web_client_for(money.finance).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<table" in partial and "Создание".lower() in partial and "<html" not in partial


def test_unknown_kind_is_404(org, web_client_for, api_client_for):
    assert web_client_for(org.head).get("/history/client/1/").status_code == 404
    assert api_client_for(org.head).get(f"{API}/client/1/").status_code == 404


def test_stage_change_through_the_api_records_the_user(org, api_client_for):
    _named(org)
    project = signed_project(org)
    stage = StageFactory.create(project=project)
    assert api_client_for(org.am1).post(f"/api/v1/stages/{stage.pk}/start/").status_code == 200
    body = api_client_for(org.group_head).get(f"{API}/stage/{stage.pk}/").json()
    assert body[0]["who"] == "Анна Аккаунтова"
    assert {c["field"]: (c["old"], c["new"]) for c in body[0]["changes"]}["Статус"] == ("Запланирован", "В работе")


def test_act_history_page(money, web_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    act = services.act_create(actor=money.finance.user, invoice=invoice)
    web = web_client_for(money.finance)
    assert reverse("web:field_history", args=["act", act.pk]) in web.get(
        reverse("web:act_detail", args=[act.pk])).content.decode()
    page = web.get(reverse("web:field_history", args=["act", act.pk])).content.decode()
    assert "История изменений" in page and f"Акт № {act.number}" in page


def test_history_queries_do_not_grow_with_the_changes(money, api_client_for, django_assert_max_num_queries):
    invoice = issued_invoice(money.finance, money.client_a, "10000.00")
    api = api_client_for(money.finance)

    def pay(n: int) -> None:
        for k in range(n):
            p = services.payment_record(actor=money.finance.user, date=date(2026, 2, 10), amount=Decimal("10"),
                                        client=money.client_a, number=f"{k}", auto_allocate=False)
            services.payment_allocate(actor=money.finance.user, payment=p, invoice=invoice)

    pay(2)
    with django_assert_max_num_queries(15) as small:
        assert api.get(f"{API}/invoice/{invoice.pk}/").status_code == 200
    pay(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = api.get(f"{API}/invoice/{invoice.pk}/").json()
    assert sum(1 for e in body if e["subject"] == "Разнесение") == 12
