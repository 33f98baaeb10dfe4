"""Client pages: visibility per role, forms with domain errors, htmx partials, query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tandem.clients.models import AccountManagerChange, Client, Contact, LifecycleStatus, TeamMember
from tandem.clients.tests.factories import ClientFactory, ContactFactory, TeamMemberFactory

ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
VISIBLE = {
    "head": {"client_a", "client_b"},
    "finance": {"client_a", "client_b"},
    "admin": {"client_a", "client_b"},
    "group_head": {"client_a"},
    "am1": {"client_a"},
    "am2": {"client_b"},
    "spec1": {"client_a"},
    "spec2": {"client_b"},
    "outsider": set(),
}
# Who may edit client_a (group seo1, AM am1): can_edit_client.
EDITORS_OF_A = {"head", "finance", "admin", "group_head", "am1"}
HX = {"HTTP_HX_REQUEST": "true"}
VALID_INN = "7707083893"
INVALID_INN = "7712345678"


def client_form_data(**overrides: str) -> dict[str, str]:
    data = {
        "legal_name": 'ООО "Гамма"', "brand_name": "Гамма", "kind": "b2b", "tier": "new", "group": "",
        "website": "", "inn": VALID_INN, "kpp": "", "ogrn": "", "legal_address": "", "bank_name": "", "bik": "",
        "bank_account": "", "correspondent_account": "", "character_notes": "", "personal_notes": "",
        "status": "lead",
    }
    data.update(overrides)
    return data


def listed_names(response) -> set[str]:
    return {c.brand_name for c in response.context["page"].object_list}


# --- visibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_client_list_shows_only_visible_clients(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).get(reverse("web:client_list"))

    assert response.status_code == 200
    expected = {getattr(org, name).brand_name for name in VISIBLE[role]}
    assert listed_names(response) == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("client_name", ["client_a", "client_b"])
def test_client_card_is_404_when_not_visible(org, web_client_for, role, client_name):
    client = getattr(org, client_name)

    response = web_client_for(org.by_role_name(role)).get(reverse("web:client_detail", args=[client.pk]))

    assert response.status_code == (200 if client_name in VISIBLE[role] else 404)


def test_anonymous_user_is_sent_to_login(client, org):
    response = client.get(reverse("web:client_list"))

    assert response.status_code == 302
    assert reverse("web:login") in response["Location"]


def test_card_shows_team_contacts_and_requisites(org, web_client_for):
    org.client_a.inn = VALID_INN
    org.client_a.character_notes = "Любит короткие отчёты"
    org.client_a.save()
    ContactFactory(client=org.client_a, full_name="Пётр Лпр", role=Contact.Role.DECISION_MAKER, is_urgent_contact=True)

    response = web_client_for(org.am1).get(reverse("web:client_detail", args=[org.client_a.pk]))

    html = response.content.decode()
    assert VALID_INN in html
    assert "Любит короткие отчёты" in html
    assert "Пётр Лпр" in html and "ЛПР" in html and "срочный контакт" in html
    assert "spec1" in html and "am1" in html


@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        ("head", {"edit", "status", "account-manager", "team"}),
        ("group_head", {"edit", "status", "account-manager", "team"}),
        ("am1", {"edit", "status", "team"}),
        ("finance", {"edit"}),
        ("spec1", set()),
    ],
)
def test_card_buttons_follow_permissions(org, web_client_for, role, buttons):
    pk = org.client_a.pk
    urls = {
        "edit": reverse("web:client_edit", args=[pk]),
        "status": reverse("web:client_status", args=[pk]),
        "account-manager": reverse("web:client_assign_manager", args=[pk]),
        "team": reverse("web:team_add", args=[pk]),
    }

    html = web_client_for(org.by_role_name(role)).get(reverse("web:client_detail", args=[pk])).content.decode()

    assert {name for name, url in urls.items() if f'href="{url}"' in html} == buttons


# --- list: search, filters, htmx ------------------------------------------------------------------


def test_htmx_search_returns_only_the_partial(org, web_client_for):
    response = web_client_for(org.head).get(reverse("web:client_list"), {"q": "Аль"}, **HX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "web/clients/_list_partial.html"
    assert "<html" not in response.content.decode()
    assert listed_names(response) == {"Альфа"}


def test_full_page_has_live_search_wired_to_htmx(org, web_client_for):
    html = web_client_for(org.head).get(reverse("web:client_list")).content.decode()

    assert 'hx-trigger="input changed delay:300ms' in html
    assert 'id="client-results"' in html


def test_search_finds_a_client_by_contact_email(org, web_client_for):
    ContactFactory(client=org.client_b, email="boss@beta.example")

    response = web_client_for(org.head).get(reverse("web:client_list"), {"q": "boss@beta"})

    assert listed_names(response) == {"Бета"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"am": "am2"}, {"Бета"}),
        ({"group": "seo1"}, {"Альфа"}),
        ({"status": "churned"}, {"Гамма"}),
        ({"tier": "key"}, {"Гамма"}),
        ({"kind": "b2c"}, {"Гамма"}),
        ({"am": "garbage", "status": "nonsense"}, {"Альфа", "Бета", "Гамма"}),
    ],
)
def test_filters(org, web_client_for, params, expected):
    ClientFactory(
        agency=org.agency, brand_name="Гамма", legal_name="Гамма", status=LifecycleStatus.CHURNED,
        churn_reason="budget", tier="key", kind="b2c",
    )
    resolved = {k: (getattr(org, v).pk if k in ("am", "group") and hasattr(org, v) else v) for k, v in params.items()}

    response = web_client_for(org.head).get(reverse("web:client_list"), resolved)

    assert response.status_code == 200
    assert listed_names(response) == expected


def test_filter_selects_offer_only_visible_managers_and_groups(org, web_client_for):
    form = web_client_for(org.am1).get(reverse("web:client_list")).context["filter_form"]

    assert [label for value, label in form.fields["am"].choices if value] == ["am1"]
    assert [label for value, label in form.fields["group"].choices if value] == ["SEO 1"]


def test_list_paginates_by_50(org, web_client_for):
    ClientFactory.create_batch(55, agency=org.agency)
    c = web_client_for(org.head)

    first = c.get(reverse("web:client_list"))
    second = c.get(reverse("web:client_list"), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 7
    assert "page=2" in first.content.decode()


def test_empty_state(org, web_client_for):
    response = web_client_for(org.head).get(reverse("web:client_list"), {"q": "нет-такого"})

    assert "Ничего не найдено" in response.content.decode()


# --- create and edit -------------------------------------------------------------------------------


def test_create_with_invalid_inn_shows_field_error_and_saves_nothing(org, web_client_for):
    before = Client.objects.count()

    response = web_client_for(org.am1).post(reverse("web:client_create"), client_form_data(inn=INVALID_INN))

    assert response.status_code == 200
    assert response.context["form"].errors["inn"]
    assert 'class="field has-error"' in response.content.decode()
    assert Client.objects.count() == before


def test_am_creates_a_client_and_becomes_its_manager(org, web_client_for):
    response = web_client_for(org.am1).post(reverse("web:client_create"), client_form_data())

    client = Client.objects.get(brand_name="Гамма")
    assert response.status_code == 302 and response["Location"] == reverse("web:client_detail", args=[client.pk])
    assert client.account_manager == org.am1 and client.group == org.seo1 and client.inn == VALID_INN


def test_create_over_soft_limit_warns_after_save(org, web_client_for):
    org.agency.am_soft_client_limit = 1
    org.agency.save()

    response = web_client_for(org.head).post(
        reverse("web:client_create"), client_form_data(status="active", account_manager=org.am1.pk), follow=True
    )

    assert Client.objects.get(brand_name="Гамма").account_manager == org.am1
    assert any(m.level_tag == "warning" for m in response.context["messages"])


@pytest.mark.parametrize("role", ["spec1", "finance"])
def test_create_is_404_for_roles_that_may_not_create(org, web_client_for, role):
    before = Client.objects.count()

    response = web_client_for(org.by_role_name(role)).post(reverse("web:client_create"), client_form_data())

    assert response.status_code == 404
    assert Client.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_is_404_for_roles_that_may_not_edit(org, web_client_for, role):
    url = reverse("web:client_edit", args=[org.client_a.pk])
    web = web_client_for(org.by_role_name(role))

    get = web.get(url)
    post = web.post(url, client_form_data(legal_name="Переименован"))

    org.client_a.refresh_from_db()
    if role in EDITORS_OF_A:
        assert get.status_code == 200
        assert post.status_code == 302
        assert org.client_a.legal_name == "Переименован"
    else:
        assert get.status_code == 404
        assert post.status_code == 404
        assert org.client_a.legal_name == 'ООО "Альфа"'


def test_edit_with_invalid_inn_shows_error_and_keeps_data(org, web_client_for):
    response = web_client_for(org.am1).post(
        reverse("web:client_edit", args=[org.client_a.pk]), client_form_data(legal_name="Новое", inn=INVALID_INN)
    )

    assert response.status_code == 200
    assert "inn" in response.context["form"].errors
    org.client_a.refresh_from_db()
    assert org.client_a.legal_name == 'ООО "Альфа"'


# --- lifecycle ----------------------------------------------------------------------------------------


def test_lifecycle_form_offers_only_allowed_statuses(org, web_client_for):
    response = web_client_for(org.am1).get(reverse("web:client_status", args=[org.client_a.pk]), **HX)

    choices = [value for value, _label in response.context["form"].fields["to_status"].choices]
    assert choices == ["at_risk", "churned"]
    assert "<html" not in response.content.decode()


def test_churn_without_reason_shows_error_in_place(org, web_client_for):
    response = web_client_for(org.am1).post(
        reverse("web:client_status", args=[org.client_a.pk]), {"to_status": "churned"}, **HX
    )

    assert response.status_code == 200
    assert response.context["form"].errors["churn_reason"]
    assert 'class="card form-panel"' in response.content.decode()
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.ACTIVE


def test_churn_with_reason_is_saved_and_htmx_reloads_the_card(org, web_client_for):
    response = web_client_for(org.am1).post(
        reverse("web:client_status", args=[org.client_a.pk]),
        {"to_status": "churned", "churn_reason": "budget", "churn_comment": "Сократили маркетинг"},
        **HX,
    )

    assert response["HX-Redirect"] == reverse("web:client_detail", args=[org.client_a.pk])
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.CHURNED and org.client_a.churn_reason == "budget"


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_lifecycle_is_404_for_others(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).post(
        reverse("web:client_status", args=[org.client_a.pk]), {"to_status": "at_risk"}
    )

    assert response.status_code == 404
    org.client_a.refresh_from_db()
    assert org.client_a.status == LifecycleStatus.ACTIVE


# --- AM assignment ---------------------------------------------------------------------------------------


@pytest.fixture
def tight_limits(org):
    """Limits of 1 client: am1 is full with client_a; client_c in seo1 waits for an AM."""
    org.agency.am_soft_client_limit = 1
    org.agency.am_hard_client_limit = 1
    org.agency.save()
    return ClientFactory(agency=org.agency, brand_name="Гамма", group=org.seo1, status=LifecycleStatus.ACTIVE)


def test_group_head_is_refused_over_the_hard_limit(org, web_client_for, tight_limits):
    url = reverse("web:client_assign_manager", args=[tight_limits.pk])
    web = web_client_for(org.group_head)

    form_html = web.get(url).content.decode()
    response = web.post(url, {"account_manager": org.am1.pk, "force": "on"})

    assert 'name="force"' not in form_html
    assert response.status_code == 200
    assert "жёсткого лимита" in " ".join(response.context["form"].errors["account_manager"])
    tight_limits.refresh_from_db()
    assert tight_limits.account_manager is None
    assert not AccountManagerChange.objects.filter(client=tight_limits).exists()


def test_head_of_accounts_may_force_over_the_hard_limit(org, web_client_for, tight_limits):
    url = reverse("web:client_assign_manager", args=[tight_limits.pk])
    web = web_client_for(org.head)

    form_html = web.get(url).content.decode()
    refused = web.post(url, {"account_manager": org.am1.pk})
    forced = web.post(url, {"account_manager": org.am1.pk, "force": "on", "reason": "Просьба клиента"}, follow=True)

    assert 'name="force"' in form_html
    assert refused.context["form"].errors["account_manager"]
    tight_limits.refresh_from_db()
    assert tight_limits.account_manager == org.am1
    change = AccountManagerChange.objects.get(client=tight_limits)
    assert change.limit_overridden and change.reason == "Просьба клиента"
    assert any(m.level_tag == "warning" for m in forced.context["messages"])
    assert "сверх жёсткого лимита" in forced.content.decode()


def test_assign_form_shows_the_current_load(org, web_client_for):
    response = web_client_for(org.head).get(reverse("web:client_assign_manager", args=[org.client_a.pk]))

    assert "am1 — 1/20 (макс. 25)" in response.content.decode()


@pytest.mark.parametrize("role", ["am1", "finance", "spec1"])
def test_assign_is_404_for_others(org, web_client_for, role):
    response = web_client_for(org.by_role_name(role)).post(
        reverse("web:client_assign_manager", args=[org.client_a.pk]), {"account_manager": org.am2.pk}
    )

    assert response.status_code == 404
    org.client_a.refresh_from_db()
    assert org.client_a.account_manager == org.am1


# --- contacts -----------------------------------------------------------------------------------------------


def contact_data(**overrides: str) -> dict[str, str]:
    data = {
        "full_name": "Анна Маркетолог", "position": "CMO", "role": "marketer", "phone": "+7 900 000-00-00",
        "email": "anna@alpha.example", "messenger": "", "preferred_channel": "messenger", "cadence_days": "7",
        "quiet_hours_start": "", "quiet_hours_end": "", "birthday": "", "notes": "", "is_active": "on",
    }
    data.update(overrides)
    return data


def test_contact_form_error_is_shown_in_place(org, web_client_for):
    response = web_client_for(org.am1).post(
        reverse("web:contact_create", args=[org.client_a.pk]), contact_data(quiet_hours_start="21:00"), **HX
    )

    assert response.status_code == 200
    assert response.context["form"].errors["quiet_hours_end"]
    assert "<html" not in response.content.decode()
    assert not Contact.objects.filter(client=org.client_a).exists()


def test_contact_add_edit_delete(org, web_client_for):
    web = web_client_for(org.am1)

    created = web.post(
        reverse("web:contact_create", args=[org.client_a.pk]),
        contact_data(is_urgent_contact="on", quiet_hours_start="21:00", quiet_hours_end="09:00", birthday="1990-03-05"),
        **HX,
    )
    contact = Contact.objects.get(client=org.client_a)
    edited = web.post(reverse("web:contact_edit", args=[contact.pk]), contact_data(full_name="Анна Петрова"))
    card = web.get(reverse("web:client_detail", args=[org.client_a.pk])).content.decode()
    deleted = web.post(reverse("web:contact_delete", args=[contact.pk]), **HX)

    assert created["HX-Redirect"].startswith(reverse("web:client_detail", args=[org.client_a.pk]))
    assert edited.status_code == 302
    assert "Анна Петрова" in card
    assert deleted.status_code == 200 and "HX-Redirect" in deleted
    assert not Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("role", ["spec1", "am2", "outsider"])
def test_contacts_are_404_for_those_who_may_not_edit(org, web_client_for, role):
    contact = ContactFactory(client=org.client_a, full_name="Старое имя")
    web = web_client_for(org.by_role_name(role))

    responses = [
        web.post(reverse("web:contact_create", args=[org.client_a.pk]), contact_data()),
        web.post(reverse("web:contact_edit", args=[contact.pk]), contact_data(full_name="Новое имя")),
        web.post(reverse("web:contact_delete", args=[contact.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert list(Contact.objects.filter(client=org.client_a).values_list("full_name", flat=True)) == ["Старое имя"]


# --- team ------------------------------------------------------------------------------------------------------


def test_team_add_and_remove(org, web_client_for):
    web = web_client_for(org.am1)

    added = web.post(
        reverse("web:team_add", args=[org.client_a.pk]), {"employee": org.spec2.pk, "service": "smm"}, **HX
    )
    member = TeamMember.objects.get(client=org.client_a, employee=org.spec2)
    removed = web.post(reverse("web:team_remove", args=[org.client_a.pk, member.pk]))

    assert "HX-Redirect" in added
    assert member.service == "smm"
    assert removed.status_code == 302
    assert not TeamMember.objects.filter(pk=member.pk).exists()


def test_team_add_offers_only_active_specialists_of_the_agency(org, web_client_for):
    form = web_client_for(org.am1).get(reverse("web:team_add", args=[org.client_a.pk])).context["form"]

    assert set(form.fields["employee"].queryset) == {org.spec1, org.spec2}


@pytest.mark.parametrize("role", ["spec1", "finance", "am2"])
def test_team_is_404_for_others(org, web_client_for, role):
    member = TeamMember.objects.get(client=org.client_a)
    web = web_client_for(org.by_role_name(role))

    add = web.post(reverse("web:team_add", args=[org.client_a.pk]), {"employee": org.spec2.pk, "service": "smm"})
    remove = web.post(reverse("web:team_remove", args=[org.client_a.pk, member.pk]))

    assert (add.status_code, remove.status_code) == (404, 404)
    assert list(TeamMember.objects.filter(client=org.client_a)) == [member]


def test_team_remove_of_another_clients_member_is_404(org, web_client_for):
    other = TeamMember.objects.get(client=org.client_b)

    response = web_client_for(org.head).post(reverse("web:team_remove", args=[org.client_a.pk, other.pk]))

    assert response.status_code == 404
    assert TeamMember.objects.filter(pk=other.pk).exists()


# --- query counts --------------------------------------------------------------------------------------------------

LIST_QUERIES = 7
# The card: client, contacts, work, comms and (for those who see money) the money panel (4 queries),
# plus the per-contact «Записать контакт» rule read once; constant in the number of rows.
CARD_QUERIES = 19  # +1: the «Результаты» panel looks up the analytics source (issue #11); +1: portal accounts of the contacts (issue 13)


@pytest.mark.parametrize("extra", [5, 40])
def test_client_list_queries_do_not_grow_with_rows(org, web_client_for, django_assert_max_num_queries, extra):
    for i in range(extra):
        ClientFactory(agency=org.agency, account_manager=org.am1 if i % 2 else org.am2, group=org.seo1)
    web = web_client_for(org.head)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = web.get(reverse("web:client_list"))

    assert len(response.context["page"].object_list) == extra + 2


@pytest.mark.parametrize("extra", [5, 40])
def test_client_card_queries_do_not_grow_with_rows(org, web_client_for, django_assert_max_num_queries, extra):
    ContactFactory.create_batch(extra, client=org.client_a)
    TeamMemberFactory.create_batch(extra, client=org.client_a, employee__agency=org.agency, employee__role="specialist")
    web = web_client_for(org.group_head)
    for status in ["at_risk", "active"] * (extra // 5):
        web.post(reverse("web:client_status", args=[org.client_a.pk]), {"to_status": status})
    for manager in [org.am2, org.am1] * (extra // 5):
        web.post(reverse("web:client_assign_manager", args=[org.client_a.pk]), {"account_manager": manager.pk})

    with django_assert_max_num_queries(CARD_QUERIES):
        response = web.get(reverse("web:client_detail", args=[org.client_a.pk]))

    assert len(response.context["contacts"]) == extra
    assert len(response.context["am_changes"]) == 2 * (extra // 5)


@pytest.mark.parametrize(("role", "sets"), [("head", True), ("group_head", True), ("finance", True), ("am1", False)])
def test_served_since_on_the_edit_form(org, web_client_for, role, sets):
    # given client_a (am1, seo1) without a start of service
    url = reverse("web:client_edit", args=[org.client_a.pk])

    # when the editor enters one
    page = web_client_for(org.by_role_name(role)).get(url)
    response = web_client_for(org.by_role_name(role)).post(url, client_form_data(served_since="2025-04-01", group=str(org.seo1.pk)))

    # then heads, the group head and finance set it; for the AM the field is read-only and nothing changes
    assert page.context["form"].fields["served_since"].disabled is not sets
    assert response.status_code == 302
    org.client_a.refresh_from_db()
    assert org.client_a.served_since == (date(2025, 4, 1) if sets else None)
