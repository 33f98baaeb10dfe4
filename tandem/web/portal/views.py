"""Pages of the client portal (/portal/…): a client contact's own sign-in, the invitation, and
what the contact sees of their company. Every object comes through the portal's scoped lookups
by a signed id; a page of an area the account may not see is a 404 like a missing one."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tandem.billing import documents
from tandem.billing import selectors as billing_selectors
from tandem.core.errors import ApplicationError, NotFound
from tandem.org import services as org_services
from tandem.org.models import TotpDevice
from tandem.portal import permissions, selectors, services
from tandem.portal.models import Area, PortalAccount
from tandem.reports import services as report_services
from tandem.web.account.two_factor import CodeForm, DisableForm, qr_svg
from tandem.web.forms_util import add_domain_error

from .auth import PortalAuthenticationForm
from .decorators import PortalRequest, portal_required
from .forms import AcceptInvitationForm, ReplyForm, RequestForm, StageAnswerForm


def _start_portal_session(request: HttpRequest, account: PortalAccount) -> None:
    """Portal sessions are shorter than staff ones (PORTAL_SESSION_AGE) and end with the browser."""
    request.session.set_expiry(settings.PORTAL_SESSION_AGE)
    services.portal_login_recorded(account=account)


class PortalLogin(LoginView):
    template_name = "web/portal/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return reverse("web:portal_home")

    def form_valid(self, form: PortalAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if org_services.totp_enabled(user):
            # Not signed in yet: the code step (portal_login_code) finishes the sign-in.
            self.request.session[PORTAL_TOTP_PENDING] = {
                "user": user.pk, "backend": getattr(user, "backend", ""), "at": time.time(),
                "next": self.get_redirect_url(),
            }
            return redirect("web:portal_login_code")
        response = super().form_valid(form)
        account = permissions.portal_account_of(form.get_user())
        if account is not None:
            _start_portal_session(self.request, account)
        return response


PORTAL_TOTP_PENDING = "portal_totp_pending"
PORTAL_TOTP_PENDING_SECONDS = 300


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step of a contact's sign-in when they turned TOTP on: a code from the app or a
    recovery code (wrong codes counted and locked out as for staff: tandem.org.services.totp_verify)."""
    pending: dict[str, Any] = request.session.get(PORTAL_TOTP_PENDING) or {}
    account = None
    if pending and time.time() - float(pending.get("at", 0)) <= PORTAL_TOTP_PENDING_SECONDS:
        account = PortalAccount.objects.select_related("user", "contact").filter(user_id=pending["user"]).first()
    if account is None or permissions.portal_account_of(account.user) is None:
        request.session.pop(PORTAL_TOTP_PENDING, None)
        messages.info(request, _("Время на ввод кода истекло. Войдите снова."))
        return redirect("web:portal_login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            passed = org_services.totp_verify(user=account.user, code=form.cleaned_data["code"])
        except org_services.TotpLocked as exc:
            form.add_error("code", exc.message)
            status = 429
        else:
            if passed:
                del request.session[PORTAL_TOTP_PENDING]
                login(request, account.user, backend=pending["backend"] or None)
                _start_portal_session(request, account)
                target = pending.get("next") or ""
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                       require_https=request.is_secure()):
                    target = reverse("web:portal_home")
                return redirect(target)
            form.add_error("code", _("Неверный код."))
            status = 400
    return render(request, "web/portal/login_code.html", {"form": form}, status=status)


class PortalLogout(LogoutView):
    next_page = reverse_lazy("web:portal_login")  # type: ignore[assignment]


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: the contact chooses a password and is signed in to the portal."""
    days = settings.PORTAL_INVITATION_DAYS
    try:
        account = services.portal_invitation_check(token=token, max_age_days=days)
    except ApplicationError as exc:
        return render(request, "web/portal/invitation_invalid.html", {"message": exc.message}, status=400)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.portal_invitation_accept(token=token, password=form.cleaned_data["password"],
                                                        max_age_days=days)
        except ValidationError as exc:
            add_domain_error(form, exc)
        except ApplicationError as exc:
            return render(request, "web/portal/invitation_invalid.html", {"message": exc.message}, status=400)
        else:
            login(request, account.user, backend="django.contrib.auth.backends.ModelBackend")
            _start_portal_session(request, account)
            messages.success(request, _("Пароль сохранён. Добро пожаловать в кабинет!"))
            return redirect("web:portal_home")
    return render(request, "web/portal/accept.html", {"form": form, "account": account})


def _require(account: PortalAccount, area: str) -> None:
    if not account.sees(area):
        raise NotFound()


def _sign(account: PortalAccount, kind: str, objects: Any) -> list[Any]:
    """The objects with `sid`, their signed id for the portal's URLs."""
    rows = list(objects)
    for obj in rows:
        obj.sid = permissions.signed_id(account, kind, obj.pk)
    return rows


def _page(request: PortalRequest, template: str, context: dict[str, Any], *, section: str) -> HttpResponse:
    return render(request, template, {"account": request.portal, "client": request.portal.contact.client,
                                      "section": section, **context})


@portal_required
def home(request: PortalRequest) -> HttpResponse:
    account = request.portal
    return _page(request, "web/portal/home.html", {"overview": selectors.portal_overview(account=account)},
                 section="home")


@portal_required
def projects(request: PortalRequest) -> HttpResponse:
    account = request.portal
    _require(account, Area.WORK)
    rows = list(selectors.portal_projects(account=account))
    for project in rows:
        _sign(account, "stage", project.client_stages)  # type: ignore[attr-defined]
    return _page(request, "web/portal/projects.html", {"projects": rows}, section="projects")


@portal_required
@require_http_methods(["GET", "POST"])
def stage_detail(request: PortalRequest, sid: str) -> HttpResponseBase:
    account = request.portal
    stage = permissions.stage_get_for_contact(account, sid)
    form = StageAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_stage_answer(account=account, stage=stage, decision=form.cleaned_data["decision"],
                                         comment=form.cleaned_data["comment"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Спасибо! Ответ по этапу передан агентству."))
            return redirect("web:portal_stage", sid=sid)
    stage = selectors.portal_stage_detail(stage=stage)
    return _page(request, "web/portal/stage.html", {"stage": stage, "sid": sid, "form": form,
                                                    "can_answer": stage.status == "sent"}, section="projects")


@portal_required
def invoices(request: PortalRequest) -> HttpResponse:
    account = request.portal
    _require(account, Area.MONEY)
    return _page(request, "web/portal/invoices.html", {
        "invoices": _sign(account, "invoice", selectors.portal_invoices(account=account)),
        "acts": _sign(account, "act", selectors.portal_acts(account=account)),
    }, section="invoices")


@portal_required
def reports(request: PortalRequest) -> HttpResponse:
    account = request.portal
    _require(account, Area.REPORTS)
    return _page(request, "web/portal/reports.html", {
        "reports": _sign(account, "report", selectors.portal_reports(account=account)),
    }, section="reports")


def _pdf(content: bytes, title: str) -> HttpResponse:
    name = "".join("-" if ch in '/\\:*?"<>|' else ch for ch in title) + ".pdf"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


@portal_required
def invoice_pdf(request: PortalRequest, sid: str) -> HttpResponse:
    invoice = permissions.invoice_get_for_contact(request.portal, sid)
    invoice = billing_selectors.invoice_detail(invoice=invoice)
    return _pdf(documents.invoice_pdf(invoice), _("Счёт %(number)s") % {"number": invoice.number or invoice.pk})


@portal_required
def act_pdf(request: PortalRequest, sid: str) -> HttpResponse:
    act = permissions.act_get_for_contact(request.portal, sid)
    return _pdf(documents.act_pdf(act), _("Акт %(number)s") % {"number": act.number})


@portal_required
def report_pdf(request: PortalRequest, sid: str) -> HttpResponse:
    """The PDF the client received (the stored one of a sent report)."""
    report = permissions.report_get_for_contact(request.portal, sid)
    return _pdf(report_services.client_report_pdf(report),
                _("Отчёт за %(period)s") % {"period": f"{report.period_start:%m.%Y}"})


@portal_required
def hours(request: PortalRequest) -> HttpResponse:
    account = request.portal
    _require(account, Area.HOURS)
    rows = selectors.portal_hours_by_month(account=account, today=timezone.localdate())
    return _page(request, "web/portal/hours.html", {"rows": rows}, section="hours")


@portal_required
def requests(request: PortalRequest) -> HttpResponse:
    account = request.portal
    _require(account, Area.REQUESTS)
    return _page(request, "web/portal/requests.html", {
        "requests": _sign(account, "request", selectors.portal_requests(account=account)),
    }, section="requests")


@portal_required
@require_http_methods(["GET", "POST"])
def request_new(request: PortalRequest) -> HttpResponseBase:
    account = request.portal
    _require(account, Area.REQUESTS)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.portal_request_file(account=account, subject=form.cleaned_data["subject"],
                                                   text=form.cleaned_data["text"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Обращение отправлено. Аккаунт-менеджер ответит в срок по договору."))
            return redirect("web:portal_request", sid=permissions.signed_id(account, "request", created.pk))
    return _page(request, "web/portal/request_new.html", {"form": form}, section="requests")


@portal_required
@require_http_methods(["GET", "POST"])
def request_detail(request: PortalRequest, sid: str) -> HttpResponseBase:
    account = request.portal
    obj = permissions.request_get_for_contact(account, sid)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_request_reply(account=account, request=obj, text=form.cleaned_data["text"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Ответ отправлен."))
            return redirect("web:portal_request", sid=sid)
    return _page(request, "web/portal/request_detail.html", {
        "req": obj, "sid": sid, "form": form, "replies": list(selectors.request_thread_for_contact(request=obj)),
    }, section="requests")




# --- the contact's second factor ----------------------------------------------------------------

@portal_required
def security(request: PortalRequest) -> HttpResponse:
    """Sign-in settings: whether the second factor is on, and how to turn it on."""
    user = request.portal.user
    return _page(request, "web/portal/security.html", {
        "totp_on": org_services.totp_enabled(user), "codes_left": org_services.recovery_codes_left(user),
    }, section="security")


@portal_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: PortalRequest) -> HttpResponse:
    """Turn TOTP on: the QR code and manual key of a new secret, then a code from the app to
    confirm; the recovery codes are shown once (the same service as staff use)."""
    user = request.portal.user
    if org_services.totp_enabled(user):
        return redirect("web:portal_security")
    device = TotpDevice.objects.filter(user=user).first()
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            codes = org_services.totp_enable(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc.message_dict.get("code", exc.messages))
            status = 400
        else:
            messages.success(request, _("Двухфакторная аутентификация включена."))
            return _page(request, "web/portal/recovery_codes.html", {"codes": codes}, section="security")
    if device is None:
        device = org_services.totp_setup_start(user=user)
    secret = org_services.totp_secret(device)
    response = _page(request, "web/portal/totp_setup.html", {
        "form": form, "qr_svg": qr_svg(org_services.totp_provisioning_uri(device)),
        "manual_key": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
    }, section="security")
    response.status_code = status
    return response


@portal_required
@require_http_methods(["GET", "POST"])
def totp_disable(request: PortalRequest) -> HttpResponse:
    """Turn TOTP off with the password and a current code (or a recovery code)."""
    user = request.portal.user
    if not org_services.totp_enabled(user):
        return redirect("web:portal_security")
    form = DisableForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            org_services.totp_disable(user=user, password=form.cleaned_data["password"], code=form.cleaned_data["code"])
        except org_services.TotpLocked as exc:
            form.add_error("code", exc.message)
            status = 429
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
            status = 400
        else:
            messages.success(request, _("Двухфакторная аутентификация выключена."))
            return redirect("web:portal_security")
    response = _page(request, "web/portal/totp_disable.html", {"form": form}, section="security")
    response.status_code = status
    return response
