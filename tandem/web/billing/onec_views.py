"""«Выгрузка в 1С»: the EnterpriseData export of invoices and acts for 1C:Бухгалтерия, the list of
past exports with their files. Finance, the head of accounts and admins only (404 for others)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.billing import permissions
from tandem.billing.models import OneCExport
from tandem.billing.onec import onec_export_create, onec_export_list
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error, date_input


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


class OneCExportForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("Период с"), widget=date_input())
    period_end = forms.DateField(label=gettext_lazy("по"), widget=date_input())
    mode = forms.ChoiceField(label=gettext_lazy("Что выгрузить"), choices=OneCExport.Mode.choices,
                             initial=OneCExport.Mode.CHANGED, widget=forms.RadioSelect)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("Конец периода раньше начала."))
        return data


def _allowed(request: AuthedRequest) -> None:
    if not permissions.can_export_onec(request.user):
        raise Http404()


@employee_required
def onec_exports(request: AuthedRequest) -> HttpResponse:
    _allowed(request)
    start, end = _last_month(date.today())
    form = OneCExportForm(request.POST or None, initial={"period_start": start, "period_end": end})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            export = onec_export_create(actor=request.user, period_start=d["period_start"],
                                        period_end=d["period_end"], mode=d["mode"])
        except ValidationError as exc:
            add_domain_error(form, exc)
        else:
            if export.document_count:
                messages.success(request, _("Выгрузка готова: документов — %(n)s.") % {"n": export.document_count})
            else:
                messages.info(request, _("Новых и изменённых документов за период нет — файл пустой."))
            return redirect("web:onec_exports")
    page = Paginator(onec_export_list(actor=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "web/billing/onec_exports.html", {"form": form, "page": page, "exports": page.object_list})


@employee_required
def onec_export_file(request: AuthedRequest, pk: int) -> HttpResponse:
    _allowed(request)
    export = permissions.onec_export_get_for(request.user, pk)
    response = HttpResponse(bytes(export.content), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, export.file_name)
    return response
