"""XLSX downloads of list and report pages: `?format=xlsx` on the page's own URL.

A page view parses its filters and calls its selector exactly as for the HTML; when
`wants_xlsx(request)` it hands the same queryset or report rows to `xlsx_response` instead of
paginating (so an export has the page's filters and visibility, and the whole result, not one
page). The file is built by `tandem.reports.exports` (write-only workbook into a spooled
temporary file) and sent with a FileResponse; the download name is UTF-8 per RFC 6266.
The «Экспорт в Excel» link is `web/components/export_link.html` (keeps the query string).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any, TypeVar

from django.http import FileResponse, HttpRequest
from django.utils import timezone

from tandem.reports.exports import XLSX_CONTENT_TYPE, Column, Sheet, sheets_file, xlsx_file

T = TypeVar("T")

FORMAT_PARAM = "format"
XLSX = "xlsx"


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get(FORMAT_PARAM) == XLSX


def xlsx_response(columns: Sequence[Column[T]], rows: Iterable[T], filename: str) -> FileResponse:
    """The rows as an XLSX attachment «<filename> 03.12.2026.xlsx» (the date of the export)."""
    return _file_response(xlsx_file(columns=columns, rows=rows, title=filename), filename)


def xlsx_sheets_response(sheets: Sequence[Sheet[Any]], filename: str) -> FileResponse:
    """Several tables of one page (e.g. hours by project and by employee) as sheets of one file."""
    return _file_response(sheets_file(sheets=sheets), filename)


def _file_response(out: IO[bytes], filename: str) -> FileResponse:
    # FileResponse writes Content-Disposition with django.utils.http.content_disposition_header:
    # an ASCII fallback plus filename*=UTF-8''… (RFC 6266), so Cyrillic names survive.
    name = f"{filename} {timezone.localdate():%d.%m.%Y}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
