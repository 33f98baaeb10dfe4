"""Routine actions in one or two clicks from the rows of My day: move a task on (accept it as
its reviewer), start, send a stage and record the client's answer, record a promise to pay,
close a collection reminder. Each is a thin adapter: the scoped lookup (404 for what the actor
does not see), one service (which checks the permission predicate again: 403 and nothing
changed when denied), and the in-place answer of `feedback.action_done` (the row's
replacement, a confirmation toast, the sections' new counts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.billing import permissions as billing_permissions
from tandem.billing import services as billing_services
from tandem.core.errors import ApplicationError
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error, date_input
from tandem.work import permissions as work_permissions
from tandem.work import services as work_services
from tandem.work.models import StageSubmission, TaskStatus

from .feedback import action_done

# Task moves offered on My day: start, hand in for review, accept (the reviewer).
TASK_MOVES: dict[str, Any] = {
    TaskStatus.IN_PROGRESS: gettext_lazy("Задача в работе: %(title)s."),
    TaskStatus.REVIEW: gettext_lazy("Задача отправлена на проверку: %(title)s."),
    TaskStatus.DONE: gettext_lazy("Задача принята: %(title)s."),
}
TASK_SECTIONS = ["work_my_tasks", "work_tasks_review", "work_overdue_tasks"]
STAGE_SECTIONS = ["work_stages_prepare", "work_stages_send", "work_stages_waiting"]
MONEY_SECTIONS = ["invoices_to_chase", "promised_payments", "billing_reminders_due"]


def _refused(request: AuthedRequest, exc: Exception) -> HttpResponse:
    """A refused action: 403 for a rule (the actor may not), 400 for bad input; htmx shows the
    text in place of nothing (the row stays as it was)."""
    status = getattr(exc, "status_code", 400)
    message = getattr(exc, "message", None) or "; ".join(getattr(exc, "messages", [])) or str(exc)
    if not request.htmx:
        messages.error(request, str(message))
        return redirect(request.POST.get("next") or reverse("web:my_day"))
    return HttpResponse(str(message), status=status)


def _run(request: AuthedRequest, action: Callable[[], Any]) -> tuple[Any, HttpResponse | None]:
    try:
        return action(), None
    except (ValidationError, ApplicationError) as exc:
        return None, _refused(request, exc)


@employee_required
@require_POST
def task_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move a task on from My day (`to_status`: in_progress, review, done); `task_change_status`
    decides who may (only the reviewer accepts)."""
    task = work_permissions.task_get_for(request.user, pk)
    to_status = request.POST.get("to_status", "")
    if to_status not in TASK_MOVES:
        return HttpResponse(_("Неизвестный статус задачи."), status=400)
    task, refused = _run(request, lambda: work_services.task_change_status(
        actor=request.user, task=task, to_status=to_status))
    if refused:
        return refused
    message = str(TASK_MOVES[to_status]) % {"title": task.title}
    if not request.htmx:
        messages.success(request, message)
        return redirect(reverse("web:my_day"))
    body = ""
    if request.POST.get("section") == "work_my_tasks" and task.is_open:
        body = render_to_string("web/work/_my_day_task_item.html",
                                {"t": task, "today": timezone.localdate()}, request=request)
    return action_done(request, message, sections=TASK_SECTIONS, body=body)


@employee_required
@require_POST
def stage_start(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take a planned stage into work (the project's specialist or its managers)."""
    stage = work_permissions.stage_get_for(request.user, pk)
    stage, refused = _run(request, lambda: work_services.stage_start(actor=request.user, stage=stage))
    if refused:
        return refused
    stage = work_permissions.stage_get_for(request.user, pk)
    body = render_to_string("web/work/_my_day_stage_prepare_item.html",
                            {"s": stage, "today": timezone.localdate()}, request=request)
    message = _("Этап в работе: %(title)s.") % {"title": stage.title}
    return action_done(request, message, sections=STAGE_SECTIONS, body=body)


@employee_required
@require_POST
def stage_send(request: AuthedRequest, pk: int) -> HttpResponse:
    """Send a stage to the client with the result already attached (the project's managers)."""
    stage = work_permissions.stage_get_for(request.user, pk)
    _sent, refused = _run(request, lambda: work_services.stage_send(actor=request.user, stage=stage))
    if refused:
        return refused
    message = _("Этап отправлен клиенту: %(title)s.") % {"title": stage.title}
    return action_done(request, message, sections=STAGE_SECTIONS)


class StageRemarksForm(forms.Form):
    """The client's remarks on a stage, and when they came (now unless changed)."""

    comment = forms.CharField(label=gettext_lazy("Замечания клиента"), widget=forms.Textarea(attrs={"rows": 2}))
    answered_at = forms.DateTimeField(
        label=gettext_lazy("Когда ответил"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answered_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


@employee_required
def stage_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """The client's answer to a sent stage: POST `decision=approved` records the approval in
    one click; GET gives the remarks form, its POST records the remarks."""
    stage = work_permissions.stage_get_for(request.user, pk)
    decision = request.POST.get("decision", StageSubmission.Decision.CHANGES_REQUESTED)
    form = StageRemarksForm(request.POST or None, auto_id=f"stage{stage.pk}_%s")
    if request.method == "POST":
        if decision == StageSubmission.Decision.APPROVED:
            comment, answered_at = "", None
        elif form.is_valid():
            comment, answered_at = form.cleaned_data["comment"], form.cleaned_data["answered_at"]
        else:
            return render(request, "web/work/_my_day_stage_answer.html", {"form": form, "stage": stage})
        try:
            work_services.stage_record_answer(actor=request.user, stage=stage, decision=decision, comment=comment,
                                              answered_at=answered_at)
        except ValidationError as exc:
            if decision == StageSubmission.Decision.APPROVED:
                return _refused(request, exc)
            add_domain_error(form, exc)
            return render(request, "web/work/_my_day_stage_answer.html", {"form": form, "stage": stage})
        except ApplicationError as exc:
            return _refused(request, exc)
        message = (_("Клиент согласовал этап: %(title)s.") if decision == StageSubmission.Decision.APPROVED
                   else _("Замечания клиента записаны: %(title)s.")) % {"title": stage.title}
        return action_done(request, message, sections=STAGE_SECTIONS)
    if not work_permissions.can_manage_project(request.user, stage.project):
        return HttpResponse(_("Ответ клиента записывают аккаунт проекта и руководители."), status=403)
    return render(request, "web/work/_my_day_stage_answer.html", {"form": form, "stage": stage})


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=gettext_lazy("Обещали оплатить"), widget=date_input())
    note = forms.CharField(label=gettext_lazy("Заметка"), required=False, max_length=500)


@employee_required
def invoice_promise(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the client's promise to pay from the invoices to chase: GET the small form (the
    date prefilled with tomorrow), POST saves it (`promised_payment_add` checks `can_collect`).
    The form closes; the invoice stays in the list until it is paid."""
    invoice = billing_permissions.invoice_get_for(request.user, pk)
    if not billing_permissions.can_collect(request.user, invoice):
        return HttpResponse(_("Напоминаниями занимаются аккаунт клиента, его группхэд и финансы."), status=403)
    form = PromiseForm(request.POST or None, initial={"promised_on": timezone.localdate() + timedelta(days=1)},
                       auto_id=f"promise{invoice.pk}_%s")
    if request.method == "POST" and form.is_valid():
        try:
            billing_services.promised_payment_add(actor=request.user, invoice=invoice, **form.cleaned_data)
        except ValidationError as exc:
            add_domain_error(form, exc)
        except ApplicationError as exc:
            return _refused(request, exc)
        else:
            message = _("Обещание оплаты записано: счёт № %(number)s, %(date)s.") % {
                "number": invoice.number, "date": form.cleaned_data["promised_on"].strftime("%d.%m.%Y")}
            return action_done(request, message, sections=MONEY_SECTIONS)
    return render(request, "web/billing/_my_day_promise_form.html", {"form": form, "invoice": invoice})


@employee_required
@require_POST
def reminder_done(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark a collection reminder done (the call was made) from My day."""
    reminder = billing_permissions.reminder_get_for(request.user, pk)
    if not billing_permissions.can_collect(request.user, reminder.invoice):
        return HttpResponse(_("Напоминаниями занимаются аккаунт клиента, его группхэд и финансы."), status=403)
    _done, refused = _run(request, lambda: billing_services.reminder_complete(actor=request.user, reminder=reminder))
    if refused:
        return refused
    message = _("Напоминание выполнено: счёт № %(number)s.") % {"number": reminder.invoice.number}
    return action_done(request, message, sections=MONEY_SECTIONS)
