"""Routine actions in two clicks from My day, the client card and a request; My day for finance
and specialists; «все (N)» links. Each endpoint: role-parametrized permissions (nothing changed
when denied), the confirmation and the new counts in the answer."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.billing import services as billing_services
from tandem.billing.models import CollectionReminder, Payment, PromisedPayment
from tandem.billing.tests.factories import VatRateFactory
from tandem.billing.tests.helpers import issued_invoice as _issued
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.models import Interaction
from tandem.comms.services import request_create
from tandem.work import services as work_services
from tandem.work.models import Stage, StageStatus, Task, TaskStatus
from tandem.work.selectors import day_norm, timesheet_gaps
from tandem.work.tests.factories import StageFactory, TaskFactory, TimeEntryFactory, signed_project

pytestmark = pytest.mark.django_db
URL = "/my-day/"
HX = {"HTTP_HX_REQUEST": "true"}
AM_SECTION_TITLES = ("Связаться сегодня", "Обращения по SLA", "Клиенты молчат слишком долго")


def issued_invoice(actor, client, amount):
    """An overdue issued invoice (dated 02.02.2026, VAT rate on file)."""
    if not client.agency.vat_rates.exists():
        VatRateFactory.create(agency=client.agency)
    return _issued(actor, client, amount)


def _sections(response) -> dict:
    return {s["key"]: s for s in response.context["sections"]}


# --- logging a contact: My day, the client card, a request ----------------------------------


def test_log_contact_form_preselects_preferred_channel_and_now(org, web_client_for):
    contact = ContactFactory.create(client=org.client_a, preferred_channel="messenger")
    html = web_client_for(org.am1).get(reverse("web:my_day_log_contact", args=[contact.pk]), **HX).content.decode()
    assert '<option value="message" selected>' in html and '<option value="messenger" selected>' in html
    now = timezone.localtime().strftime("%Y-%m-%dT%H:")
    assert f'name="occurred_at" value="{now}' in html


def test_log_contact_yesterday_without_words_from_my_day(org, web_client_for):
    contact = ContactFactory.create(client=org.client_a, full_name="Ирина Волкова", preferred_channel="phone")
    yesterday = timezone.localtime() - timedelta(days=1)
    resp = web_client_for(org.am1).post(reverse("web:my_day_log_contact", args=[contact.pk]), {
        "kind": "call", "channel": "phone", "occurred_at": yesterday.strftime("%Y-%m-%dT%H:%M"), "place": "my_day",
    }, **HX)
    body = resp.content.decode()
    assert resp.status_code == 200 and "Записано: звонок, Ирина Волкова." in body
    assert 'id="count-due_contacts" hx-swap-oob="true">0<' in body
    interaction = Interaction.objects.get()
    assert interaction.summary == "Звонок"
    assert timezone.localtime(interaction.occurred_at).date() == yesterday.date()


def test_log_contact_from_client_card_refreshes_its_comms_panel(org, web_client_for):
    contact = ContactFactory.create(client=org.client_a, full_name="Ирина Волкова", preferred_channel="email")
    web = web_client_for(org.am1)
    card = web.get(reverse("web:client_detail", args=[org.client_a.pk])).content.decode()
    assert f'{reverse("web:my_day_log_contact", args=[contact.pk])}?place=client' in card
    resp = web.post(reverse("web:my_day_log_contact", args=[contact.pk]),
                    {"kind": "email", "channel": "email", "summary": "Прислали отчёт", "place": "client"}, **HX)
    body = resp.content.decode()
    assert f'id="comms-panel-{org.client_a.pk}" hx-swap-oob="true"' in body
    assert "Прислали отчёт" in body and "Записано:" in body and "Ирина Волкова." in body
    assert Interaction.objects.get().kind == "email"


def test_log_contact_from_request_page(org, web_client_for):
    contact = ContactFactory.create(client=org.client_a, full_name="Ирина Волкова")
    r = request_create(actor=org.am1.user, client=org.client_a, contact=contact, data={"subject": "Упал сайт"})
    web = web_client_for(org.am1)
    page = web.get(reverse("web:request_detail", args=[r.pk])).content.decode()
    assert f'{reverse("web:my_day_log_contact", args=[contact.pk])}?place=request' in page
    resp = web.post(reverse("web:my_day_log_contact", args=[contact.pk]),
                    {"kind": "call", "channel": "phone", "place": "request"}, **HX)
    assert "Записано: звонок, Ирина Волкова." in resp.content.decode()
    assert list(Interaction.objects.get().contacts.all()) == [contact]


@pytest.mark.parametrize("role,allowed", [("am1", True), ("group_head", True), ("head", True), ("finance", True),
                                          ("spec1", True), ("am2", False), ("spec2", False), ("outsider", False)])
def test_log_contact_permissions(org, web_client_for, role, allowed):
    contact = ContactFactory.create(client=org.client_a)
    resp = web_client_for(org.by_role_name(role)).post(
        reverse("web:my_day_log_contact", args=[contact.pk]), {"kind": "call", "channel": "phone"}, **HX)
    assert resp.status_code == (200 if allowed else 404)
    assert Interaction.objects.exists() is allowed


# --- answering a request ---------------------------------------------------------------------


@pytest.mark.parametrize("role,status", [("am1", 200), ("group_head", 200), ("head", 200), ("spec1", 403),
                                         ("am2", 404), ("outsider", 404)])
def test_request_answer_in_place_permissions(org, web_client_for, role, status):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Упал сайт"})
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:request_respond", args=[r.pk]), **HX)
    r.refresh_from_db()
    assert resp.status_code == status
    assert (r.first_response_at is not None) is (status == 200)
    if status == 200:
        body = resp.content.decode()
        assert "Отмечено: ответили клиенту." in body and 'id="count-open_requests" hx-swap-oob="true">' in body


# --- tasks ----------------------------------------------------------------------------------


def _review_task(org):
    project = signed_project(org)
    return TaskFactory.create(project=project, status=TaskStatus.REVIEW, deadline=timezone.localdate())


@pytest.mark.parametrize("role,status", [("am1", 200), ("spec1", 403), ("group_head", 403), ("am2", 404),
                                         ("outsider", 404)])
def test_accept_task_in_one_click(org, web_client_for, role, status):
    task = _review_task(org)  # reviewer: am1 (the project's AM), assignee: spec1
    web = web_client_for(org.by_role_name(role))
    resp = web.post(reverse("web:my_day_task_move", args=[task.pk]),
                    {"to_status": "done", "section": "work_tasks_review"}, **HX)
    task.refresh_from_db()
    assert resp.status_code == status
    assert (task.status == TaskStatus.DONE) is (status == 200)
    if status == 200:
        body = resp.content.decode()
        assert f"Задача принята: {task.title}." in body
        assert 'id="count-work_tasks_review" hx-swap-oob="true">0<' in body


def test_review_section_offers_accept_only_to_the_reviewer(org, web_client_for):
    task = _review_task(org)
    url = reverse("web:my_day_task_move", args=[task.pk])
    assert url in web_client_for(org.am1).get(URL).content.decode()
    assert url not in web_client_for(org.group_head).get(URL).content.decode()


def test_specialist_hands_task_in_and_item_stays_with_new_status(org, web_client_for):
    project = signed_project(org)
    task = TaskFactory.create(project=project, status=TaskStatus.IN_PROGRESS, assignee=org.spec1)
    resp = web_client_for(org.spec1).post(reverse("web:my_day_task_move", args=[task.pk]),
                                          {"to_status": "review", "section": "work_my_tasks"}, **HX)
    body = resp.content.decode()
    assert resp.status_code == 200 and f'id="my-task-{task.pk}"' in body and "На проверке" in body
    assert 'id="count-work_my_tasks" hx-swap-oob="true">1<' in body
    assert Task.objects.get(pk=task.pk).status == TaskStatus.REVIEW


def test_task_move_refuses_other_statuses(org, web_client_for):
    task = _review_task(org)
    resp = web_client_for(org.am1).post(reverse("web:my_day_task_move", args=[task.pk]), {"to_status": "cancelled"}, **HX)
    assert resp.status_code == 400 and Task.objects.get(pk=task.pk).status == TaskStatus.REVIEW


# --- stages ---------------------------------------------------------------------------------


def _stage(org, status, **kw):
    return StageFactory.create(project=signed_project(org), status=status, **kw)


@pytest.mark.parametrize("role,status", [("am1", 200), ("head", 200), ("spec1", 403), ("finance", 403),
                                         ("am2", 404), ("outsider", 404)])
def test_send_stage_in_one_click(org, web_client_for, role, status):
    stage = _stage(org, StageStatus.IN_WORK, deliverable_url="https://example.com/audit")
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:my_day_stage_send", args=[stage.pk]), **HX)
    stage.refresh_from_db()
    assert resp.status_code == status
    assert (stage.status == StageStatus.SENT) is (status == 200)
    if status == 200:
        body = resp.content.decode()
        assert "Этап отправлен клиенту: Аудит сайта." in body


def test_stages_to_send_section_for_the_am(org, web_client_for):
    ready = _stage(org, StageStatus.IN_WORK, deliverable_url="https://example.com/a", title="Готовый")
    StageFactory.create(project=ready.project, status=StageStatus.IN_WORK, title="Без результата")
    html = web_client_for(org.am1).get(URL).content.decode()
    assert reverse("web:my_day_stage_send", args=[ready.pk]) in html
    assert "Приложить результат" in html
    resp = web_client_for(org.am1).post(reverse("web:my_day_stage_send", args=[ready.pk]), **HX)
    body = resp.content.decode()
    assert 'id="count-work_stages_send" hx-swap-oob="true">1<' in body
    assert 'id="count-work_stages_waiting" hx-swap-oob="true">1<' in body


def _sent_stage(org):
    stage = _stage(org, StageStatus.IN_WORK, deliverable_url="https://example.com/audit")
    work_services.stage_send(actor=org.am1.user, stage=stage)
    return Stage.objects.get(pk=stage.pk)


@pytest.mark.parametrize("role,status", [("am1", 200), ("group_head", 200), ("spec1", 403), ("am2", 404),
                                         ("outsider", 404)])
def test_client_approval_in_one_click(org, web_client_for, role, status):
    stage = _sent_stage(org)
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:my_day_stage_answer", args=[stage.pk]),
                                                       {"decision": "approved"}, **HX)
    stage.refresh_from_db()
    assert resp.status_code == status
    assert (stage.status == StageStatus.APPROVED) is (status == 200)
    if status == 200:
        body = resp.content.decode()
        assert "Клиент согласовал этап: Аудит сайта." in body
        assert 'id="count-work_stages_waiting" hx-swap-oob="true">0<' in body


def test_client_remarks_in_two_clicks(org, web_client_for):
    stage = _sent_stage(org)
    web = web_client_for(org.am1)
    form = web.get(reverse("web:my_day_stage_answer", args=[stage.pk]), **HX).content.decode()
    assert 'name="comment"' in form and 'value="changes_requested"' in form
    empty = web.post(reverse("web:my_day_stage_answer", args=[stage.pk]), {"decision": "changes_requested"}, **HX)
    assert empty.status_code == 200 and 'name="comment"' in empty.content.decode()
    assert Stage.objects.get(pk=stage.pk).status == StageStatus.SENT
    resp = web.post(reverse("web:my_day_stage_answer", args=[stage.pk]),
                    {"decision": "changes_requested", "comment": "Добавить конкурентов"}, **HX)
    assert "Замечания клиента записаны" in resp.content.decode()
    assert Stage.objects.get(pk=stage.pk).status == StageStatus.CHANGES_REQUESTED


def test_stage_buttons_only_for_who_may(org, web_client_for):
    stage = _sent_stage(org)
    url = reverse("web:my_day_stage_answer", args=[stage.pk])
    assert url in web_client_for(org.am1).get(URL).content.decode()
    assert url not in web_client_for(org.spec1).get(URL).content.decode()


@pytest.mark.parametrize("role,status", [("spec1", 200), ("am1", 200), ("spec2", 404), ("outsider", 404)])
def test_specialist_starts_stage(org, web_client_for, role, status):
    stage = _stage(org, StageStatus.PLANNED)
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:my_day_stage_start", args=[stage.pk]), **HX)
    stage.refresh_from_db()
    assert resp.status_code == status
    assert (stage.status == StageStatus.IN_WORK) is (status == 200)


# --- chasing invoices -----------------------------------------------------------------------


@pytest.mark.parametrize("role,status", [("am1", 200), ("finance", 200), ("group_head", 200), ("am2", 404),
                                         ("spec1", 404), ("outsider", 404)])
def test_promise_in_two_clicks(org, web_client_for, role, status):
    invoice = issued_invoice(org.finance, org.client_a, "1000")
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:my_day_invoice_promise", args=[invoice.pk])
    opened = web.get(url, **HX)
    assert opened.status_code == status
    tomorrow = timezone.localdate() + timedelta(days=1)
    resp = web.post(url, {"promised_on": tomorrow.isoformat(), "note": "бухгалтер обещала"}, **HX)
    assert resp.status_code == status
    assert PromisedPayment.objects.exists() is (status == 200)
    if status == 200:
        assert f'value="{tomorrow:%d.%m.%Y}"' in opened.content.decode()
        body = resp.content.decode()
        assert f"Обещание оплаты записано: счёт № {invoice.number}, {tomorrow:%d.%m.%Y}." in body
        assert 'id="count-invoices_to_chase" hx-swap-oob="true">1<' in body


def test_invoices_to_chase_offer_promise_and_reminder_letter(org, web_client_for):
    invoice = issued_invoice(org.finance, org.client_a, "1000")
    html = web_client_for(org.am1).get(URL).content.decode()
    assert reverse("web:my_day_invoice_promise", args=[invoice.pk]) in html
    assert reverse("web:invoice_remind", args=[invoice.pk]) in html


def _due_reminder(org):
    invoice = issued_invoice(org.finance, org.client_a, "1000")
    return CollectionReminder.objects.create(invoice=invoice, kind=CollectionReminder.Kind.values[0],
                                             due_on=timezone.localdate(), assignee=org.am1)


@pytest.mark.parametrize("role,status", [("am1", 200), ("finance", 200), ("am2", 404), ("spec1", 404),
                                         ("outsider", 404)])
def test_reminder_done_in_one_click(org, web_client_for, role, status):
    reminder = _due_reminder(org)
    resp = web_client_for(org.by_role_name(role)).post(reverse("web:my_day_reminder_done", args=[reminder.pk]), **HX)
    reminder.refresh_from_db()
    assert resp.status_code == status
    assert (reminder.status == CollectionReminder.Status.DONE) is (status == 200)
    if status == 200:
        assert "Напоминание выполнено" in resp.content.decode()
        assert 'id="count-billing_reminders_due" hx-swap-oob="true">' in resp.content.decode()


# --- My day for finance and specialists -----------------------------------------------------


def _finance_data(org, n: int) -> None:
    for i in range(n):
        billing_services.payment_record(actor=org.finance.user, date=timezone.localdate(), amount=Decimal("100"),
                                        payer_name=f"ООО Плательщик {i}")
        invoice = issued_invoice(org.finance, org.client_a if i % 2 else org.client_b, "500")
        PromisedPayment.objects.create(invoice=invoice, promised_on=timezone.localdate(), created_by=org.am1.user)
        CollectionReminder.objects.create(invoice=invoice, kind=CollectionReminder.Kind.values[0],
                                          due_on=timezone.localdate())


def test_finance_day_shows_money_sections_not_am_ones(org, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.finance)
    _finance_data(org, 2)
    with django_assert_max_num_queries(20) as small:
        resp = web.get(URL)
    sections = _sections(resp)
    assert {"billing_payments_to_match", "invoices_to_chase", "promised_payments", "billing_reminders_due"} <= set(sections)
    assert not {"due_contacts", "open_requests", "silent_clients", "next_steps"} & set(sections)
    assert sections["billing_payments_to_match"]["data"]["total"] == 2
    html = resp.content.decode()
    assert "ООО Плательщик 0" in html and "Разнести" in html
    assert not any(t in html for t in AM_SECTION_TITLES)
    _finance_data(org, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = web.get(URL)
    sections = _sections(resp)
    assert sections["billing_payments_to_match"]["data"]["total"] == 14
    assert len(sections["billing_payments_to_match"]["data"]["items"]) == 10
    assert Payment.objects.count() == 14


def _specialist_data(org, n: int) -> None:
    project = signed_project(org)
    for i in range(n):
        TaskFactory.create(project=project, assignee=org.spec1, status=TaskStatus.NEW, title=f"Сбор ядра {i}",
                           deadline=timezone.localdate() + timedelta(days=i))
        StageFactory.create(project=project, status=StageStatus.PLANNED, title=f"Этап {i}")


def test_specialist_day_shows_tasks_stages_and_timesheet(org, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.spec1)
    _specialist_data(org, 2)
    with django_assert_max_num_queries(20) as small:
        resp = web.get(URL)
    sections = _sections(resp)
    assert {"work_my_tasks", "work_stages_prepare", "work_timesheet_gaps"} <= set(sections)
    assert not {"due_contacts", "open_requests", "silent_clients", "invoices_to_chase"} & set(sections)
    tasks = sections["work_my_tasks"]["data"]["items"]
    assert [t.title for t in tasks] == ["Сбор ядра 0", "Сбор ядра 1"]  # nearest deadline first
    html = resp.content.decode()
    assert "Взять в работу" in html and "Открыть табель" in html
    assert not any(t in html for t in AM_SECTION_TITLES)
    _specialist_data(org, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        resp = web.get(URL)
    sections = _sections(resp)
    assert sections["work_my_tasks"]["data"]["total"] == 14 and len(sections["work_my_tasks"]["data"]["items"]) == 10


def test_timesheet_gaps_are_working_days_below_the_norm(org):
    # Week of Monday 4 May 2026: 4–8 May working, 9 May (Saturday) Victory Day, 10 May Sunday;
    # 11 May (Monday) is a day off moved by the government's decree.
    monday = date(2026, 5, 4)
    project = signed_project(org)
    assert day_norm(employee=org.spec1) == Decimal("8.00")  # 160 h a month
    TimeEntryFactory.create(employee=org.spec1, project=project, date=monday, hours=Decimal("8"))
    TimeEntryFactory.create(employee=org.spec1, project=project, date=monday + timedelta(days=1), hours=Decimal("2"))
    gaps = timesheet_gaps(employee=org.spec1, today=monday + timedelta(days=6))
    assert [g.day for g in gaps] == [monday + timedelta(days=i) for i in (1, 2, 3, 4)]
    assert gaps[0].logged == Decimal("2") and gaps[0].missing == Decimal("6")
    assert timesheet_gaps(employee=org.spec1, today=monday) == []


def test_part_time_norm_is_proportional(org):
    org.spec1.monthly_capacity_hours = 80
    assert day_norm(employee=org.spec1) == Decimal("4.00")


def test_timesheet_gaps_skip_public_holidays(org):
    # The New Year week: 29 and 30 December 2025 are working days; 31 December (moved day off)
    # and 1–4 January are not.
    gaps = timesheet_gaps(employee=org.spec1, today=date(2026, 1, 4))
    assert [g.day for g in gaps] == [date(2025, 12, 29), date(2025, 12, 30)]


# --- «все (N)» ------------------------------------------------------------------------------


def test_every_all_link_lists_exactly_its_total(org, web_client_for):
    for i in range(12):
        ContactFactory.create(client=org.client_a, full_name=f"Контакт {i}")
        request_create(actor=org.am1.user, client=org.client_a, data={"subject": f"Вопрос {i}"})
    web = web_client_for(org.am1)
    resp = web.get(URL)
    capped = [s for s in resp.context["sections"] if s["more"]]
    assert {"due_contacts", "open_requests"} <= {s["key"] for s in capped}
    html = resp.content.decode()
    for s in capped:
        total = s["data"]["total"]
        assert len(s["data"]["items"]) == 10
        assert f'href="?all={s["key"]}#section-{s["key"]}">все ({total})</a>' in html
        full = web.get(f"{URL}?all={s['key']}")
        shown = full.context["sections"]
        assert [x["key"] for x in shown] == [s["key"]] and len(shown[0]["data"]["items"]) == total


# --- the same actions from lists and the client card ----------------------------------------


def test_request_list_answers_in_one_click_with_constant_queries(org, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.group_head)
    first = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Вопрос 0"})
    with django_assert_max_num_queries(30) as small:
        html = web.get(reverse("web:request_list")).content.decode()
    assert reverse("web:request_respond", args=[first.pk]) in html
    for i in range(1, 8):
        request_create(actor=org.am1.user, client=org.client_a, data={"subject": f"Вопрос {i}"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        web.get(reverse("web:request_list"))
    resp = web.post(reverse("web:request_respond", args=[first.pk]), {"place": "list"}, **HX)
    assert "ответ дан" in resp.content.decode() and "Отмечено: ответили клиенту." in resp.content.decode()
    first.refresh_from_db()
    assert first.first_response_at is not None


def test_request_list_hides_the_answer_button_from_who_may_not(org, web_client_for):
    r = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Вопрос"})
    html = web_client_for(org.spec1).get(reverse("web:request_list")).content.decode()
    assert reverse("web:request_respond", args=[r.pk]) not in html


def test_client_card_work_panel_accepts_tasks_and_records_answers(org, web_client_for):
    task = _review_task(org)
    stage = _sent_stage(org)
    url = reverse("web:client_work_panel", args=[org.client_a.pk])
    mine = web_client_for(org.am1).get(url, **HX).content.decode()
    assert reverse("web:my_day_task_move", args=[task.pk]) in mine
    assert reverse("web:my_day_stage_answer", args=[stage.pk]) in mine
    theirs = web_client_for(org.spec1).get(url, **HX).content.decode()
    assert reverse("web:my_day_task_move", args=[task.pk]) not in theirs
    assert reverse("web:my_day_stage_answer", args=[stage.pk]) not in theirs


def test_task_list_offers_accept_to_the_reviewer_only(org, web_client_for):
    task = _review_task(org)
    url = reverse("web:my_day_task_move", args=[task.pk])
    assert url in web_client_for(org.am1).get(reverse("web:task_list") + "?scope=all").content.decode()
    assert url not in web_client_for(org.spec1).get(reverse("web:task_list") + "?scope=all").content.decode()


def test_invoice_list_chases_open_invoices_in_two_clicks(org, web_client_for):
    invoice = issued_invoice(org.finance, org.client_a, "1000")
    html = web_client_for(org.am1).get(reverse("web:invoice_list")).content.decode()
    remind = reverse("web:invoice_remind", args=[invoice.pk])
    assert remind in html
    letter = web_client_for(org.am1).get(remind)
    assert letter.status_code == 200 and "Отправить" in letter.content.decode()


@pytest.mark.parametrize("role,fill,keys", [
    ("finance", _finance_data, {"billing_payments_to_match", "invoices_to_chase", "promised_payments",
                                "billing_reminders_due"}),
    ("spec1", _specialist_data, {"work_my_tasks", "work_stages_prepare"}),
])
def test_all_links_of_finance_and_specialist_list_exactly_their_total(org, web_client_for, role, fill, keys):
    fill(org, 12)
    web = web_client_for(org.by_role_name(role))
    resp = web.get(URL)
    capped = {s["key"]: s for s in resp.context["sections"] if s["more"]}
    assert keys <= set(capped)
    html = resp.content.decode()
    for key, s in capped.items():
        total = s["data"]["total"]
        assert f'href="?all={key}#section-{key}">все ({total})</a>' in html
        shown = web.get(f"{URL}?all={key}").context["sections"]
        assert [x["key"] for x in shown] == [key] and len(shown[0]["data"]["items"]) == total
