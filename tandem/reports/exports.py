"""Spreadsheet exports: column specs → rows → an XLSX file. No HTTP here (the web layer wraps the
file in a response: `tandem.web.exports.xlsx_response`).

Rules every export follows (issue 11, «Экспорт»):
- the rows are exactly the page's rows: the caller passes the queryset or report its page's
  selector built from the same parsed filters, so visibility and filtering exist once;
- money cells are numbers with a ruble format, hours are numbers, dates are real dates
  («ДД.ММ.ГГГГ»), statuses and people are words (the column's `value` returns the display text);
- the header row is bold and frozen, columns have a width fitting their kind.

Memory stays bounded for large exports: openpyxl's write-only workbook streams each row into
its own temporary file instead of keeping cells in memory, querysets are read with
`.iterator(chunk_size=…)` (see `iterate`), and the finished zip goes into a
`SpooledTemporaryFile` that stays in memory while small and rolls over to disk when large.
A spooled file rather than a generator that yields zip chunks: the XLSX zip needs its central
directory written at the end (seeks), and a file lets the response send a Content-Length.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

T = TypeVar("T")
M = TypeVar("M", bound=Model)

MONEY_FORMAT = '#,##0.00 "₽"'
HOURS_FORMAT = "0.00"
PERCENT_FORMAT = "0.0"
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
INT_FORMAT = "0"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows read from the database per round trip; one query on PostgreSQL (server-side cursor).
CHUNK_SIZE = 1000
# In-memory size of the finished file before it rolls over to a temporary file on disk.
SPOOL_MAX_BYTES = 4 * 1024 * 1024
# Excel's limit for a sheet title.
SHEET_TITLE_MAX = 31


class Kind(StrEnum):
    TEXT = "text"
    MONEY = "money"
    HOURS = "hours"
    PERCENT = "percent"
    INT = "int"
    DATE = "date"
    DATETIME = "datetime"


FORMATS: dict[Kind, str] = {
    Kind.MONEY: MONEY_FORMAT, Kind.HOURS: HOURS_FORMAT, Kind.PERCENT: PERCENT_FORMAT,
    Kind.INT: INT_FORMAT, Kind.DATE: DATE_FORMAT, Kind.DATETIME: DATETIME_FORMAT,
}
WIDTHS: dict[Kind, int] = {
    Kind.TEXT: 28, Kind.MONEY: 16, Kind.HOURS: 10, Kind.PERCENT: 10, Kind.INT: 10,
    Kind.DATE: 12, Kind.DATETIME: 17,
}


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its header (may be a lazy translation), how to get the cell's value from a
    row, the kind (which decides the cell's number format and the default width)."""

    header: str | Promise
    value: Callable[[T], Any]
    kind: Kind = Kind.TEXT
    width: int | None = None


def iterate(qs: QuerySet[M], chunk_size: int = CHUNK_SIZE) -> Iterator[M]:
    """The queryset's rows without caching them all (prefetches run per chunk)."""
    return qs.iterator(chunk_size=chunk_size)


def cell_value(kind: Kind, value: Any) -> Any:
    """The value as the spreadsheet cell should hold it: numbers as numbers (Decimal kept exact
    as float is what XLSX stores anyway), aware datetimes in the local time without tzinfo
    (XLSX has no time zones), everything else not a number or date as text."""
    if value is None or value == "":
        return None
    if kind in (Kind.MONEY, Kind.HOURS, Kind.PERCENT, Kind.INT):
        if isinstance(value, (Decimal, int, float)):
            return value
        return Decimal(str(value))
    if kind == Kind.DATE:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return value
    if kind == Kind.DATETIME:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return str(value)


@dataclass(frozen=True)
class Sheet(Generic[T]):
    """One sheet of a workbook: its title, columns and rows (any iterable, read once)."""

    title: str
    columns: Sequence[Column[T]]
    rows: Iterable[T]


def write_xlsx(*, columns: Sequence[Column[T]], rows: Iterable[T], out: IO[bytes], title: str) -> int:
    """Writes one sheet (bold frozen header, then one line per row) to `out`; returns the number
    of data rows written."""
    return write_sheets(sheets=[Sheet(title=title, columns=columns, rows=rows)], out=out)[0]


def write_sheets(*, sheets: Sequence[Sheet[Any]], out: IO[bytes]) -> list[int]:
    """Writes the sheets in order to `out`; returns the number of data rows of each."""
    wb = Workbook(write_only=True)
    counts = [_write_sheet(wb, sheet) for sheet in sheets]
    wb.save(out)
    return counts


def _write_sheet(wb: Workbook, sheet: Sheet[Any]) -> int:
    ws = wb.create_sheet(title=_sheet_title(sheet.title))
    columns = sheet.columns
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width or WIDTHS[column.kind]
    ws.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=str(column.header))
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    ws.append(header)
    formats = [FORMATS.get(column.kind) for column in columns]
    count = 0
    for row in sheet.rows:
        line = []
        for column, number_format in zip(columns, formats, strict=True):
            cell = WriteOnlyCell(ws, value=cell_value(column.kind, column.value(row)))
            if number_format:
                cell.number_format = number_format
            line.append(cell)
        ws.append(line)
        count += 1
    return count


def xlsx_file(*, columns: Sequence[Column[T]], rows: Iterable[T], title: str) -> IO[bytes]:
    """The export as a file positioned at its start (in memory while small, on disk when large);
    the caller closes it (a FileResponse does)."""
    return sheets_file(sheets=[Sheet(title=title, columns=columns, rows=rows)])


def sheets_file(*, sheets: Sequence[Sheet[Any]]) -> IO[bytes]:
    """Several sheets in one file, as `xlsx_file`."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES, suffix=".xlsx")  # noqa: SIM115
    write_sheets(sheets=sheets, out=out)
    out.seek(0)
    return out


def chunked(items: Iterable[T], size: int = CHUNK_SIZE) -> Iterator[list[T]]:
    """Lists of at most `size` items, for rows computed a batch at a time (one aggregate query
    per batch instead of loading every row first)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Sheet")[:SHEET_TITLE_MAX]
