"""Content-Security-Policy (issue 15): every response carries a strict policy, and no template
holds what that policy refuses — inline <script> without src, on*= handlers, <style> blocks,
style= attributes, javascript: links, or htmx attributes that need eval (hx-on, event filters
such as change[...])."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

import tandem

ROOT = Path(tandem.__file__).resolve().parent

# Templates that may keep something inline, with the reason. Keep this list short.
ALLOWED = {
    # Rendered by WeasyPrint into the invoice/act PDF (billing.documents); never served to a
    # browser as HTML, so no CSP applies, and WeasyPrint needs the page rules (@page) in the document.
    "billing/templates/billing/_doc_style.html": {"<style>"},
    # Also printed by WeasyPrint only (never served to a browser): the client report and the
    # personal data export as PDF.
    "reports/templates/reports/client_report_pdf.html": {"<style>"},
    "privacy/templates/privacy/personal_data_pdf.html": {"<style>"},
}

COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
CHECKS = {
    "<script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "on*=": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "<style>": re.compile(r"<style\b", re.I),
    "style=": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "javascript:": re.compile(r"javascript:", re.I),
    "hx-on": re.compile(r"\shx-on[:-]", re.I),
}
HX_TRIGGER = re.compile(r'hx-trigger\s*=\s*"([^"]*)"')


def _templates() -> list[Path]:
    return sorted(p for p in ROOT.glob("*/templates/**/*.html"))


def _findings(path: Path) -> set[str]:
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    found = {name for name, pattern in CHECKS.items() if pattern.search(text)}
    # An htmx event filter (`change[target.tagName=='SELECT']`) is JavaScript run through eval.
    for trigger in HX_TRIGGER.findall(text):
        if any("[" in spec.strip().split(" ")[0] for spec in trigger.split(",")):
            found.add("hx-trigger filter")
    return found


def test_the_scan_sees_every_app_template_and_catches_each_kind():
    sample = ROOT / "web/templates/web/base.html"
    bad = ('<script>x()</script><a onclick="x()">a</a><style>p{}</style><p style="color:red">'
           '<a href="javascript:x()">b</a><button hx-on:click="x()"></button><form hx-trigger="change[a]">')

    assert sample in _templates() and len(_templates()) > 100
    assert {name for name, p in CHECKS.items() if p.search(bad)} == set(CHECKS)
    assert not CHECKS["<script>"].search('<script src="/static/web/tandem.js" defer></script>')


def test_no_template_has_inline_scripts_handlers_or_styles():
    offenders = {}
    for path in _templates():
        rel = path.relative_to(ROOT).as_posix()
        found = _findings(path) - ALLOWED.get(rel, set())
        if found:
            offenders[rel] = sorted(found)

    assert offenders == {}


def test_allow_list_has_no_stale_entries():
    for rel, kinds in ALLOWED.items():
        assert kinds <= _findings(ROOT / rel), rel


POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "frame-ancestors": "'self'", "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


@pytest.mark.parametrize("url", ["/login/", "/healthz"])
def test_anonymous_responses_carry_the_policy(client, url):
    response = client.get(url)

    assert _policy(response) == POLICY


def test_pages_and_htmx_partials_carry_the_policy(money, web_client_for):
    web = web_client_for(money.finance)

    page = web.get(reverse("web:my_day"))
    partial = web.get("/invoices/", HTTP_HX_REQUEST="true")

    assert page.status_code == 200 and partial.status_code == 200
    assert _policy(page) == POLICY and _policy(partial) == POLICY
    assert "unsafe" not in page["Content-Security-Policy"]


def test_base_template_keeps_htmx_from_injecting_styles(org, web_client_for):
    html = web_client_for(org.head).get(reverse("web:my_day")).content.decode()

    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html


def test_only_redoc_gets_a_relaxed_policy(client, settings):
    settings.API_DOCS_PUBLIC = True

    swagger, redoc = client.get("/api/docs/"), client.get("/api/redoc/")

    assert _policy(swagger) == POLICY and "<style" not in swagger.content.decode()
    relaxed = _policy(redoc)
    assert relaxed["style-src"] == "'self' 'unsafe-inline'" and relaxed["worker-src"] == "'self' blob:"
    assert relaxed["script-src"] == "'self'"


def test_no_form_widget_sets_an_event_handler_or_style():
    """Widgets render attributes from Python (`attrs={"onchange": ...}`): the same rule applies."""
    events = r"on(?:click|dblclick|change|input|submit|reset|load|error|focus|blur|key[a-z]+|mouse[a-z]+|pointer[a-z]+|select|toggle|invalid|paste)"
    attr = re.compile(r"""["'](""" + events + r"""|style)["']\s*:""")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in sorted(ROOT.glob("**/*.py")) if "tests" not in p.parts
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if attr.search(line)]

    assert offenders == []
