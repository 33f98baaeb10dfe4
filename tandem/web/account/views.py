"""The signed-in person's own account: «Безопасность» (API tokens) and the password change.

Everyone sees and revokes only their own tokens (tandem.org.permissions.api_token_get_for:
someone else's token is a 404). Changing the password revokes every API token; Django then
signs out the person's other sessions (their session hash no longer matches) and
`PasswordChangeView` keeps the current one (update_session_auth_hash).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.org import selectors, services
from tandem.org.permissions import api_token_get_for
from tandem.web.decorators import AuthedRequest, employee_required


@employee_required
def security(request: AuthedRequest) -> HttpResponse:
    tokens = selectors.api_token_list(actor=request.user)
    return render(request, "web/account/security.html", {
        "tokens": tokens,
        "totp_enabled": services.totp_enabled(request.user),
        "totp_required": services.totp_required(request.user),
        "recovery_left": services.recovery_codes_left(request.user),
    })


@require_POST
@employee_required
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = api_token_get_for(request.user, pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Токен «%(name)s» отозван.") % {"name": token.name or token.prefix})
    return redirect("web:account_security")


@method_decorator(employee_required, name="dispatch")  # type: ignore[arg-type]  # HttpResponse vs Base
class PasswordChange(PasswordChangeView):
    template_name = "web/account/password_change.html"
    success_url = reverse_lazy("web:account_security")

    @transaction.atomic
    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # saves, keeps this session signed in
        revoked = services.api_tokens_revoke_all(user=form.user)
        messages.success(
            self.request,
            _("Пароль изменён. Другие сеансы завершены, API-токенов отозвано: %(count)s.") % {"count": revoked},
        )
        return response
