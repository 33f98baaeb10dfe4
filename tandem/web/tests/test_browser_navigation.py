"""In real Chromium: every role opens every item of its menu (all 200, every table styled, every
control labelled, people by name and choices in words), the
menu fits one line at 1280 px, the header search finds a client, the invoice PDF preview is not
blocked by framing rules, and /api/docs/ renders with every non-local request blocked."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.utils import timezone

from tandem.billing.tests.helpers import issued_invoice
from tandem.clients.models import Contact
from tandem.clients.tests.factories import ContactFactory
from tandem.comms.tests.factories import InteractionFactory
from tandem.org.models import Employee
from tandem.testing.browser import login
from tandem.work.models import StageStatus
from tandem.work.services import month_close, stage_record_answer, stage_send
from tandem.work.tests.factories import StageFactory, signed_project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROLES = ["head", "finance", "admin", "group_head", "am1", "spec1"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _block_the_internet(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort every request to a host other than the live server; returns the aborted URLs
    except images (ReDoc's bundle shows a «by Redocly» logo from its CDN; the page works
    without it)."""
    blocked: list[str] = []

    def route(r) -> None:  # type: ignore[no-untyped-def]
        if urlsplit(r.request.url).hostname in LOCAL_HOSTS:
            r.continue_()
        else:
            if r.request.resource_type != "image":
                blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


# Visible inputs, selects and text areas without a label (label[for], a wrapping label or aria-label).
UNLABELLED_JS = """() => [...document.querySelectorAll('input, select, textarea')].filter(el => {
  if (['hidden', 'submit', 'button', 'image', 'reset'].includes(el.type)) return false;
  if (!el.getClientRects().length) return false;
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')) return false;
  return !(el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
}).map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""
# A lower-case latin word standing alone in the text (not part of an e-mail, URL or file name).
# Words in braces are placeholders of templates («{client}»), not stored codes.
LATIN_WORD = re.compile(r"(?<![\w@./:{-])([a-z][a-z0-9_]*)(?![\w@/:}-])(?!\.\w)")
REAL_NAMES = {
    "head": "Соколова Марина", "finance": "Лебедева Ирина", "admin": "Павлов Константин",
    "group_head": "Орлов Денис", "am1": "Смирнова Анна", "am2": "Кузнецов Пётр", "spec1": "Волков Игорь",
    "spec2": "Зайцева Ольга", "outsider": "Чужой Человек",
}


# Pages that document template syntax ({%tr for r in results %}): their Latin words are code.
TEMPLATE_SYNTAX_PAGES = {"/documents/templates/"}
VISIBLE_TEXT_BUT_CODE_JS = """() => { let text = document.body.innerText;
  document.querySelectorAll('code').forEach(c => { text = text.split(c.innerText).join(' '); });
  return text; }"""


def _choice_codes() -> set[str]:
    """Every stored code of a choice field in the project's models («phone», «in_work»…)."""
    codes: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("tandem."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "choices", None) or []:
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                    codes.add(value)
    return codes


def _people_data(org) -> None:  # type: ignore[no-untyped-def]
    """Names unlike the logins, and rows that show people, channels and statuses."""
    for username, name in REAL_NAMES.items():
        Employee.objects.filter(user__username=username).update(full_name=name)
    contact = ContactFactory.create(client=org.client_a, full_name="Ирина Маркетолог",
                                    preferred_channel=Contact.Channel.PHONE)
    InteractionFactory.create(client=org.client_a, contacts=[contact])
    project = signed_project(org)
    stage = StageFactory.create(project=project, title="Аудит", status=StageStatus.IN_WORK,
                                deliverable_url="https://docs.example/audit")
    stage_send(actor=org.am1.user, stage=stage)
    stage_record_answer(actor=org.am1.user, stage=stage, decision="approved", contact=contact)
    month_close(actor=org.finance.user, month=timezone.localdate().replace(day=1) - timedelta(days=40))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_item_opens_with_styled_tables(live_server, browser_page, money, role):
    """Every menu page: 200, tables styled, every control labelled, people by name (no login)
    and choices in words (no stored code) in the visible text."""
    issued_invoice(money.finance, money.client_a, "1000.00")  # so the money tables have a row
    _people_data(money)
    codes, logins = _choice_codes(), set(REAL_NAMES)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    blocked = _block_the_internet(page)
    login(page, live_server, role)

    hrefs = page.eval_on_selector_all("nav.mainnav a", "els => els.map(e => e.getAttribute('href'))")
    topbar_height = page.eval_on_selector("header.topbar", "e => e.getBoundingClientRect().height")
    statuses, unstyled, unlabelled, shown_logins, shown_codes = {}, {}, {}, {}, {}
    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        statuses[href] = response.status if response else None
        bad = page.eval_on_selector_all("table", "ts => ts.filter(t => !t.classList.contains('data')).length")
        if bad:
            unstyled[href] = bad
        if missing := page.evaluate(UNLABELLED_JS):
            unlabelled[href] = missing
        # Text in <code> is code on purpose (the placeholders of the document templates page).
        words = set(LATIN_WORD.findall(page.evaluate(VISIBLE_TEXT_BUT_CODE_JS)))
        if words & logins:
            shown_logins[href] = sorted(words & logins)
        if words & codes and href not in TEMPLATE_SYNTAX_PAGES:
            shown_codes[href] = sorted(words & codes)

    assert len(hrefs) >= 10
    assert {h: s for h, s in statuses.items() if s != 200} == {}
    assert unstyled == {}
    assert unlabelled == {}
    assert shown_logins == {}
    assert shown_codes == {}
    assert topbar_height < 60  # one line at 1280 px
    assert blocked == []


def test_dropdown_opens_on_hover_and_marks_the_current_page(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "head")
    page.goto(f"{live_server.url}/team/employees/")

    group = page.locator(".navgroup.active")
    menu = group.locator(".navmenu")
    hidden_before = not menu.is_visible()
    group.hover()

    assert hidden_before and menu.is_visible()
    assert group.locator(".navgroup-label").inner_text().startswith("Команда")
    assert menu.locator("a[aria-current=page]").inner_text() == "Сотрудники"


def test_header_search_finds_a_client(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "spec1")

    page.fill("header input[name=q]", "альф")
    page.click("#search-dropdown >> text=Альфа")
    page.wait_for_load_state("load")

    assert page.url.endswith(f"/clients/{org.client_a.pk}/")


def test_invoice_pdf_preview_is_not_blocked(live_server, browser_page, money):
    invoice = issued_invoice(money.finance, money.client_a, "1000.00")
    page = browser_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    login(page, live_server, "finance")

    with page.expect_response(lambda r: r.url.endswith(f"/invoices/{invoice.pk}/pdf/")) as pdf_info:
        page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    pdf = pdf_info.value

    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    assert not [m for m in console if "X-Frame-Options" in m or "frame-ancestors" in m]


def test_api_docs_render_offline(live_server, browser_page, org):
    """Signed in (the docs need it outside DEBUG), offline, and under the Content-Security-Policy
    (Swagger UI with the strict one, ReDoc with its own relaxed one)."""
    page = browser_page
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    login(page, live_server, "head")
    blocked = _block_the_internet(page)

    page.goto(f"{live_server.url}/api/docs/")
    # Swagger UI renders only the operations near the viewport: the first ones are enough.
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/acts/']", timeout=20000)
    title = page.locator(".info .title").inner_text()
    operations = page.locator(".opblock").count()
    page.goto(f"{live_server.url}/api/redoc/")
    # ReDoc lays out every operation before the first section appears: slow on a busy machine.
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=60000)

    assert title.startswith("Tandem API") and operations >= 5
    assert blocked == []
    # ReDoc's «by Redocly» logo comes from its CDN: refused by img-src too, and not needed.
    assert not [m for m in console if "Content Security Policy" in m and "cdn.redoc.ly" not in m]


def test_language_switch_submits_on_change(live_server, browser_page, org):
    page = browser_page
    login(page, live_server, "finance")
    page.goto(f"{live_server.url}/invoices/")

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    assert page.locator(".navgroup.active .navgroup-label").inner_text().startswith("Money")
    assert page.url.endswith("/invoices/")
