"""Commercial proposals (КП) pages: the list, a new КП with up to ten lines from the catalogue,
the КП with its totals, history, status buttons, «Создать договор» and the DOCX/PDF.

Who may: growth's rules (`tandem.growth.permissions`): the client's AM, its group head, heads and
admins; anyone else gets 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.clients.models import Client
from tandem.contracts.models import BillingModel, Service
from tandem.core.errors import ApplicationError
from tandem.core.money import to_money
from tandem.growth import permissions as perms
from tandem.growth import proposal_services as services
from tandem.growth import selectors
from tandem.growth.models import OPEN_STAGES, PROPOSAL_TRANSITIONS, Opportunity, ProposalStatus
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

LINES = 10
PAGE_SIZE = 50


def _require_growth(request: AuthedRequest) -> None:
    if not perms.can_use_growth(request.user):
        raise Http404()


class ProposalForm(forms.Form):
    client = forms.ModelChoiceField(label=gettext_lazy("Клиент"), queryset=Client.objects.none())
    opportunity = forms.ModelChoiceField(label=gettext_lazy("Возможность допродажи"),
                                         queryset=Opportunity.objects.none(), required=False)
    valid_until = forms.DateField(label=gettext_lazy("Действует до"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=gettext_lazy("Пусто — 14 дней."))
    discount_percent = forms.DecimalField(label=gettext_lazy("Скидка, %"), min_value=Decimal("0"),
                                          max_value=Decimal("100"), decimal_places=2, initial=Decimal("0"))
    with_vat = forms.BooleanField(label=gettext_lazy("Цены с НДС"), required=False, initial=True)
    notes = forms.CharField(label=gettext_lazy("Примечания"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employee = perms.growth_employee(actor)
        catalogue = Service.objects.filter(agency_id=employee.agency_id if employee else 0, is_active=True)
        self.fields["client"].queryset = perms.growth_clients_of(actor).order_by("legal_name")  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = perms.opportunities_visible_to(actor).filter(  # type: ignore[attr-defined]
            stage__in=OPEN_STAGES).select_related("client", "service")
        for n in range(1, LINES + 1):
            self.fields[f"line_{n}_service"] = forms.ModelChoiceField(
                label=_("Услуга %(n)s") % {"n": n}, queryset=catalogue, required=False)
            self.fields[f"line_{n}_billing_model"] = forms.ChoiceField(
                label=_("Оплата %(n)s") % {"n": n}, choices=BillingModel.choices, initial=BillingModel.MONTHLY_RETAINER)
            self.fields[f"line_{n}_price"] = forms.DecimalField(
                label=_("Цена %(n)s, ₽") % {"n": n}, min_value=Decimal("0"), decimal_places=2, required=False)
            self.fields[f"line_{n}_quantity"] = forms.DecimalField(
                label=_("Количество %(n)s") % {"n": n}, min_value=Decimal("0.01"), decimal_places=2, required=False,
                initial=Decimal("1"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, LINES + 1):
            if data.get(f"line_{n}_service") and data.get(f"line_{n}_price") is None:
                self.add_error(f"line_{n}_price", _("Укажите цену."))
        return data

    def lines(self) -> list[services.LineData]:
        data = self.cleaned_data
        return [
            services.LineData(service=data[f"line_{n}_service"], price=data[f"line_{n}_price"],
                              quantity=data.get(f"line_{n}_quantity") or Decimal("1"),
                              billing_model=data[f"line_{n}_billing_model"])
            for n in range(1, LINES + 1) if data.get(f"line_{n}_service")
        ]


@employee_required
def proposal_list(request: AuthedRequest) -> HttpResponse:
    _require_growth(request)
    status = request.GET.get("status", "")
    client_id = request.GET.get("client", "")
    qs = selectors.proposal_list(actor=request.user, status=status if status in ProposalStatus.values else "",
                                 client_id=int(client_id) if client_id.isdigit() else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/growth/proposal_list.html", {
        "page": page, "items": page.object_list, "status": status, "statuses": ProposalStatus.choices,
        "client_id": client_id if client_id.isdigit() else "",
    })


@employee_required
def proposal_create(request: AuthedRequest) -> HttpResponse:
    _require_growth(request)
    form = ProposalForm(request.POST or None, actor=request.user,
                        initial={"client": request.GET.get("client"), "opportunity": request.GET.get("opportunity")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_create(
                actor=request.user, client=data["client"], lines=form.lines(), valid_until=data["valid_until"],
                discount_percent=data["discount_percent"], with_vat=data["with_vat"], notes=data["notes"],
                opportunity=data["opportunity"],
            )
        except (ValidationError, ApplicationError) as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("КП %(n)s создано.") % {"n": proposal.number})
            return redirect("web:growth_proposal", proposal.pk)
    return render(request, "web/growth/proposal_form.html", {"form": form, "title": _("Новое КП")},
                  status=400 if form.errors else 200)


@employee_required
def proposal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = perms.proposal_get_for(request.user, pk)
    return render(request, "web/growth/proposal_detail.html", {
        "p": proposal, "totals": services.proposal_totals(proposal),
        "lines": [(ln, to_money(ln.price * ln.quantity)) for ln in proposal.lines.select_related("service")],
        "history": selectors.proposal_history(proposal=proposal),
        "moves": [(s, ProposalStatus(s).label) for s in PROPOSAL_TRANSITIONS[proposal.status]],
    })


@employee_required
@require_POST
def proposal_status(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = perms.proposal_get_for(request.user, pk)
    try:
        services.proposal_change_status(actor=request.user, proposal=proposal, status=request.POST.get("status", ""),
                                        comment=request.POST.get("comment", "")[:2000])
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages))
    else:
        messages.success(request, _("Статус КП изменён."))
    return redirect("web:growth_proposal", proposal.pk)


@employee_required
@require_POST
def proposal_contract(request: AuthedRequest, pk: int) -> HttpResponse:
    proposal = perms.proposal_get_for(request.user, pk)
    try:
        contract = services.proposal_to_contract(actor=request.user, proposal=proposal)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages))
        return redirect("web:growth_proposal", proposal.pk)
    messages.success(request, _("Создан черновик договора № %(n)s.") % {"n": contract.number})
    return redirect("web:contract_detail", contract.pk)


@employee_required
def proposal_document(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("docx", "pdf"):
        raise Http404()
    proposal = perms.proposal_get_for(request.user, pk)
    try:
        document = services.proposal_render(actor=request.user, proposal=proposal, fmt=fmt)
    except (ValidationError, ApplicationError) as exc:
        messages.error(request, exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages))
        return redirect("web:growth_proposal", proposal.pk)
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
