"""Growth pages: the pipeline board and list, opportunity pages, suggestions, «no results»
recommendations and decisions, monthly marks, the rules, and the client card's panel.

Every page answers 404 to roles without growth (specialists, finance) and to records of clients
the actor does not work on (tandem.growth.permissions). Moves, accepts and decisions are plain
form posts that htmx enhances: without JavaScript they redirect back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.clients.permissions import client_get_for
from tandem.contracts.models import ContractLine, Service
from tandem.core.errors import ApplicationError
from tandem.growth import permissions as perms
from tandem.growth import selectors, services
from tandem.growth.models import OPEN_STAGES, RULE_DEFAULTS, Decision, RuleKind, Stage, SuggestionStatus
from tandem.org.models import Employee, User
from tandem.org.roles import Role
from tandem.reports.exports import Column, Kind, iterate
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.exports import wants_xlsx, xlsx_response
from tandem.web.forms_util import add_domain_error

from .forms import (
    DecideForm,
    DismissForm,
    MarkForm,
    MoveForm,
    OpportunityFilterForm,
    OpportunityForm,
    RecommendationFilterForm,
    RuleForm,
    SuggestionFilterForm,
)

PAGE_SIZE = 50
# The way along the board: the «→» button of a column moves to the next one.
FORWARD = {Stage.IDEA: Stage.OFFERED, Stage.OFFERED: Stage.PROPOSAL_SENT, Stage.PROPOSAL_SENT: Stage.WON}
BACK = {v: k for k, v in FORWARD.items()}


def _growth(request: AuthedRequest) -> Employee:
    employee = perms.growth_employee(request.user)
    if employee is None:
        raise Http404()
    return employee


def _people(actor: User) -> QuerySet[Employee]:
    employee = perms.growth_employee(actor)
    assert employee is not None
    return Employee.objects.filter(agency_id=employee.agency_id, is_active=True, role__in=[
        Role.ACCOUNT_MANAGER, Role.GROUP_HEAD, Role.HEAD_OF_ACCOUNTS, Role.ADMIN]).order_by("full_name")


def _services(actor: User) -> QuerySet[Service]:
    employee = perms.growth_employee(actor)
    assert employee is not None
    return Service.objects.filter(agency_id=employee.agency_id, is_active=True).order_by("name")


def _next_url(request: AuthedRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(getattr(exc, "message", exc))


def _filters(request: AuthedRequest, form: OpportunityFilterForm) -> selectors.OpportunityFilters:
    if not form.is_valid():
        return selectors.OpportunityFilters()
    owner = form.cleaned_data.get("owner")
    return selectors.OpportunityFilters(search=form.cleaned_data["q"].replace("\x00", "").strip(),
                                        stage=form.cleaned_data.get("stage") or "",
                                        owner_id=owner.pk if owner else None)


# --- board and list --------------------------------------------------------------------------

def _board_context(request: AuthedRequest) -> dict[str, Any]:
    form = OpportunityFilterForm(request.GET or None, people=_people(request.user))
    board = selectors.pipeline_board(actor=request.user, filters=_filters(request, form))
    for column in board.columns:
        for o in column.items:
            o.back_stage = BACK.get(column.stage)  # type: ignore[attr-defined]
            o.fwd_stage = FORWARD.get(column.stage)  # type: ignore[attr-defined]
    return {"form": form, "board": board, "today": timezone.localdate(),
            "board_url": request.get_full_path()}


@employee_required
def board(request: AuthedRequest) -> HttpResponse:
    """Columns by stage with the totals and the weighted open pipeline; «←/→» buttons move a card."""
    _growth(request)
    ctx = _board_context(request)
    if request.htmx:
        return render(request, "web/growth/_board.html", ctx)
    return render(request, "web/growth/board.html", ctx)


def opportunity_columns() -> list[Column[Any]]:
    return [
        Column(_("Клиент"), lambda o: o.client.display_name),
        Column(_("Услуга"), lambda o: o.service.name),
        Column(_("Этап"), lambda o: o.get_stage_display()),
        Column(_("Сумма в месяц, ₽"), lambda o: o.monthly_value, Kind.MONEY),
        Column(_("Вероятность, %"), lambda o: o.probability, Kind.INT),
        Column(_("Взвешенная сумма, ₽"), lambda o: o.weighted_value, Kind.MONEY),
        Column(_("Ответственный"), lambda o: o.owner.full_name),
        Column(_("Следующий шаг"), lambda o: o.next_step),
        Column(_("Дата шага"), lambda o: o.next_step_date, Kind.DATE),
    ]


@employee_required
def opportunity_list(request: AuthedRequest) -> HttpResponse | FileResponse:
    _growth(request)
    form = OpportunityFilterForm(request.GET or None, people=_people(request.user))
    qs = selectors.opportunity_list(actor=request.user, filters=_filters(request, form))
    if wants_xlsx(request):
        return xlsx_response(opportunity_columns(), iterate(qs), _("Допродажи"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = selectors.pipeline_totals(qs)
    weighted = sum((t.weighted for s, t in totals.items() if s in OPEN_STAGES), selectors.ZERO)
    ctx = {"form": form, "page": page, "items": page.object_list, "weighted": weighted}
    template = "web/growth/_opportunity_table.html" if request.htmx else "web/growth/opportunity_list.html"
    return render(request, template, ctx)


# --- one opportunity -------------------------------------------------------------------------

@employee_required
def opportunity_create(request: AuthedRequest) -> HttpResponse:
    _growth(request)
    clients = perms.growth_clients_of(request.user).order_by("legal_name")
    form = OpportunityForm(request.POST or None, initial={"client": request.GET.get("client"), "stage": Stage.IDEA},
                           clients=clients, services=_services(request.user), people=_people(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            opp = services.opportunity_create(actor=request.user, client=form.cleaned_data["client"],
                                              data=form.service_data())
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Возможность добавлена в воронку."))
            return redirect("web:growth_opportunity", opp.pk)
    return render(request, "web/growth/form_page.html", {"form": form, "title": _("Новая возможность допродажи")},
                  status=400 if form.errors else 200)


@employee_required
def opportunity_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    opp = perms.opportunity_get_for(request.user, pk)
    history = selectors.opportunity_stage_history(opportunity=opp)
    move = MoveForm(initial={"stage": FORWARD.get(Stage(opp.stage), opp.stage), "next_step": opp.next_step,
                             "next_step_date": opp.next_step_date})
    proposals = opp.proposals.order_by("-date", "-id")
    return render(request, "web/growth/opportunity_detail.html",
                  {"o": opp, "history": history, "move": move, "proposals": proposals})


@employee_required
def opportunity_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    opp = perms.opportunity_get_for(request.user, pk)
    initial = {name: getattr(opp, name) for name in services.OPPORTUNITY_FIELDS}
    form = OpportunityForm(request.POST or None, initial=initial, clients=perms.growth_clients_of(request.user),
                           services=_services(request.user), people=_people(request.user), editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        data.setdefault("owner", opp.owner)
        try:
            services.opportunity_update(actor=request.user, opportunity=opp, data=data)
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Сохранено."))
            return redirect("web:growth_opportunity", opp.pk)
    return render(request, "web/growth/form_page.html", {"form": form, "title": str(opp), "o": opp},
                  status=400 if form.errors else 200)


@employee_required
def opportunity_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET: the move form (stage, reason when lost, next step). POST: move; from the board (htmx)
    the board comes back, a plain post returns to `next` (the board or the card)."""
    opp = perms.opportunity_get_for(request.user, pk)
    form = MoveForm(request.POST or None, initial={"stage": request.GET.get("stage") or opp.stage,
                                                   "next_step": opp.next_step, "next_step_date": opp.next_step_date})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.opportunity_move(
                actor=request.user, opportunity=opp, stage=data["stage"], lost_reason=data["lost_reason"],
                lost_comment=data["lost_comment"], comment=data["comment"],
                next_step=data["next_step"] if "next_step" in request.POST else None,
                next_step_date=data["next_step_date"],
            )
        except (ValidationError, ApplicationError) as exc:
            if request.POST.get("place") == "board":
                messages.error(request, _error_text(exc))
                return redirect(reverse("web:growth_move", args=[opp.pk]) + f"?stage={data['stage']}")
            add_domain_error(form, exc)
        else:
            message = _("«%(o)s»: %(stage)s.") % {"o": opp, "stage": Stage(data["stage"]).label}
            if request.htmx and request.POST.get("place") == "board":
                return render(request, "web/growth/_board.html", {
                    **_board_context(request), "flash": message, "board_url": reverse("web:growth_board")})
            messages.success(request, message)
            return redirect(_next_url(request, reverse("web:growth_opportunity", args=[opp.pk])))
    return render(request, "web/growth/move.html", {"form": form, "o": opp}, status=400 if form.errors else 200)


# --- suggestions ------------------------------------------------------------------------------

@employee_required
def suggestion_list(request: AuthedRequest) -> HttpResponse:
    _growth(request)
    form = SuggestionFilterForm(request.GET or None)
    status, kind = SuggestionStatus.OPEN, ""
    if form.is_valid():
        status = form.cleaned_data["status"] or SuggestionStatus.OPEN
        kind = form.cleaned_data["kind"] or ""
    qs = selectors.suggestion_list(actor=request.user, filters=selectors.SuggestionFilters(status=status, kind=kind))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/growth/suggestions.html", {
        "form": form, "page": page, "items": page.object_list, "open": status == SuggestionStatus.OPEN})


@employee_required
@require_POST
def suggestion_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    suggestion = perms.suggestion_get_for(request.user, pk)
    try:
        opp = services.suggestion_accept(actor=request.user, suggestion=suggestion)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, _error_text(exc))
        return redirect(_next_url(request, reverse("web:growth_suggestions")))
    messages.success(request, _("Подсказка в воронке: %(o)s.") % {"o": opp})
    return redirect(_next_url(request, reverse("web:growth_opportunity", args=[opp.pk])))


@employee_required
def suggestion_dismiss(request: AuthedRequest, pk: int) -> HttpResponse:
    suggestion = perms.suggestion_get_for(request.user, pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_dismiss(actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Подсказка отклонена; по тем же основаниям она больше не появится."))
            return redirect(_next_url(request, reverse("web:growth_suggestions")))
    return render(request, "web/growth/dismiss.html", {"form": form, "s": suggestion},
                  status=400 if form.errors else 200)


@employee_required
@require_POST
def growth_refresh(request: AuthedRequest) -> HttpResponse:
    """«Проверить сейчас»: the rules over the actor's clients."""
    _growth(request)
    result = services.growth_generate_for(actor=request.user, today=timezone.localdate())
    messages.success(request, _("Проверено: новых подсказок %(s)s, рекомендаций «нет результата» %(r)s.") % {
        "s": result.suggestions_created, "r": result.recommendations_created})
    return redirect(_next_url(request, reverse("web:growth_suggestions")))


# --- «no results» -----------------------------------------------------------------------------

@employee_required
def recommendation_list(request: AuthedRequest) -> HttpResponse:
    """The AM's recommendations; for group heads and heads, every decision of their clients."""
    _growth(request)
    form = RecommendationFilterForm(request.GET or None)
    decided = None
    if form.is_valid() and form.cleaned_data["decided"]:
        decided = form.cleaned_data["decided"] == "yes"
    qs = selectors.recommendation_list(actor=request.user, filters=selectors.RecommendationFilters(decided=decided))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/growth/recommendations.html", {
        "form": form, "page": page, "items": page.object_list, "heads_view": perms.can_view_decisions(request.user)})


@employee_required
def recommendation_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    rec = perms.recommendation_get_for(request.user, pk)
    form = DecideForm(request.POST or None, services=_services(request.user).exclude(pk=rec.contract_line.service_id),
                      initial={"decision": rec.decision or Decision.KEEP, "comment": rec.decision_comment,
                               "replacement_service": rec.replacement_service_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.recommendation_decide(
                actor=request.user, recommendation=rec, decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"], replacement_service=form.cleaned_data["replacement_service"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Решение записано; его видит группхэд."))
            return redirect(_next_url(request, reverse("web:growth_recommendations")))
    return render(request, "web/growth/decide.html", {"form": form, "r": rec}, status=400 if form.errors else 200)


# --- marks ------------------------------------------------------------------------------------

# What LineChoiceField's label shows.
MARK_LINE_LABEL_FIELDS = (
    "id", "contract__number", "contract__client__legal_name", "contract__client__brand_name", "service__name",
)

@employee_required
def mark_list(request: AuthedRequest) -> HttpResponse:
    """The AM's monthly marks of client services (used where a client has no analytics)."""
    _growth(request)
    lines = ContractLine.objects.filter(
        contract__client__in=perms.growth_clients_of(request.user), contract__status="signed",
    ).select_related("contract__client", "service").order_by("contract__client__legal_name", "id")
    if request.method != "POST":
        # The choice list names every signed service of every client (thousands for the head):
        # only the columns of its labels are read. A POST reads whole rows for the service.
        lines = lines.only(*MARK_LINE_LABEL_FIELDS)
    form = MarkForm(request.POST or None, lines=lines, initial={"contract_line": request.GET.get("line")})
    if request.method == "POST" and form.is_valid():
        try:
            services.service_mark_set(actor=request.user, contract_line=form.cleaned_data["contract_line"],
                                      month=form.cleaned_data["month"], mark=form.cleaned_data["mark"],
                                      comment=form.cleaned_data["comment"])
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Оценка сохранена."))
            return redirect("web:growth_marks")
    page = Paginator(selectors.mark_list(actor=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/growth/marks.html", {"form": form, "page": page, "items": page.object_list},
                  status=400 if form.errors else 200)


# --- rules ------------------------------------------------------------------------------------

RULE_HELP = {
    RuleKind.SEO_NO_CONTEXT: _("Порог и месяцы не используются."),
    RuleKind.RETAINER_OVERUSE: _("Часы по проекту больше порога (% от плана абонемента) столько месяцев подряд."),
    RuleKind.RESULTS_GROWING: _("Заявки растут больше чем на порог (%) месяц к месяцу столько месяцев подряд."),
    RuleKind.PEER_SERVICE: _("Услугу покупает не меньше порога (%) похожих клиентов (тот же тип и категория, от трёх)."),
    RuleKind.NO_RESULTS: _("Результаты растут не больше чем на порог (%) месяц к месяцу столько месяцев подряд, "
                           "а деньги и часы тратятся."),
}


@employee_required
def rule_settings(request: AuthedRequest) -> HttpResponse:
    """The agency's growth rules: on/off, threshold, months (head of accounts and admins)."""
    if not perms.can_edit_rules(request.user):
        raise Http404()
    employee = _growth(request)
    rules = services.rules_of(agency=employee.agency)
    forms_ = [(r, RuleForm(request.POST or None, prefix=r.kind, initial={
        "is_enabled": r.is_enabled, "threshold": r.threshold, "months": r.months}), RULE_HELP[RuleKind(r.kind)],
        RULE_DEFAULTS[r.kind]) for r in rules]
    if request.method == "POST" and all(f.is_valid() for _r, f, _h, _d in forms_):
        try:
            services.rules_update(actor=request.user, changes=[
                (rule, form.cleaned_data["is_enabled"], form.cleaned_data["threshold"], form.cleaned_data["months"])
                for rule, form, _h, _d in forms_])
        except (ValidationError, ApplicationError) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Правила сохранены."))
            return redirect("web:growth_rules")
    return render(request, "web/growth/rules.html", {"forms": forms_}, status=400 if request.method == "POST" else 200)


# --- client card ------------------------------------------------------------------------------

@employee_required
def client_growth_panel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The client card's «Рост» panel (loaded with hx-get): open opportunities with the weighted
    total, open suggestions and «no results» recommendations. Empty for roles without growth."""
    client = client_get_for(request.user, pk)
    if not perms.can_use_growth(request.user) or not perms.can_work_on_client(request.user, client):
        return HttpResponse("")
    ctx = {"client": client, "g": selectors.client_growth(actor=request.user, client=client)}
    if request.htmx:
        return render(request, "web/growth/_client_panel.html", ctx)
    return render(request, "web/growth/client_panel.html", ctx)
