"""«История изменений»: the field history of an invoice, act, payment, task or stage.

One page (and its htmx partial, which the documents' pages load into their history panel) for
all five kinds. The record is fetched through its scoped lookup (invisible = 404); the history
itself is for heads and finance (`can_view_field_history`; others get 403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from tandem.billing import history as billing_history
from tandem.billing.permissions import act_get_for, invoice_get_for, payment_get_for, retainer_line_get_for
from tandem.contracts import history as contracts_history
from tandem.core.errors import PermissionDenied
from tandem.core.history import HistoryEntry
from tandem.org.models import User
from tandem.work import history as work_history
from tandem.work.permissions import stage_get_for, task_get_for

from .decorators import AuthedRequest, employee_required


@dataclass(frozen=True)
class HistoryKind:
    get: Callable[[User, int], Any]
    read: Callable[[User, Any], list[HistoryEntry]]
    title: Callable[[Any], str]
    back: Callable[[Any], str]


KINDS: dict[str, HistoryKind] = {
    "invoice": HistoryKind(
        get=invoice_get_for, read=lambda a, o: billing_history.invoice_history(actor=a, invoice=o),
        title=lambda o: _("Счёт № %(n)s") % {"n": o.number or "—"},
        back=lambda o: reverse("web:invoice_detail", args=[o.pk])),
    "act": HistoryKind(
        get=act_get_for, read=lambda a, o: billing_history.act_history(actor=a, act=o),
        title=lambda o: _("Акт № %(n)s") % {"n": o.number},
        back=lambda o: reverse("web:act_detail", args=[o.pk])),
    "payment": HistoryKind(
        get=payment_get_for, read=lambda a, o: billing_history.payment_history(actor=a, payment=o),
        title=lambda o: _("Платёж № %(n)s от %(d)s") % {"n": o.number or "—", "d": o.date.strftime("%d.%m.%Y")},
        back=lambda o: reverse("web:payment_match", args=[o.pk])),
    "task": HistoryKind(
        get=task_get_for, read=lambda a, o: work_history.task_history(actor=a, task=o),
        title=lambda o: str(o.title), back=lambda o: reverse("web:task_detail", args=[o.pk])),
    "stage": HistoryKind(
        get=stage_get_for, read=lambda a, o: work_history.stage_history(actor=a, stage=o),
        title=lambda o: str(o.title), back=lambda o: reverse("web:project_detail", args=[o.project_id])),
    "retainer": HistoryKind(
        get=retainer_line_get_for, read=lambda a, o: contracts_history.retainer_terms_history(actor=a, line=o),
        title=lambda o: _("Абонемент: %(s)s") % {"s": o.service.name},
        back=lambda o: reverse("web:line_retainer", args=[o.pk])),
}


@employee_required
def field_history(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """Each change: when, who (full name), which field, old → new in words."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404()
    obj = spec.get(request.user, pk)
    try:
        entries = spec.read(request.user, obj)
    except PermissionDenied as exc:
        return HttpResponse(exc.message, status=403)
    context = {"entries": entries, "title": spec.title(obj), "back": spec.back(obj)}
    template = "web/history/_entries.html" if request.htmx else "web/history/page.html"
    return render(request, template, context)
