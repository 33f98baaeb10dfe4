"""One visual language in forms: the stage answer names one of the client's contacts, people
are shown by name, numbers are read and shown with a decimal comma, holidays in the UI
language, long lists paginated with the count in the heading."""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from tandem.clients.tests.factories import ContactFactory
from tandem.comms.selectors import sla_settings
from tandem.integrations.workcalendar import public_holidays
from tandem.org.models import Employee, User
from tandem.web.templatetags.people import person
from tandem.web.work.forms import MonthForm, TaskForm
from tandem.work.models import StageStatus, StageSubmission, TimeEntry
from tandem.work.services import month_close, stage_record_answer, stage_send
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

TODAY = timezone.localdate()


@pytest.fixture
def sent_stage(org):
    stage = StageFactory(project=signed_project(org), title="Аудит", status=StageStatus.IN_WORK,
                         deliverable_url="https://docs.example/audit")
    stage_send(actor=org.am1.user, stage=stage)
    return stage


def _field(html: str, field_id: str) -> str:
    """The <div class="field"> of the form field with this id (label, control, help, errors)."""
    start = html.rfind('<div class="field', 0, html.index(f'<label for="{field_id}">'))
    return html[start:html.index("</div>", start)]


def _answer(web, stage, **data):  # type: ignore[no-untyped-def]
    url = reverse("web:stage_action", args=[stage.pk, "answer"])
    return web.post(url, {f"a{stage.pk}-{k}": v for k, v in data.items()}, HTTP_HX_REQUEST="true")


def test_answer_form_offers_only_the_clients_contacts_with_labels(org, web_client_for, sent_stage):
    ours = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог")
    ContactFactory.create(client=org.client_b, full_name="Пётр Чужой")

    html = web_client_for(org.am1).get(reverse("web:project_detail", args=[sent_stage.project_id])).content.decode()

    assert f'<option value="{ours.pk}">Ирина Маркетолог · Маркетолог</option>' in html
    assert "Пётр Чужой" not in html
    for name in ("decision", "contact", "comment", "answered_on"):
        assert f'<label for="id_a{sent_stage.pk}-{name}">' in html
    for name in ("deliverable_url", "note"):
        assert f'name="s{sent_stage.pk}-{name}"' not in html  # the send form is not offered once sent


def test_answer_names_the_chosen_contact(org, web_client_for, sent_stage):
    irina = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог")

    r = _answer(web_client_for(org.am1), sent_stage, decision="approved", contact=irina.pk)

    submission = StageSubmission.objects.get(stage=sent_stage)
    assert 'data-status="approved"' in r.content.decode() and "— Ирина Маркетолог" in r.content.decode()
    assert submission.contact == irina and submission.client_contact == "Ирина Маркетолог"


def test_a_contact_of_another_client_is_refused_next_to_the_field(org, web_client_for, sent_stage):
    stranger = ContactFactory.create(client=org.client_b, full_name="Пётр Чужой")

    r = _answer(web_client_for(org.am1), sent_stage, decision="approved", contact=stranger.pk)

    field = _field(r.content.decode(), f"id_a{sent_stage.pk}-contact")
    assert r.status_code == 200 and field.startswith('<div class="field has-error">')
    assert '<small class="error">' in field
    sent_stage.refresh_from_db()
    assert sent_stage.status == StageStatus.SENT
    assert not StageSubmission.objects.filter(answered_at__isnull=False).exists()


def test_service_refuses_another_clients_contact(org, sent_stage):
    stranger = ContactFactory.create(client=org.client_b)

    with pytest.raises(ValidationError) as exc:
        stage_record_answer(actor=org.am1.user, stage=sent_stage, decision="approved", contact=stranger)

    assert "contact" in exc.value.message_dict
    sent_stage.refresh_from_db()
    assert sent_stage.status == StageStatus.SENT


def test_service_error_on_the_answer_date_shows_at_the_date_field(org, web_client_for, sent_stage):
    r = _answer(web_client_for(org.am1), sent_stage, decision="approved",
                answered_on=(TODAY - timedelta(days=30)).isoformat())

    date_field = _field(r.content.decode(), f"id_a{sent_stage.pk}-answered_on")
    assert "Ответ не может прийти раньше отправки." in date_field


def test_api_answer_keeps_the_text_and_may_name_a_contact(org, api_client_for, sent_stage):
    irina = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог")
    stranger = ContactFactory.create(client=org.client_b)
    api = api_client_for(org.am1)
    url = f"/api/v1/stages/{sent_stage.pk}/answer/"

    refused = api.post(url, {"decision": "approved", "contact": stranger.pk}, format="json")
    answered = api.post(url, {"decision": "approved", "contact": irina.pk, "client_contact": "Ирина, маркетолог"},
                        format="json")

    assert refused.status_code == 400 and "contact" in refused.json()
    submission = answered.json()["submissions"][0]
    assert submission["contact"] == irina.pk and submission["client_contact"] == "Ирина, маркетолог"


def test_old_text_answers_are_linked_to_the_contact_of_that_name(org, sent_stage):
    migration = importlib.import_module("tandem.work.migrations.0006_stage_submission_contact_from_text")
    irina = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог")
    ContactFactory.create(client=org.client_a, full_name="Иван Петров")
    ContactFactory.create(client=org.client_a, full_name="Иван Петров")
    ContactFactory.create(client=org.client_b, full_name="Ольга Бетова")
    other = StageFactory(project=sent_stage.project, status=StageStatus.IN_WORK, deliverable_url="https://x.example")
    third = StageFactory(project=sent_stage.project, status=StageStatus.IN_WORK, deliverable_url="https://x.example")
    texts = {sent_stage: " ирина маркетолог ", other: "Иван Петров", third: "Ольга Бетова"}
    for stage, text in texts.items():
        if stage is not sent_stage:
            stage_send(actor=org.am1.user, stage=stage)
        StageSubmission.objects.filter(stage=stage).update(client_contact=text)

    migration.link_contacts(apps, None)

    linked = dict(StageSubmission.objects.values_list("stage_id", "contact_id"))
    assert linked == {sent_stage.pk: irina.pk, other.pk: None, third.pk: None}  # ambiguous, another client's


def test_person_filter_shows_names_never_logins(org):
    bare = User.objects.create_user(username="root2", first_name="Анна", last_name="Боброва")
    Employee.objects.filter(pk=org.am1.pk).update(full_name="Смирнова Анна")
    org.am1.user.refresh_from_db()

    assert person(org.am1.user) == "Смирнова Анна"
    assert person(Employee.objects.get(pk=org.am1.pk)) == "Смирнова Анна"
    assert person(bare) == "Анна Боброва"
    assert person(None) == "" and person("") == ""


def test_closed_months_show_who_closed_by_name(org, web_client_for):
    Employee.objects.filter(pk=org.finance.pk).update(full_name="Лебедева Ирина")
    month_close(actor=org.finance.user, month=TODAY.replace(day=1) - timedelta(days=1))

    html = web_client_for(org.head).get(reverse("web:closed_months")).content.decode()

    assert "<td>Лебедева Ирина</td>" in html and "<td>finance</td>" not in html


def test_timesheet_takes_and_shows_a_decimal_comma(org, web_client_for):
    project = signed_project(org)

    r = web_client_for(org.spec1).post(reverse("web:timesheet_cell"),
                                        {"project": project.pk, "date": str(TODAY), "hours": "0,75"},
                                        HTTP_HX_REQUEST="true")

    assert 'value="0,75"' in r.content.decode()
    assert TimeEntry.objects.get().hours == Decimal("0.75")


def test_hours_fields_read_a_comma_and_show_one(org):
    employees = Employee.objects.filter(agency=org.agency)

    form = TaskForm({"title": "Аудит", "estimate_hours": "1,5", "priority": "2"}, employees=employees)
    shown = TaskForm(initial={"estimate_hours": Decimal("0.75")}, employees=employees)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["estimate_hours"] == Decimal("1.5")
    assert 'value="0,75"' in str(shown["estimate_hours"]) and 'inputmode="decimal"' in str(shown["estimate_hours"])


def test_api_time_entries_still_take_and_give_a_dot(org, api_client_for):
    project = signed_project(org)

    r = api_client_for(org.spec1).post("/api/v1/time-entries/",
                                       {"project": project.pk, "date": str(TODAY), "hours": "0.75"}, format="json")

    assert r.status_code == 201 and r.json()["hours"] == "0.75"


def test_holidays_are_named_in_the_ui_language():
    with translation.override("en"):
        english = public_holidays(date(2027, 1, 1), date(2027, 1, 1), language=translation.get_language())
    russian = public_holidays(date(2027, 1, 1), date(2027, 1, 1), language="ru")

    assert english == [(date(2027, 1, 1), "New Year Holidays")]
    assert russian == [(date(2027, 1, 1), "Новогодние каникулы")]


def test_sla_settings_name_holidays_in_the_ui_language(org):
    with translation.override("en"):
        english = sla_settings(actor=org.head.user, holidays_days=366).holidays
    with translation.override("ru"):
        russian = sla_settings(actor=org.head.user, holidays_days=366).holidays

    assert english and all(name.isascii() for _day, name in english)
    assert russian and not any(name.isascii() for _day, name in russian)


def test_task_list_is_paginated_with_the_count_in_the_heading(org, web_client_for):
    project = signed_project(org)
    TaskFactory.create_batch(51, project=project, assignee=org.spec1)

    first = web_client_for(org.head).get(reverse("web:task_list"), {"scope": "all", "status": "any"})
    second = web_client_for(org.head).get(reverse("web:task_list"), {"scope": "all", "status": "any", "page": 2})

    html = first.content.decode()
    assert '<span class="count" id="list-count">(51)</span>' in html
    assert "?scope=all&amp;status=any&amp;page=2" in html and "Страница 1 из 2" in html
    assert len(re.findall(r'href="/tasks/\d+/"', second.content.decode())) == 1


def test_contract_list_is_paginated_with_the_count_in_the_heading(money, web_client_for):
    html = web_client_for(money.head).get(reverse("web:contract_list")).content.decode()

    assert '<span class="count" id="list-count">(2)</span>' in html and "Страница" not in html


@pytest.mark.parametrize("language", ["ru", "en"])
def test_dates_are_typed_and_shown_in_the_russian_order(org, language):
    employees = Employee.objects.filter(agency=org.agency)

    with translation.override(language):
        typed = TaskForm({"title": "Аудит", "deadline": "03.12.2026", "priority": "2"}, employees=employees)
        iso = TaskForm({"title": "Аудит", "deadline": "2026-12-03", "priority": "2"}, employees=employees)
        shown = str(TaskForm(initial={"deadline": date(2026, 12, 3)}, employees=employees)["deadline"])

    assert typed.is_valid() and typed.cleaned_data["deadline"] == date(2026, 12, 3)
    assert iso.is_valid() and iso.cleaned_data["deadline"] == date(2026, 12, 3)
    assert 'value="03.12.2026"' in shown and 'type="text"' in shown
    assert ('placeholder="dd.mm.yyyy"' if language == "en" else 'placeholder="дд.мм.гггг"') in shown


def test_months_are_picked_from_a_list_named_in_the_ui_language():
    last_month = TODAY.replace(day=1) - timedelta(days=1)

    with translation.override("ru"):
        russian = str(MonthForm()["month"])
    with translation.override("en"):
        english = str(MonthForm()["month"])
    form = MonthForm({"month": f"{last_month:%Y-%m}"})

    assert f'<option value="{last_month:%Y-%m}">' in russian and 'type="month"' not in russian
    assert "Январь" in russian and "January" in english
    assert form.is_valid() and form.cleaned_data["month"] == last_month.replace(day=1)


def test_hours_fields_read_a_comma_on_english_pages_too(org):
    employees = Employee.objects.filter(agency=org.agency)

    with translation.override("en"):
        comma = TaskForm({"title": "Audit", "estimate_hours": "0,75", "priority": "2"}, employees=employees)
        dot = TaskForm({"title": "Audit", "estimate_hours": "0.75", "priority": "2"}, employees=employees)

    assert comma.is_valid() and comma.cleaned_data["estimate_hours"] == Decimal("0.75")
    assert dot.is_valid() and dot.cleaned_data["estimate_hours"] == Decimal("0.75")
