"""Issue 16 (pages at factor 1): what the rendering shortcuts must keep — the same markup, the same
labels in both languages, the same links — and the pages' query counts staying flat."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import Client, LifecycleStatus
from tandem.clients.tests.factories import ClientFactory, ContactFactory
from tandem.web.context_processors import nav_for
from tandem.web.forms_renderer import FormRenderer
from tandem.web.links import pk_path
from tandem.work.models import EmployeeCostRate

pytestmark = pytest.mark.django_db


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("x", _("Клиенты")), ("y<", 'a"b&'), (3, 1234.5)], required=False)
    grouped = forms.MultipleChoiceField(choices=[("G", [("1", "one"), ("2", "two")]), ("3", "three")])
    attrs = forms.TypedChoiceField(
        choices=[(1, "a")], widget=forms.Select(attrs={"class": "x", "data-n": 5, "hx-get": "/a?b=1&c=2"}),
        disabled=True,
    )
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)


def _normal(html: str) -> str:
    return " ".join(html.split()).replace("> <", "><")


@pytest.mark.parametrize("name", ["plain", "grouped", "attrs", "radio"])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_selects_written_in_python_match_djangos_templates(name, language):
    initial = {"plain": "y<", "grouped": ["2", "3"], "attrs": 1}
    with translation.override(language):
        django_html = str(_Form(initial=initial, renderer=DjangoTemplates())[name])
        ours = str(_Form(initial=initial, renderer=FormRenderer())[name])

    assert _normal(ours) == _normal(django_html)


def test_the_project_renders_forms_with_it(settings):
    assert settings.FORM_RENDERER == "tandem.web.forms_renderer.FormRenderer"


def test_choice_labels_follow_the_language_and_keep_unknown_values():
    client = Client(status=LifecycleStatus.ACTIVE)

    with translation.override("ru"):
        ru = client.get_status_display()
        ru_expected = str(LifecycleStatus.ACTIVE.label)
    with translation.override("en"):
        en = client.get_status_display()
        en_expected = str(LifecycleStatus.ACTIVE.label)
    client.status = "no-such-status"

    assert (ru, en) == (ru_expected, en_expected) and ru != en
    assert client.get_status_display() == "no-such-status"


def test_pk_url_is_the_reversed_address():
    assert pk_path("web:client_detail")(42) == reverse("web:client_detail", args=[42])
    html = Template("{% load links %}{% pk_url 'web:contact_edit' 7 %}").render(Context())
    assert html == reverse("web:contact_edit", args=[7])


def test_menu_addresses_are_the_reversed_ones(org):
    home, groups = nav_for(org.head.user, reverse("web:client_list"))
    links = {link.url for group in groups for link in group.items}

    assert home is not None and home.url == reverse("web:my_day")
    assert reverse("web:client_list") in links and reverse("web:receivables") in links
    assert any(link.active and link.url == reverse("web:client_list") for group in groups for link in group.items)


CLIENT_LIST_QUERIES = 8


@pytest.mark.parametrize("extra", [1, 60])
def test_clients_list_queries_do_not_grow_with_rows(org, web_client_for, django_assert_max_num_queries, extra):
    for client in ClientFactory.create_batch(extra, agency=org.agency, account_manager=org.am1, group=org.seo1):
        ContactFactory(client=client)
    web = web_client_for(org.head)

    with django_assert_max_num_queries(CLIENT_LIST_QUERIES):
        response = web.get(reverse("web:client_list"))

    html = response.content.decode()
    first = response.context["page"].object_list[0]
    assert f'href="{reverse("web:client_detail", args=[first.pk])}"' in html
    assert f'<option value="{org.am1.pk}">{org.am1.full_name}</option>' in html


def test_clients_list_in_english_shows_english_labels(org, web_client_for):
    web = web_client_for(org.head)
    web.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = web.get(reverse("web:client_list")).content.decode()

    with translation.override("en"):
        assert str(LifecycleStatus.ACTIVE.label) in html
    with translation.override("ru"):
        assert f">{LifecycleStatus.ACTIVE.label}<" not in html


CARD_QUERIES = 17


@pytest.mark.parametrize("contacts", [1, 6])
def test_client_card_queries_do_not_grow_with_contacts(org, web_client_for, django_assert_max_num_queries, contacts):
    ContactFactory.create_batch(contacts, client=org.client_a)
    web = web_client_for(org.am1)

    with django_assert_max_num_queries(CARD_QUERIES):
        response = web.get(reverse("web:client_detail", args=[org.client_a.pk]))

    html = response.content.decode()
    for contact in org.client_a.contacts.all():
        assert reverse("web:contact_edit", args=[contact.pk]) in html
        assert reverse("web:contact_delete", args=[contact.pk]) in html
    assert response.context["client"].account_manager == org.am1


def test_cost_rate_history_is_written_in_the_page_language(org, web_client_for, django_assert_max_num_queries):
    for day, rate in ((1, "1500.50"), (2, "1750")):
        EmployeeCostRate.objects.create(employee=org.am1, valid_from=date(2026, 1, day), rate=Decimal(rate))
    web = web_client_for(org.head)

    with django_assert_max_num_queries(8):
        html = web.get(reverse("web:cost_rates")).content.decode()

    assert f"<td>{org.am1.full_name}</td><td>01.01.2026</td><td class=\"num\">1500,50</td>" in html
    assert "<td>02.01.2026</td><td class=\"num\">1750,00</td>" in html
