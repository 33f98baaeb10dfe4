"""The practice bank statement (demo): a download link on the statement upload page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from tandem.billing.practice_statement import practice_statement, practice_statement_offered
from tandem.web.decorators import AuthedRequest, employee_required


@employee_required
def statement_practice(request: AuthedRequest) -> HttpResponse:
    """A 1CClientBankExchange file (windows-1251, as banks send it) paying some open invoices."""
    if not practice_statement_offered(request.user):
        raise Http404()
    try:
        statement = practice_statement(actor=request.user)
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=409, content_type="text/plain; charset=utf-8")
    response = HttpResponse(statement.data, content_type="text/plain; charset=windows-1251")
    response["Content-Disposition"] = content_disposition_header(True, statement.file_name)
    return response
