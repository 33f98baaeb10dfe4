"""The generic XLSX writer: header, number formats, dates, bounded streaming of many rows."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import load_workbook

from tandem.reports import exports
from tandem.reports.exports import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONEY_FORMAT,
    Column,
    Kind,
    Sheet,
    cell_value,
    chunked,
    sheets_file,
    write_xlsx,
    xlsx_file,
)

COLUMNS: list[Column[dict]] = [
    Column("Клиент", lambda r: r["name"]),
    Column("Сумма", lambda r: r["amount"], Kind.MONEY),
    Column("Дата", lambda r: r["day"], Kind.DATE),
    Column("Часы", lambda r: r["hours"], Kind.HOURS),
]


def test_header_is_bold_frozen_and_cells_are_typed():
    out = BytesIO()
    rows = [{"name": "Альфа", "amount": Decimal("1234.50"), "day": dt.date(2026, 3, 1), "hours": Decimal("0.75")}]

    count = write_xlsx(columns=COLUMNS, rows=rows, out=out, title="Счета: март/2026")

    ws = load_workbook(BytesIO(out.getvalue())).active
    assert count == 1
    assert ws.title == "Счета  март 2026"
    assert [c.value for c in ws[1]] == ["Клиент", "Сумма", "Дата", "Часы"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == MONEY_FORMAT
    assert ws["C2"].value == dt.datetime(2026, 3, 1) and ws["C2"].number_format == DATE_FORMAT
    assert ws["D2"].value == 0.75
    assert ws.column_dimensions["A"].width == 28


def test_aware_datetimes_are_written_in_local_time_and_empty_values_stay_empty():
    moment = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 30))

    assert cell_value(Kind.DATETIME, moment) == dt.datetime(2026, 3, 1, 9, 30)
    assert cell_value(Kind.DATE, moment) == dt.date(2026, 3, 1)
    assert cell_value(Kind.MONEY, None) is None
    assert cell_value(Kind.TEXT, "") is None
    assert DATETIME_FORMAT == "DD.MM.YYYY HH:MM"


def test_many_rows_stream_from_a_generator_with_bounded_memory(monkeypatch):
    """Rows are produced one at a time and written as they come: the peak of Python memory
    stays far below what 10,000 rows of cells would take, and a big file rolls over to disk."""
    monkeypatch.setattr(exports, "SPOOL_MAX_BYTES", 64 * 1024)

    def rows():
        for i in range(10_000):
            yield {"name": f"Клиент {i}", "amount": Decimal(i), "day": dt.date(2026, 1, 1), "hours": Decimal("1.5")}

    tracemalloc.start()
    out = xlsx_file(columns=COLUMNS, rows=rows(), title="Много")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert out._rolled  # type: ignore[attr-defined]
    assert peak < 2 * 1024 * 1024
    ws = load_workbook(out, read_only=True).active
    assert sum(1 for _ in ws.iter_rows(values_only=True)) == 10_001


def test_several_sheets_in_one_file():
    out = sheets_file(sheets=[Sheet("Первый", COLUMNS, []), Sheet("Второй", COLUMNS[:1], [{"name": "x"}])])

    wb = load_workbook(out)
    assert wb.sheetnames == ["Первый", "Второй"]
    assert wb["Второй"]["A2"].value == "x"


def test_chunked_keeps_order_and_the_last_short_batch():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
