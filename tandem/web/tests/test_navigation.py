"""The menu shows each role only what it may open; 404/403/500 pages in the site's layout; every
table uses the shared `data` class."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.template.loader import get_template
from django.test import RequestFactory
from django.views.defaults import server_error

from tandem.web.context_processors import nav_for

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "spec1"]
MONEY_URLS = {"/invoices/", "/acts/", "/payments/", "/receivables/", "/plans/", "/profitability/"}
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class _PageParser(HTMLParser):
    """Collects the menu links (inside nav.mainnav) and the class of every <table>."""

    def __init__(self) -> None:
        super().__init__()
        self.nav_depth = 0
        self.menu: list[tuple[str, bool]] = []
        self.table_classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "nav" and "mainnav" in (a.get("class") or ""):
            self.nav_depth = 1
        elif tag == "nav" and self.nav_depth:
            self.nav_depth += 1
        if tag == "a" and self.nav_depth and a.get("href"):
            self.menu.append((a["href"] or "", a.get("aria-current") == "page"))
        if tag == "table":
            self.table_classes.append(a.get("class") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.nav_depth:
            self.nav_depth -= 1


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_item_opens_with_styled_tables(org, web_client_for, role):
    # given a person in a role, on their first page
    client = web_client_for(org.by_role_name(role))
    menu = [href for href, _current in _parse(client.get("/my-day/").content.decode()).menu]

    # when they open every item of their menu
    pages = {href: client.get(href) for href in menu}

    # then every one answers 200 and every table on it has the shared class
    assert len(menu) >= 10
    assert {href: r.status_code for href, r in pages.items() if r.status_code != 200} == {}
    unstyled = {href: cls for href, r in pages.items() for cls in _parse(r.content.decode()).table_classes
                if "data" not in cls.split()}
    assert unstyled == {}


@pytest.mark.parametrize("role", ROLES)
def test_money_is_in_the_menu_only_for_those_who_see_money(org, web_client_for, role):
    menu = {href for href, _ in _parse(web_client_for(org.by_role_name(role)).get("/my-day/").content.decode()).menu}

    assert (MONEY_URLS <= menu) == (role != "spec1")
    assert not (MONEY_URLS & menu) == (role == "spec1")
    assert ("/billing/settings/" in menu) == (role in {"head", "finance", "admin"})
    assert ("/team/agency/" in menu) == (role in {"head", "admin"})


def test_current_section_is_marked(org, web_client_for):
    html = web_client_for(org.finance).get("/team/groups/").content.decode()

    current = [href for href, is_current in _parse(html).menu if is_current]
    assert current == ["/team/groups/"]  # the longest matching entry, not /team/ as well
    assert re.search(r'class="navgroup active">\s*<button[^>]*>Команда<', html)


def test_menu_costs_no_queries_beyond_the_employee(org, django_assert_max_num_queries):
    user = org.spec1.user
    assert user.employee_or_none is not None  # loaded once per request by the decorator

    with django_assert_max_num_queries(0):
        home, groups = nav_for(user, "/tasks/")

    assert home is not None and [g.label for g in groups] == ["Клиенты", "Работа", "Команда", "Настройки"]


def test_forbidden_page_is_the_friendly_404_in_the_layout(org, web_client_for):
    response = web_client_for(org.spec1).get("/invoices/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-404"' in html and 'class="mainnav"' in html


@pytest.mark.parametrize("url", ["/invoices/", "/no-such-page/", "/clients/999999/"])
def test_debug_mode_shows_logged_in_people_the_site_404(org, web_client_for, settings, url):
    settings.DEBUG = True

    response = web_client_for(org.spec1).get(url)

    html = response.content.decode()
    assert response.status_code == 404
    assert 'id="error-404"' in html and "Using the URLconf" not in html and "technical_404" not in html


def test_debug_mode_keeps_the_slash_redirect(org, web_client_for, settings):
    settings.DEBUG = True

    response = web_client_for(org.head).get("/clients")

    assert response.status_code == 301 and response["Location"] == "/clients/"


def test_forbidden_action_answers_the_403_page(org, web_client_for):
    response = web_client_for(org.am1).post("/settings/sla/schedule/", {"day_start": "09:00"})

    assert response.status_code == 403 and 'id="error-403"' in response.content.decode()


def test_500_page_renders_without_a_request_context():
    html = get_template("500.html").render()  # no context at all, as django.views.defaults.server_error
    response = server_error(RequestFactory().get("/"))

    assert 'id="error-500"' in html and "/static/web/tandem.css" in html
    assert response.status_code == 500 and b'id="error-500"' in response.content


def test_every_table_in_the_templates_has_the_shared_class():
    tables = {f"{path.relative_to(TEMPLATES)}: {tag}" for path in TEMPLATES.rglob("*.html")
              for tag in re.findall(r"<table\b[^>]*>", path.read_text(encoding="utf-8"))}
    unstyled = sorted(t for t in tables if not re.search(r'class="(?:[^"]*\s)?data(?:\s[^"]*)?"', t))

    assert tables and unstyled == []
