"""Sign-in forms that keep staff and client contacts apart: the staff sign-in refuses portal
accounts, the portal sign-in refuses anyone without a usable portal account. Both answer with
the same «wrong login or password» message, so neither tells which kind of account exists."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tandem.org.models import User
from tandem.portal.permissions import is_portal_user, portal_account_of


class StaffAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if is_portal_user(user):
            raise self.get_invalid_login_error()


class PortalAuthenticationForm(AuthenticationForm):
    username = forms.CharField(label=_("E-mail"), max_length=254,
                               widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username", "")).strip().lower()

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if portal_account_of(user) is None:
            raise self.get_invalid_login_error()
