"""`{{ user|person }}`: people are shown by their full name, never by their login (which
appears only in the admin). Accepts a User or an Employee; nothing gives an empty string.
Select `<user field>__employee` with the rows to keep the page at a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django import template

from tandem.core.history import person_name
from tandem.org.models import Employee

register = template.Library()


@register.filter
def person(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Employee):
        return value.full_name
    return person_name(value)
