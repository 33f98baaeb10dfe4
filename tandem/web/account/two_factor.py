"""Two-factor sign-in (TOTP) in the web UI: the code step after the password, and its setup.

Sign-in: the password form (Django's LoginView, counted by django-axes) checks the password;
when the person has a second factor in force they are NOT signed in yet: the pending user is
kept in the session for TWO_FACTOR_PENDING_SECONDS and /login/code/ asks for a code from the app
(or a recovery code). Wrong codes are counted by the device (tandem.org.services.totp_verify):
after TOTP_FAILURE_LIMIT in a row the step answers 429 until the lockout passes.

When the agency requires a second factor for the person's role and they have none, they are
signed in but sent to the setup page until they enable it (TwoFactorSetupRequiredMiddleware).
"""

from __future__ import annotations

import time
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.org import services
from tandem.org.models import TotpDevice, User
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.middleware import TWO_FACTOR_SETUP_REQUIRED

TWO_FACTOR_PENDING = "two_factor_pending"
TWO_FACTOR_PENDING_SECONDS = 300


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Код из приложения или код восстановления"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class DisableForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Пароль"), max_length=4096, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(label=gettext_lazy("Код из приложения или код восстановления"), max_length=20,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}))


class SignIn(LoginView):
    """The password step; hands over to the code step when the person has a second factor."""

    template_name = "web/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if services.totp_enabled(user):
            self.request.session[TWO_FACTOR_PENDING] = {
                "user": user.pk, "backend": getattr(user, "backend", ""), "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return redirect("web:login_code")
        response = super().form_valid(form)
        if services.totp_required(user):
            self.request.session[TWO_FACTOR_SETUP_REQUIRED] = True
            messages.warning(self.request, _("Для вашей роли агентство требует двухфакторную аутентификацию. Включите её, чтобы продолжить."))
            return redirect("web:account_2fa_setup")
        return response


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(TWO_FACTOR_PENDING)
    if not pending or time.time() - float(pending.get("at", 0)) > TWO_FACTOR_PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in: a code from the authenticator app or a recovery code."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(TWO_FACTOR_PENDING, None)
        messages.info(request, _("Время на ввод кода истекло. Войдите снова."))
        return redirect("web:login")
    user, pending = found
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            passed = services.totp_verify(user=user, code=form.cleaned_data["code"])
        except services.TotpLocked as exc:
            form.add_error("code", exc.message)
            status = 429
        else:
            if passed:
                del request.session[TWO_FACTOR_PENDING]
                login(request, user, backend=pending["backend"] or None)
                target = pending.get("next") or ""
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
                    target = reverse("web:home")
                return redirect(target)
            form.add_error("code", _("Неверный код."))
    return render(request, "web/account/login_code.html", {"form": form}, status=status)


def qr_svg(uri: str) -> str:
    # An <svg> element in the page (no inline style, no data: URL), scaled by the stylesheet.
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff", omitsize=True)


@employee_required
def setup(request: AuthedRequest) -> HttpResponse:
    """Set up a second factor: QR code and manual key of a new secret, then a code to confirm.
    On success the recovery codes are shown once."""
    if services.totp_enabled(request.user):
        return redirect("web:account_security")
    device = TotpDevice.objects.filter(user=request.user).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = services.totp_enable(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict.get("code", exc.messages))
        else:
            request.session.pop(TWO_FACTOR_SETUP_REQUIRED, None)
            messages.success(request, _("Двухфакторная аутентификация включена."))
            return render(request, "web/account/recovery_codes.html", {"codes": codes})
    if device is None:
        device = services.totp_setup_start(user=request.user)
    secret = services.totp_secret(device)
    return render(request, "web/account/two_factor_setup.html", {
        "form": form,
        "qr_svg": qr_svg(services.totp_provisioning_uri(device)),
        "manual_key": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "required": bool(request.session.get(TWO_FACTOR_SETUP_REQUIRED)),
    })


@employee_required
def disable(request: AuthedRequest) -> HttpResponse:
    """Switch the second factor off with the password and a code. Not offered while the agency
    requires it for the person's role."""
    if services.totp_required(request.user):
        messages.error(request, _("Для вашей роли двухфакторная аутентификация обязательна."))
        return redirect("web:account_security")
    form = DisableForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_disable(user=request.user, password=form.cleaned_data["password"],
                                  code=form.cleaned_data["code"])
        except services.TotpLocked as exc:
            form.add_error("code", exc.message)
            status = 429
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Двухфакторная аутентификация выключена."))
            return redirect("web:account_security")
    return render(request, "web/account/two_factor_disable.html", {"form": form}, status=status)


@require_POST
@employee_required
def recovery_regenerate(request: AuthedRequest) -> HttpResponse:
    """New recovery codes after a current code; the old ones stop working."""
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = services.recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
        except services.TotpLocked as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            return render(request, "web/account/recovery_codes.html", {"codes": codes})
    return redirect("web:account_security")


__all__ = ["SignIn", "disable", "login_code", "recovery_regenerate", "setup"]
