"""Health pages: the «Здоровье» panel of the client card, the health list, proposals'
decisions, the back-test and the settings (issue 12)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.clients.models import Client, LifecycleStatus
from tandem.core.errors import ApplicationError
from tandem.health import permissions, selectors, services
from tandem.health.backtest import health_backtest_run
from tandem.health.models import HealthScore, ProposalStatus
from tandem.org.permissions import actor_employee
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

from .forms import BacktestForm, DecisionForm, HealthFilterForm, HealthSettingsForm

PAGE_SIZE = 50
SPARK_W, SPARK_H = 240, 48

# Where each kind of event behind a factor opens; None: the client card, at an anchor.
EVENT_URLS: dict[str, str | None] = {
    "invoice": "web:invoice_detail", "request": "web:request_detail", "task": "web:task_detail",
    "interaction": "web:interaction_edit", "stage": "web:stage_edit",
}
EVENT_ANCHORS = {"contact": "#contacts", "am_change": "#am-history", "results": "#results"}


def _event_url(client: Client, event: dict[str, Any]) -> str:
    name = EVENT_URLS.get(event["kind"])
    if name:
        try:
            return reverse(name, args=[event["id"]])
        except NoReverseMatch:
            pass
    return reverse("web:client_detail", args=[client.pk]) + EVENT_ANCHORS.get(event["kind"], "")


def _linked(client: Client, score: HealthScore | None) -> list[dict[str, Any]]:
    if score is None:
        return []
    return [{**f, "events": [{**e, "url": _event_url(client, e)} for e in f["events"]]} for f in score.factors]


def _agency_id(request: AuthedRequest) -> int:
    employee = actor_employee(request.user)
    assert employee is not None  # employee_required
    return employee.agency_id


def sparkline(points: list[tuple[Any, int]]) -> str:
    """SVG polyline coordinates of scores 0–100, oldest first (no JavaScript needed)."""
    if len(points) < 2:
        return ""
    step = SPARK_W / (len(points) - 1)
    return " ".join(f"{i * step:.1f},{SPARK_H - score * SPARK_H / 100:.1f}" for i, (_d, score) in enumerate(points))


def _panel_context(request: AuthedRequest, client: Client, form: DecisionForm | None = None) -> dict[str, Any]:
    history = list(selectors.client_health_history(client=client, days=90))
    latest = history[0] if history else None
    proposal = selectors.risk_proposal_list(actor=request.user, client=client, status=ProposalStatus.OPEN).first()
    cfg = services.health_settings_for(client.agency_id)
    return {
        "client": client,
        "score": latest,
        "factors": _linked(client, latest),
        "spark": sparkline([(s.day, s.score) for s in reversed(history)]),
        "spark_w": SPARK_W, "spark_h": SPARK_H,
        "threshold": cfg.risk_threshold,
        "threshold_y": SPARK_H - cfg.risk_threshold * SPARK_H / 100,
        "proposal": proposal,
        "can_decide": proposal is not None and permissions.can_decide_proposal(request.user, proposal),
        "can_recompute": client.status not in (LifecycleStatus.CHURNED, LifecycleStatus.LEAD),
        "frozen": client.status == LifecycleStatus.CHURNED,
        "form": form or DecisionForm(),
    }


def _render_panel(request: AuthedRequest, client: Client, form: DecisionForm | None = None) -> HttpResponse:
    return render(request, "web/health/_client_panel.html", _panel_context(request, client, form))


@employee_required
def client_health_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The card's «Здоровье» panel (loaded by htmx); nothing for those who may not see it."""
    try:
        client = permissions.health_client_get_for(request.user, pk)
    except ApplicationError:
        return HttpResponse("")
    return _render_panel(request, client)


@employee_required
@require_POST
def client_health_recompute(request: AuthedRequest, pk: int) -> HttpResponse:
    client = permissions.health_client_get_for(request.user, pk)
    try:
        services.health_recompute_client(actor=request.user, client=client)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    if request.htmx:
        return _render_panel(request, client)
    return redirect(reverse("web:client_detail", args=[client.pk]) + "#health")


@employee_required
@require_POST
def proposal_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    """Accept («под риском» with the reasons) or dismiss (with a comment) a proposal."""
    proposal = permissions.proposal_get_for(request.user, pk)
    if decision not in {"accept", "dismiss"} or not permissions.can_decide_proposal(request.user, proposal):
        raise Http404()
    form = DecisionForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if decision == "accept":
                services.risk_proposal_accept(actor=request.user, proposal=proposal, comment=comment)
                messages.success(request, _("Клиент переведён в статус «под риском»."))
            else:
                services.risk_proposal_dismiss(actor=request.user, proposal=proposal, comment=comment)
                messages.success(request, _("Предложение отклонено."))
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
    client = proposal.client
    if form.errors:
        if request.htmx:
            return _render_panel(request, client, form)
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    if request.htmx:
        # The card's heading shows the status that just changed: reload the whole card.
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return redirect(reverse("web:client_detail", args=[client.pk]) + "#health")


@employee_required
def health_list(request: AuthedRequest) -> HttpResponse:
    """Visible clients by their latest score, worst first; filters by AM, group, below threshold."""
    if not permissions.can_view_health_list(request.user):
        raise Http404()
    cfg = services.health_settings_for(_agency_id(request))
    form = HealthFilterForm(request.GET or None, visible_clients=permissions.health_clients_visible_to(request.user),
                            threshold=cfg.risk_threshold)
    filters = selectors.HealthFilters(account_manager_id=form.value("am"), group_id=form.value("group"),
                                      below=form.value("below"))
    page = Paginator(selectors.health_latest_scores(actor=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "web/health/list.html", {
        "filter_form": form, "page": page, "scores": page.object_list, "threshold": cfg.risk_threshold,
        "at_risk": selectors.at_risk_clients(actor=request.user, group_id=form.value("group"), limit=10),
        "can_backtest": permissions.can_run_backtest(request.user),
        "can_settings": permissions.can_manage_health_settings(request.user),
    })


@employee_required
@require_http_methods(["GET", "POST"])
def backtest_page(request: AuthedRequest) -> HttpResponse:
    """The latest back-test and a form to run it again (heads of accounts, admins)."""
    if not permissions.can_run_backtest(request.user):
        raise Http404()
    form = BacktestForm(request.POST or None, initial=BacktestForm.initial_values())
    if request.method == "POST" and form.is_valid():
        try:
            health_backtest_run(actor=request.user, **form.cleaned_data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Бэк-тест пересчитан."))
            return redirect("web:health_backtest")
    run = selectors.backtest_latest(actor=request.user)
    return render(request, "web/health/backtest.html", {"form": form, "run": run, "r": run.result if run else None})


@employee_required
@require_http_methods(["GET", "POST"])
def health_settings(request: AuthedRequest) -> HttpResponse:
    if not permissions.can_manage_health_settings(request.user):
        raise Http404()
    cfg = services.health_settings_for(_agency_id(request))
    form = HealthSettingsForm(request.POST or None, instance=cfg)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        cfg.refresh_from_db()
        try:
            services.health_settings_update(actor=request.user, data=data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Настройки сохранены. Новые веса действуют со следующего пересчёта."))
            return redirect("web:health_settings")
    return render(request, "web/health/settings.html", {"form": form})
