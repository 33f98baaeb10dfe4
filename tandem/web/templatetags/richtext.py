"""`{{ text|markdown }}`: render user-written Markdown (task briefs) to safe HTML.

Markdown lets the author write raw HTML, so the rendered output is cleaned with nh3 (an
allow-list sanitiser): only formatting tags survive, `<script>`/`<style>`/event handlers are
dropped, and links keep only http(s)/mailto targets (a `javascript:` href is removed).
"""

from __future__ import annotations

import markdown as md
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
EXTENSIONS = ["extra", "sane_lists", "nl2br"]


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML → allow-list sanitised HTML, safe to put in a template."""
    html = md.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    clean = nh3.clean(
        html, tags=set(ALLOWED_TAGS), attributes=ALLOWED_ATTRIBUTES, url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - cleaned by nh3 just above


@register.filter(name="markdown")
def markdown_filter(value: object) -> SafeString:
    return render_markdown("" if value is None else str(value))
