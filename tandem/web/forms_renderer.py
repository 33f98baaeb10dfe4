"""The form renderer (settings.FORM_RENDERER): Django's, with `<select>` written in Python.

Django renders each option of a select through two template includes (the option and its
attributes): ~0.1 ms an option. A form choosing among a thousand clients spent most of its page
there (the new-invoice page at factor 1: ~1 s), and the clients list's five filters ~8 ms. Selects
that use Django's own templates get the same markup from Python; a widget with its own template
is rendered by its template as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """attrs.html: in the widget's order, True as a bare name, False left out."""
    return mark_safe("".join(  # noqa: S308 - each part is escaped by format_html
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items() if value is not False
    ))


def _label(label: Any) -> Any:
    """As `{{ widget.label }}` shows it: numbers and dates in the current locale."""
    return label if isinstance(label, str) else localize(label)


def render_select(widget: dict[str, Any]) -> str | None:
    """The markup of select.html for a widget's context, or None when an option has its own template."""
    parts: list[str] = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('  <optgroup label="{}">', group_name))
        for option in options:
            if option["template_name"] != OPTION:
                return None
            parts.append(format_html('  <option value="{}"{}>{}</option>', str(option["value"]),
                                     _attrs(option["attrs"]), _label(option["label"])))
        if group_name:
            parts.append("  </optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)
