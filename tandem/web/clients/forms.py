"""Forms for the client pages. They only check the shape of the input; the rules live in
tandem.clients.services and come back as ValidationError (shown with add_domain_error)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tandem.clients.models import (
    ChurnReason,
    Client,
    ClientKind,
    ClientTier,
    Contact,
    LifecycleStatus,
    ServiceKind,
)
from tandem.clients.selectors import ClientFilters, Workload
from tandem.clients.services import ALLOWED_TRANSITIONS, CLIENT_EDITABLE_FIELDS, CONTACT_EDITABLE_FIELDS
from tandem.org.models import Employee, Group
from tandem.web.forms_util import date_input

# How the client form is laid out on the page: (section title, field names).
CLIENT_SECTIONS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_("Основное"), ("legal_name", "brand_name", "kind", "tier", "group", "website", "served_since")),
    (_("Реквизиты"), ("inn", "kpp", "ogrn", "legal_address")),
    (_("Банк"), ("bank_name", "bik", "bank_account", "correspondent_account")),
    (_("Заметки аккаунта"), ("character_notes", "personal_notes")),
)
CREATE_STATUSES = (LifecycleStatus.LEAD, LifecycleStatus.ONBOARDING, LifecycleStatus.ACTIVE)


def _empty_choice(label: Any = "—") -> list[Any]:
    return [("", label)]


def _set_choices(field: forms.Field, choices: list[Any]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class ClientFilterForm(forms.Form):
    """GET filters of the clients list. Invalid values are ignored, not reported."""

    q = forms.CharField(label=_("Поиск"), required=False)
    am = forms.TypedChoiceField(label=_("Аккаунт-менеджер"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(label=_("Группа"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Статус"), required=False, choices=_empty_choice(_("Все")) + list(LifecycleStatus.choices)
    )
    tier = forms.ChoiceField(
        label=_("Категория"), required=False, choices=_empty_choice(_("Все")) + list(ClientTier.choices)
    )
    kind = forms.ChoiceField(label=_("Тип"), required=False, choices=_empty_choice(_("Все")) + list(ClientKind.choices))

    def __init__(self, *args: Any, visible_clients: QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = visible_clients.order_by()
        managers = (
            base.filter(account_manager__isnull=False)
            .values_list("account_manager_id", "account_manager__full_name")
            .distinct()
        )
        groups = base.filter(group__isnull=False).values_list("group_id", "group__name").distinct()
        _set_choices(self.fields["am"], _empty_choice(_("Все")) + sorted(managers, key=lambda c: c[1]))
        _set_choices(self.fields["group"], _empty_choice(_("Все")) + sorted(groups, key=lambda c: c[1]))

    def to_filters(self) -> ClientFilters:
        self.is_valid()
        data = self.cleaned_data
        status = data.get("status") or ""
        return ClientFilters(
            search=(data.get("q") or "").strip(),
            account_manager_id=data.get("am"),
            group_id=data.get("group"),
            statuses=(status,) if status else (),
            tier=data.get("tier") or "",
            kind=data.get("kind") or "",
        )


class ClientForm(forms.Form):
    """The client's details; labels and choices come from the model."""

    def __init__(
        self, *args: Any, groups: QuerySet[Group], may_move_group: bool = True, may_set_served_since: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Client,
                fields=[name for _title, names in CLIENT_SECTIONS for name in names if name != "website"],
                widgets={
                    "legal_address": forms.Textarea(attrs={"rows": 2}),
                    "character_notes": forms.Textarea(attrs={"rows": 3}),
                    "personal_notes": forms.Textarea(attrs={"rows": 3}),
                    "served_since": date_input(),
                },
            )
        )
        self.fields["website"] = forms.URLField(
            label=capfirst(Client._meta.get_field("website").verbose_name), required=False, assume_scheme="https"
        )
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        group_field.queryset = groups
        group_field.empty_label = str(_("— без группы —"))
        # The group decides who sees the client: only those who staff clients may change it.
        group_field.disabled = not may_move_group
        # The start of service decides whose plan old payments count for: not for the AM to set.
        self.fields["served_since"].disabled = not may_set_served_since
        assert set(self.fields) == set(CLIENT_EDITABLE_FIELDS)

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(str(title), [self[name] for name in names]) for title, names in CLIENT_SECTIONS]

    def domain_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CLIENT_EDITABLE_FIELDS}


class ClientCreateForm(ClientForm):
    """A new client: details plus the starting status and, for leaders, the responsible AM."""

    def __init__(
        self,
        *args: Any,
        groups: QuerySet[Group],
        managers: list[Workload] | None,
        may_force: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, groups=groups, **kwargs)
        self.fields["status"] = forms.ChoiceField(
            label=_("Статус"), choices=[(s.value, s.label) for s in CREATE_STATUSES], initial=LifecycleStatus.LEAD
        )
        if managers is not None:
            self.fields["account_manager"] = forms.TypedChoiceField(
                label=_("Аккаунт-менеджер"), required=False, coerce=int, empty_value=None,
                choices=_empty_choice(_("— не назначен —")) + manager_choices(managers),
            )
        if may_force:
            self.fields["force"] = forms.BooleanField(
                label=_("Назначить сверх жёсткого лимита"), required=False,
                help_text=_("Только для руководителя аккаунтинга; решение сохраняется в истории."),
            )

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        sections = super().sections()
        extra = [self[name] for name in ("status", "account_manager", "force") if name in self.fields]
        sections.insert(1, (str(_("Статус и ответственный")), extra))
        return sections


def manager_choices(workloads: list[Workload]) -> list[Any]:
    """Employee choices grouped by group, each with the current load: «Иванов — 12/20 (макс. 25)»."""
    grouped: dict[str, list[tuple[int, str]]] = {}
    for w in workloads:
        label = _("%(name)s — %(load)s/%(soft)s (макс. %(hard)s)") % {
            "name": w.employee.full_name, "load": w.active_clients, "soft": w.soft_limit, "hard": w.hard_limit,
        }
        group_name = w.employee.group.name if w.employee.group else str(_("Без группы"))
        grouped.setdefault(group_name, []).append((w.employee.pk, str(label)))
    return list(grouped.items())


class LifecycleForm(forms.Form):
    """Move the client to one of the statuses allowed from its current one."""

    to_status = forms.ChoiceField(label=_("Новый статус"))
    reason = forms.CharField(label=_("Причина / комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    churn_reason = forms.ChoiceField(
        label=_("Причина ухода"), required=False, choices=_empty_choice() + list(ChurnReason.choices),
        widget=forms.Select(attrs={"data-churn": "1"}),
        help_text=_("Обязательна, если клиент уходит."),
    )
    churn_comment = forms.CharField(
        label=_("Почему ушёл"), required=False, widget=forms.Textarea(attrs={"rows": 2, "data-churn": "1"}),
        help_text=_("Обязательно, если клиент уходит."),
    )

    def __init__(self, *args: Any, client: Client, may_force: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = ALLOWED_TRANSITIONS.get(client.status, frozenset())
        _set_choices(self.fields["to_status"], [(s.value, s.label) for s in LifecycleStatus if s in allowed])
        if may_force:
            self.fields["force"] = forms.BooleanField(
                label=_("Сверх жёсткого лимита аккаунта"), required=False,
                help_text=_("Только для руководителя аккаунтинга; решение сохраняется в истории."),
            )


class AssignManagerForm(forms.Form):
    account_manager = forms.TypedChoiceField(label=_("Аккаунт-менеджер"), coerce=int)
    reason = forms.CharField(label=_("Причина смены"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, managers: list[Workload], may_force: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["account_manager"], _empty_choice() + manager_choices(managers))
        if may_force:
            self.fields["force"] = forms.BooleanField(
                label=_("Назначить сверх жёсткого лимита"), required=False,
                help_text=_("Только для руководителя аккаунтинга; решение сохраняется в истории."),
            )


class ContactForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(
            forms.fields_for_model(
                Contact,
                fields=list(CONTACT_EDITABLE_FIELDS),
                widgets={
                    "birthday": date_input(),
                    "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                    "notes": forms.Textarea(attrs={"rows": 2}),
                },
            )
        )

    def domain_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in CONTACT_EDITABLE_FIELDS}


class SpecialistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Employee) -> str:  # type: ignore[override]
        return f"{obj.full_name} — {obj.get_specialty_display()}" if obj.specialty else obj.full_name


class TeamMemberForm(forms.Form):
    employee = SpecialistChoiceField(label=_("Специалист"), queryset=Employee.objects.none())
    service = forms.ChoiceField(label=_("Услуга"), choices=ServiceKind.choices)

    def __init__(self, *args: Any, specialists: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = specialists  # type: ignore[attr-defined]
