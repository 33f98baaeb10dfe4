"""The import wizard: upload → dry-run report → «Импортировать». For heads and admins (404 for others)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.clients import permissions, selectors
from tandem.clients.models import ImportSource, JobStatus
from tandem.imports import jobs
from tandem.imports import services as importing
from tandem.web.decorators import AuthedRequest, employee_required
from tandem.web.forms_util import add_domain_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROW_LIMIT = 1000


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Файл XLSX или CSV"))
    source = forms.ChoiceField(
        label=gettext_lazy("Откуда файл"), required=False,
        choices=[("", gettext_lazy("Определить по столбцам")), *ImportSource.choices],
    )


def _require_import(request: AuthedRequest) -> None:
    if not permissions.can_import_data(request.user):
        raise Http404()


@employee_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    _require_import(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if (upload.size or 0) > importing.MAX_IMPORT_BYTES:
                raise ValidationError({"file": _("Файл больше 10 МБ.")})
            record = importing.import_stage(actor=request.user, content=upload.read(), file_name=upload.name or "",
                                            source=form.cleaned_data["source"] or None)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                exc = ValidationError({"file": exc.messages})
            add_domain_error(form, exc)
        else:
            return redirect("web:import_report", pk=record.pk)
    recent = selectors.import_record_list(actor=request.user)[:10]
    return render(request, "web/clients/import_upload.html", {
        "form": form, "columns": importing.TEMPLATE_DOC, "deal_columns": importing.DEALS_DOC, "recent": recent,
        "sources": dict(ImportSource.choices),
    })


@employee_required
def import_report(request: AuthedRequest, pk: int) -> HttpResponse:
    record = permissions.import_record_get_for(request.user, pk)
    report = importing.ImportReport.from_dict(record.report)
    # A go-live file has tens of thousands of rows: show those that need reading (errors, then
    # updates and rows with reasons), at most ROW_LIMIT, when the report is long.
    rows = report.rows
    if len(rows) > ROW_LIMIT:
        rows = sorted((r for r in rows if r.action != "create" or r.reasons),
                      key=lambda r: r.action != "error")[:ROW_LIMIT]
    fields = importing.sheet_fields()
    mapping_rows = [
        {"name": f"m-{i}", "sheet": m.sheet, "column": m.column, "field": m.field, "choices": fields.get(m.sheet, ())}
        for i, m in enumerate(report.mapping)
    ]
    return render(request, "web/clients/import_report.html", {
        "record": record, "report": report, "labels": importing.ACTION_LABELS, "mapping_rows": mapping_rows,
        "shown_rows": rows, "hidden_rows": len(report.rows) - len(rows), "row_limit": ROW_LIMIT,
        "progress": jobs.progress_of(record), "running": record.job_status in (JobStatus.QUEUED, JobStatus.RUNNING),
        "source_label": dict(ImportSource.choices).get(record.source, record.source),
    })


@require_POST
@employee_required
def import_mapping(request: AuthedRequest, pk: int) -> HttpResponse:
    """Save the column mapping chosen on the report for this source, and check the file again with it."""
    record = permissions.import_record_get_for(request.user, pk)
    report = importing.ImportReport.from_dict(record.report)
    columns: dict[str, dict[str, str]] = {}
    for i, m in enumerate(report.mapping):
        name = f"m-{i}"
        if name in request.POST:
            columns.setdefault(m.sheet, {})[m.column] = request.POST[name]
    try:
        importing.import_mapping_save(actor=request.user, source=record.source, columns=columns)
        importing.import_restage(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Сопоставление сохранено и будет применяться к следующим файлам из этого "
                                    "источника; файл проверен заново."))
    return redirect("web:import_report", pk=record.pk)


# Files with more rows than this are imported by a background job with a progress bar (the
# request would otherwise wait minutes); smaller ones right in the request.
BACKGROUND_FROM_ROWS = 2000


@require_POST
@employee_required
def import_run(request: AuthedRequest, pk: int) -> HttpResponse:
    record = permissions.import_record_get_for(request.user, pk)
    rows = record.created_count + record.updated_count + record.skipped_count
    try:
        if rows > BACKGROUND_FROM_ROWS:
            jobs.import_enqueue(actor=request.user, record=record)
            return redirect("web:import_report", pk=record.pk)
        report = importing.import_apply_staged(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Импорт завершён: создано %(c)s, обновлено %(u)s, пропущено %(s)s.")
                         % {"c": report.created, "u": report.updated, "s": report.skipped})
    return redirect("web:import_report", pk=record.pk)


@employee_required
def import_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The progress bar of a running import, polled by htmx; the page reloads when it ends."""
    record = permissions.import_record_get_for(request.user, pk)
    progress = jobs.progress_of(record)
    if progress["status"] in (JobStatus.DONE, JobStatus.FAILED):
        return HttpResponse("", headers={"HX-Refresh": "true"})
    return render(request, "web/clients/_import_progress.html", {"record": record, "progress": progress})


@employee_required
def import_template(request: AuthedRequest) -> HttpResponse:
    """The empty template, or with ?sample=1 the template with an example row on every sheet."""
    _require_import(request)
    sample = request.GET.get("sample") == "1"
    response = HttpResponse(importing.template_xlsx(sample=sample), content_type=XLSX)
    name = "tandem-import-sample.xlsx" if sample else "tandem-import-template.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
