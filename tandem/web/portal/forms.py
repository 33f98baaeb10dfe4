"""Forms of the client portal and of the AM's invitation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tandem.portal.services import MAX_TEXT, PortalAccess
from tandem.work.models import StageSubmission


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(label=_("Пароль"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Пароль ещё раз"), max_length=128, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("Пароли не совпадают."))
        return data


class StageAnswerForm(forms.Form):
    decision = forms.ChoiceField(label=_("Ответ"), choices=StageSubmission.Decision.choices,
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Комментарий"), required=False, max_length=MAX_TEXT,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Для замечаний обязателен: что исправить."))


class RequestForm(forms.Form):
    subject = forms.CharField(label=_("Тема"), max_length=255)
    text = forms.CharField(label=_("Текст"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}))


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Ответ"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class InviteForm(forms.Form):
    """What the invited contact will see in the portal."""

    work = forms.BooleanField(label=_("Проекты и этапы (согласование)"), required=False, initial=True)
    money = forms.BooleanField(label=_("Счета и акты"), required=False, initial=False)
    hours = forms.BooleanField(label=_("Часы по месяцам"), required=False, initial=True)
    requests = forms.BooleanField(label=_("Обращения"), required=False, initial=True)
    reports = forms.BooleanField(label=_("Отчёты за периоды"), required=False, initial=True)

    def access(self) -> PortalAccess:
        d = self.cleaned_data
        return PortalAccess(work=d["work"], money=d["money"], hours=d["hours"], requests=d["requests"],
                            reports=d["reports"])


class StaffReplyForm(forms.Form):
    """Staff answer in the request's portal thread, or leave an internal note."""

    text = forms.CharField(label=_("Ответ клиенту в кабинете"), max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("Внутренняя заметка (клиент её не увидит)"), required=False)
