"""Forms for the organisation pages; the rules stay in tandem.org.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tandem.org.models import Agency, Employee, Group
from tandem.org.roles import Role
from tandem.org.services import AGENCY_FIELDS, EMPLOYEE_FIELDS, GROUP_FIELDS
from tandem.web.forms_util import date_input, localized_formfield


def _all(label: Any) -> list[Any]:
    return [("", label)]


def _set_choices(field: forms.Field, choices: list[Any]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class _DomainForm(forms.Form):
    """A plain form whose fields (labels, choices, help texts) come from a model."""

    model: type = Agency
    field_names: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(self.model, fields=list(self.field_names),
                                                  formfield_callback=localized_formfield))

    def domain_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.field_names}


class AgencyForm(_DomainForm):
    model = Agency
    field_names = AGENCY_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_on"].widget = date_input()
        self.fields["two_factor_roles"] = forms.MultipleChoiceField(
            label=_("Роли с обязательной двухфакторной аутентификацией"), choices=Role.choices, required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Сотрудники этих ролей входят только с кодом из приложения-аутентификатора."),
        )


class GroupForm(_DomainForm):
    model = Group
    field_names = GROUP_FIELDS

    def __init__(self, *args: Any, employees: QuerySet[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        head = self.fields["head"]
        assert isinstance(head, forms.ModelChoiceField)
        head.queryset = employees
        head.empty_label = str(_("— не назначен —"))


class EmployeeForm(_DomainForm):
    model = Employee
    field_names = EMPLOYEE_FIELDS

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = groups
        group.empty_label = str(_("— без группы —"))


class EmployeeCreateForm(_DomainForm):
    """Hiring: the login, e-mail and an optional initial password, then the employee's fields.

    The password rules (Django's validators) are applied by tandem.org.services.employee_create.
    """

    model = Employee
    field_names = tuple(name for name in EMPLOYEE_FIELDS if name != "is_active")

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ModelChoiceField)
        group.queryset = groups
        group.empty_label = str(_("— без группы —"))
        account = {
            "username": forms.CharField(label=_("Логин"), max_length=150),
            "email": forms.EmailField(label=_("E-mail"), required=False),
            "password": forms.CharField(
                label=_("Начальный пароль"), required=False, strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                help_text=_("Необязательно: без пароля войти нельзя, пока его не зададут."),
            ),
        }
        self.fields = {**account, **self.fields}

    def account_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"username": data["username"], "email": data.get("email") or "",
                "password": data.get("password") or None}


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Поиск"), required=False)
    role = forms.ChoiceField(label=_("Роль"), required=False, choices=_all(_("Все")) + list(Role.choices))
    group = forms.TypedChoiceField(label=_("Группа"), required=False, coerce=int, empty_value=None)
    inactive = forms.BooleanField(label=_("Показать уволенных"), required=False)

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["group"], _all(_("Все")) + [(g.pk, g.name) for g in groups])

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": (data.get("q") or "").strip(),
            "role": data.get("role") or "",
            "group_id": data.get("group"),
            "active": None if data.get("inactive") else True,
        }


class GroupFilterForm(forms.Form):
    group = forms.TypedChoiceField(
        label=_("Группа"), required=False, coerce=int, empty_value=None,
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )

    def __init__(self, *args: Any, groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["group"], _all(_("Все группы")) + [(g.pk, g.name) for g in groups])

    def group_id(self) -> int | None:
        self.is_valid()
        return self.cleaned_data.get("group")
