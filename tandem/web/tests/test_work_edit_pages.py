"""Work pages added after issue #3's first cut: task edit with a Markdown brief rendered
sanitised, the stage page with a deliverable file (upload, download through a checked view),
the onboarding template and the work settings."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import engines
from django.urls import reverse

from tandem.work.models import OnboardingTemplateItem, Stage, StageStatus, Task, TaskStatus, WorkSettings
from tandem.work.services import onboarding_template_ensure
from tandem.work.services import projects as stage_services
from tandem.work.tests.factories import StageFactory, TaskFactory, signed_project

pytestmark = pytest.mark.django_db

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
SEES_A = {"head", "finance", "admin", "group_head", "am1", "spec1"}
MANAGES_A = {"head", "admin", "group_head", "am1"}
WORKS_ON_A = MANAGES_A | {"spec1"}
SETTINGS_ROLES = {"head", "admin"}


def _render(text: str) -> str:
    return engines["django"].from_string("{% load richtext %}{{ text|markdown }}").render({"text": text})


# ------------------------------------------------------------------ Markdown filter


def test_markdown_renders_formatting_lists_and_links():
    html = _render("**Цель**: рост\n\n- пункт 1\n- пункт 2\n\n[ТЗ](https://docs.example/tz)")
    assert "<strong>Цель</strong>" in html and "<li>пункт 1</li>" in html
    assert 'href="https://docs.example/tz"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_markdown_strips_script_and_javascript_links():
    html = _render('<script>alert("x")</script>\n\n[клик](javascript:alert(1)) '
                   '<a href="JavaScript:alert(2)">b</a> <img src=x onerror="alert(3)"> '
                   '<p onclick="alert(4)">p</p>')
    lowered = html.lower()
    assert "<script" not in lowered and "javascript:" not in lowered
    assert "onerror" not in lowered and "onclick" not in lowered and "<img" not in lowered


def test_markdown_escapes_plain_text_and_handles_empty():
    assert "&lt;b&gt;" in _render("1 < 2 & `<b>`") and _render("") == ""


def test_task_page_shows_the_brief_rendered_and_sanitised(org, web_client_for):
    task = TaskFactory(project=signed_project(org), brief="## План\n\n**Важно**\n\n<script>steal()</script>")
    html = web_client_for(org.am1).get(reverse("web:task_detail", args=[task.pk])).content.decode()
    assert "<h2>План</h2>" in html and "<strong>Важно</strong>" in html
    brief = html.split('<div class="brief">')[1].split("</div>")[0]
    assert "<script" not in brief and "steal()" not in brief


# ------------------------------------------------------------------ task edit


@pytest.mark.parametrize("role", ROLES)
def test_task_edit_permissions(org, web_client_for, role):
    task = TaskFactory(project=signed_project(org), title="Старое")  # reviewer = am1
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:task_edit", args=[task.pk])
    expected = 200 if role in MANAGES_A else (403 if role in SEES_A else 404)
    assert web.get(url).status_code == expected
    r = web.post(url, {"title": "Новое", "brief": "*срочно*", "assignee": org.spec1.pk, "reviewer": org.am1.pk,
                       "priority": 3})
    task.refresh_from_db()
    if role in MANAGES_A:
        assert r.status_code == 302 and (task.title, task.brief, task.priority) == ("Новое", "*срочно*", 3)
    else:
        assert r.status_code == expected and (task.title, task.brief) == ("Старое", "")


def test_task_edit_shows_errors_in_place(org, web_client_for):
    task = TaskFactory(project=signed_project(org), title="Старое")
    r = web_client_for(org.am1).post(reverse("web:task_edit", args=[task.pk]),
                                     {"title": "", "assignee": "", "reviewer": org.am1.pk, "priority": 2,
                                      "estimate_hours": "-2"})
    html = r.content.decode()
    assert r.status_code == 400 and html.count("has-error") == 3
    assert Task.objects.get(pk=task.pk).title == "Старое"


def test_closed_task_edit_refused_with_message(org, web_client_for):
    task = TaskFactory(project=signed_project(org), status=TaskStatus.DONE, title="Готово")
    r = web_client_for(org.am1).post(reverse("web:task_edit", args=[task.pk]),
                                     {"title": "Ещё", "assignee": org.spec1.pk, "reviewer": org.am1.pk,
                                      "priority": 2})
    assert r.status_code == 400 and "Закрытую задачу менять нельзя" in r.content.decode()
    assert Task.objects.get(pk=task.pk).title == "Готово"


def test_task_page_links_to_edit_only_for_editors(org, web_client_for):
    task = TaskFactory(project=signed_project(org))
    url = reverse("web:task_detail", args=[task.pk])
    edit = reverse("web:task_edit", args=[task.pk])
    assert edit in web_client_for(org.am1).get(url).content.decode()
    assert edit not in web_client_for(org.spec1).get(url).content.decode()


# ------------------------------------------------------------------ stage page and files


def _stage_post(title: str = "Аудит", **extra: object) -> dict[str, object]:
    return {"title": title, "due_date": "", "deliverable_url": "", **extra}


@pytest.mark.parametrize("role", ROLES)
def test_stage_edit_with_file_permissions(org, web_client_for, role):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK, title="Аудит")
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:stage_edit", args=[stage.pk])
    expected = 200 if role in WORKS_ON_A else (403 if role in SEES_A else 404)
    assert web.get(url).status_code == expected
    r = web.post(url, _stage_post("Аудит v2", deliverable_file=SimpleUploadedFile("audit.pdf", b"%PDF audit")))
    stage.refresh_from_db()
    if role in WORKS_ON_A:
        assert r.status_code == 302 and r["Location"].endswith(f"#stage-{stage.pk}")
        assert stage.title == "Аудит v2" and stage.deliverable_file.read() == b"%PDF audit"
    else:
        assert r.status_code == expected and stage.title == "Аудит" and not stage.deliverable_file


@pytest.mark.parametrize("role", ROLES)
def test_stage_file_download_follows_visibility(org, web_client_for, role):
    stage = StageFactory(project=signed_project(org))
    stage.deliverable_file.save("report.xlsx", ContentFile(b"numbers"))
    r = web_client_for(org.by_role_name(role)).get(reverse("web:stage_file", args=[stage.pk]))
    if role in SEES_A:
        assert r.status_code == 200 and b"".join(r.streaming_content) == b"numbers"
        assert 'attachment; filename="report.xlsx"' == r["Content-Disposition"]
    else:
        assert r.status_code == 404


def test_project_page_links_the_file_through_the_checked_view(org, web_client_for):
    stage = StageFactory(project=signed_project(org), status=StageStatus.IN_WORK)
    stage.deliverable_file.save("audit.pdf", ContentFile(b"x"))
    html = web_client_for(org.spec1).get(reverse("web:project_detail", args=[stage.project_id])).content.decode()
    assert reverse("web:stage_file", args=[stage.pk]) in html and "/media/" not in html
    assert reverse("web:stage_edit", args=[stage.pk]) in html


def test_too_large_file_error_shown_in_place(org, web_client_for, monkeypatch):
    monkeypatch.setattr(stage_services, "MAX_DELIVERABLE_BYTES", 5)
    stage = StageFactory(project=signed_project(org), title="Аудит")
    r = web_client_for(org.am1).post(reverse("web:stage_edit", args=[stage.pk]),
                                     _stage_post("Новое", deliverable_file=SimpleUploadedFile("big.pdf", b"123456")))
    html = r.content.decode()
    assert r.status_code == 400
    field = html.split('for="id_deliverable_file"')[0].rsplit('<div class="field', 1)[1]
    assert "has-error" in field and "25 МБ" in html
    stage = Stage.objects.get(pk=stage.pk)
    assert stage.title == "Аудит" and not stage.deliverable_file


def test_stage_edit_bad_link_and_empty_title_in_place(org, web_client_for):
    stage = StageFactory(project=signed_project(org), title="Аудит")
    r = web_client_for(org.am1).post(reverse("web:stage_edit", args=[stage.pk]),
                                     _stage_post("", deliverable_url="not a url"))
    assert r.status_code == 400 and r.content.decode().count("has-error") == 2


def test_approved_stage_refused_on_the_page(org, web_client_for):
    stage = StageFactory(project=signed_project(org), status=StageStatus.APPROVED, title="Аудит")
    r = web_client_for(org.am1).post(reverse("web:stage_edit", args=[stage.pk]), _stage_post("Другое"))
    assert r.status_code == 400 and "Согласованный этап менять нельзя" in r.content.decode()
    assert Stage.objects.get(pk=stage.pk).title == "Аудит"


def test_remove_file_on_the_page(org, web_client_for):
    stage = StageFactory(project=signed_project(org), title="Аудит")
    stage.deliverable_file.save("old.pdf", ContentFile(b"x"))
    page = web_client_for(org.am1).get(reverse("web:stage_edit", args=[stage.pk])).content.decode()
    assert "old.pdf" in page and reverse("web:stage_file", args=[stage.pk]) in page
    r = web_client_for(org.am1).post(reverse("web:stage_edit", args=[stage.pk]), _stage_post(remove_file="on"))
    assert r.status_code == 302 and not Stage.objects.get(pk=stage.pk).deliverable_file


# ------------------------------------------------------------------ onboarding template


def _titles(org) -> list[str]:
    return list(OnboardingTemplateItem.objects.filter(agency=org.agency).order_by("position", "id")
                .values_list("title", flat=True))


def _item_post(item: OnboardingTemplateItem, action: str, **values: object) -> dict[str, object]:
    data: dict[str, object] = {"item": item.pk, "action": action, f"i{item.pk}-title": item.title,
                               f"i{item.pk}-due_in_days": item.due_in_days, f"i{item.pk}-owner_role": item.owner_role,
                               f"i{item.pk}-is_active": "on"}
    data.update({f"i{item.pk}-{k}": v for k, v in values.items()})
    return data


@pytest.mark.parametrize("role", ROLES)
def test_template_page_permissions(org, web_client_for, role):
    items = onboarding_template_ensure(agency=org.agency)
    before = _titles(org)
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:onboarding_template")
    allowed = role in SETTINGS_ROLES
    # the outsider heads another agency: it edits its own template, never this one
    assert web.get(url).status_code == (200 if allowed or role == "outsider" else 404)
    r1 = web.post(url, {"action": "add", "new-title": "Доступы", "new-due_in_days": 3,
                        "new-owner_role": "specialist", "new-is_active": "on"})
    r2 = web.post(url, _item_post(items[0], "delete"))
    if allowed:
        assert r1.status_code == r2.status_code == 302
        assert _titles(org) == [*before[1:], "Доступы"]
    else:
        assert r1.status_code == (302 if role == "outsider" else 404) and r2.status_code == 404
        assert _titles(org) == before


def test_template_edit_reorder_and_errors_in_place(org, web_client_for):
    items = onboarding_template_ensure(agency=org.agency)
    web = web_client_for(org.head)
    url = reverse("web:onboarding_template")
    page = web.get(url).content.decode()
    assert all(i.title in page for i in items)
    assert web.post(url, _item_post(items[1], "save", title="Kick-off", due_in_days=2)).status_code == 302
    assert web.post(url, _item_post(items[1], "up")).status_code == 302
    assert _titles(org)[:2] == ["Kick-off", items[0].title]
    r = web.post(url, _item_post(items[2], "save", title="", due_in_days=-1))
    html = r.content.decode()
    assert r.status_code == 400
    block = html.split(f'id="template-item-{items[2].pk}"')[1].split("</form>")[0]
    assert block.count("has-error") == 2
    r = web.post(url, {"action": "add", "new-title": "", "new-due_in_days": 3, "new-owner_role": "boss"})
    assert r.status_code == 400 and r.content.decode().count("has-error") == 2
    assert len(_titles(org)) == len(items)


def test_template_item_of_another_agency_is_404(org, web_client_for):
    other = onboarding_template_ensure(agency=org.outsider.agency)[0]
    r = web_client_for(org.head).post(reverse("web:onboarding_template"), _item_post(other, "delete"))
    assert r.status_code == 404 and OnboardingTemplateItem.objects.filter(pk=other.pk).exists()


# ------------------------------------------------------------------ work settings


@pytest.mark.parametrize("role", ROLES)
def test_work_settings_page_permissions(org, web_client_for, role):
    web = web_client_for(org.by_role_name(role))
    url = reverse("web:work_settings")
    allowed = role in SETTINGS_ROLES
    # the outsider heads another agency: it changes only that agency's settings
    expected = 200 if allowed or role == "outsider" else 404
    assert web.get(url).status_code == expected
    r = web.post(url, {"stage_wait_flag_days": 7, "onboarding_badge_days": 45})
    row = WorkSettings.objects.filter(agency=org.agency).first()
    if allowed:
        assert r.status_code == 302 and row is not None
        assert (row.stage_wait_flag_days, row.onboarding_badge_days) == (7, 45)
    else:
        assert r.status_code == (302 if role == "outsider" else 404) and row is None


def test_work_settings_errors_in_place(org, web_client_for):
    r = web_client_for(org.admin).post(reverse("web:work_settings"),
                                       {"stage_wait_flag_days": 0, "onboarding_badge_days": 999})
    assert r.status_code == 400 and r.content.decode().count("has-error") == 2
    assert not WorkSettings.objects.exists()


def test_task_list_links_settings_for_heads_only(org, web_client_for):
    url = reverse("web:work_settings")
    assert url in web_client_for(org.head).get(reverse("web:task_list")).content.decode()
    assert url not in web_client_for(org.am1).get(reverse("web:task_list")).content.decode()
