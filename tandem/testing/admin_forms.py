"""Helpers for tests of the Django admin: log in a superuser and submit a change form the way a
browser would (every field as rendered, inline management forms included), so that a test only
states the fields it changes."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client as DjangoClient
from django.urls import reverse

from tandem.org.models import Employee


def login_superuser(client: DjangoClient, employee: Employee) -> DjangoClient:
    """Make the employee's login a staff superuser and log the test client in with it."""
    user = employee.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def admin_url(obj_or_model: Any, view: str = "change") -> str:
    """admin:<app>_<model>_<view>; the change (history, delete) views take the object."""
    meta = obj_or_model._meta
    name = f"admin:{meta.app_label}_{meta.model_name}_{view}"
    if view in ("change", "delete", "history"):
        return reverse(name, args=[obj_or_model.pk])
    return reverse(name)


class _FormFields(HTMLParser):
    """Collects what the model form (<form id="..._form">) of an admin page would post."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = a.get("id", "").endswith("_form")
            return
        if not self._in_form or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:
                # Browsers drop the newline that follows <textarea>.
                self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None


def change_form_data(client: DjangoClient, url: str) -> dict[str, Any]:
    """GET an admin add/change page and return its form as the browser would submit it
    (single values as strings, multiple selections as lists)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {name: values[0] if len(values) == 1 else values for name, values in parser.data.items()}
