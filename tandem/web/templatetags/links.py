"""`{% pk_url 'web:client_detail' c.pk %}`: `{% url %}` for a URL whose only argument is an integer
id, for the rows of long tables (see tandem.web.links.pk_path)."""

from __future__ import annotations

from django import template

from tandem.web.links import pk_path

register = template.Library()


@register.simple_tag
def pk_url(url_name: str, pk: int) -> str:
    return pk_path(url_name)(pk)
