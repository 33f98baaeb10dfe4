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
from typing import TypeVar

from django.http import FileResponse, HttpRequest
from django.utils import timezone

from tandem.reports.exports import XLSX_CONTENT_TYPE, Column, xlsx_file

T = TypeVar("T")

FORMAT_PARAM = "format"
XLSX = "xlsx"


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get(FORMAT_PARAM) == XLSX


def xlsx_response(columns: Sequence[Column[T]], rows: Iterable[T], filename: str) -> FileResponse:
    """The rows as an XLSX attachment «<filename> 03.12.2026.xlsx» (the date of the export)."""
    name = f"{filename} {timezone.localdate():%d.%m.%Y}.xlsx"
    out = xlsx_file(columns=columns, rows=rows, title=filename)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
