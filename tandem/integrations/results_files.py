"""Client results from uploaded CSV/XLSX files: search positions and ad spend (and any daily
figures as a fallback when no analytics API is connected).

Two shapes:
- daily rows («по дням»): one row per day with a date column and figure columns — Яндекс
  Директ («Мастер отчётов» by day), VK Ads statistics export, or any table. Several rows of one
  day (e.g. by campaign) are added up; total rows («Итого», «Всего») are skipped.
- positions («позиции»): one row per search query and one column per date — Topvisor and SE
  Ranking exports. A day's average position is the mean over the queries found on that day; the
  share in the top 10 is over all queries of the file («-», empty, «0» or «>100» = not found).

Columns are found by a mapping {field: column header}; missing fields fall back to the export's
usual header names (`PRESETS`). Every bad cell is reported by its line in the file; the caller
stores nothing when there is any.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 50
HEADER_SEARCH_ROWS = 15  # exports put a title and filters above the header row

DAILY_FIELDS = ("date", "visits", "goal_conversions", "leads", "revenue", "ad_spend")
INT_FIELDS = {"visits", "goal_conversions", "leads"}
MONEY_FIELDS = {"revenue", "ad_spend"}
POSITIONS = "positions"
DAILY = "daily"

# Usual header names of each export (normalised: lower case, ё → е, single spaces).
PRESETS: dict[str, dict[str, list[str]]] = {
    "topvisor": {"keyword": ["запрос", "ключевое слово", "фраза"]},
    "se_ranking": {"keyword": ["keyword", "ключевое слово", "запрос"]},
    "yandex_direct": {"date": ["дата", "день"], "ad_spend": ["расход (руб.)", "расход, ₽", "расход (₽)", "расход"]},
    "vk_ads": {"date": ["дата", "день", "date"], "ad_spend": ["потрачено", "потрачено, ₽", "расход", "spent"]},
    "upload": {
        "date": ["дата", "день", "date"], "visits": ["визиты", "сеансы", "visits", "sessions"],
        "goal_conversions": ["достижения целей", "конверсии", "ключевые события", "conversions"],
        "leads": ["заявки", "лиды", "leads"], "revenue": ["выручка", "доход", "revenue"],
        "ad_spend": ["расход на рекламу", "расход", "ad spend"],
    },
}
SHAPES = {"topvisor": POSITIONS, "se_ranking": POSITIONS, "yandex_direct": DAILY, "vk_ads": DAILY, "upload": DAILY}
NOT_FOUND = {"", "-", "—", "–", "0", ">100", "> 100", "100+", "нет", "n/a", "not found"}
TOTAL_MARKERS = ("итого", "всего", "total")
DATE_IN_HEADER = re.compile(r"(\d{4}-\d{2}-\d{2})|(\d{2}\.\d{2}\.\d{4})")


class FileUnreadable(Exception):
    """The file as a whole cannot be read (not a table, wrong encoding, no header)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class DayFigures:
    visits: int | None = None
    goal_conversions: int | None = None
    leads: int | None = None
    revenue: Decimal | None = None
    ad_spend: Decimal | None = None
    avg_position: Decimal | None = None
    top10_share: Decimal | None = None


@dataclass
class ParsedFile:
    shape: str
    days: dict[date, DayFigures] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)  # the snapshot fields the file fills
    errors: list[str] = field(default_factory=list)  # «Строка N: …», in file order
    mapping: dict[str, str] = field(default_factory=dict)  # the headers actually used


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).replace("\xa0", " ").strip().lower().replace("ё", "е"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(_("Не удалось прочитать файл: кодировка не UTF-8 и не Windows-1251."))


def read_table(content: bytes, file_name: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every non-empty row of a CSV (`;`, `,` or tab) or the first XLSX sheet."""
    if not content:
        raise FileUnreadable(_("Файл пуст."))
    if len(content) > MAX_BYTES:
        raise FileUnreadable(_("Файл больше 10 МБ."))
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            rows = [(n, [_cell(c) for c in row]) for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True), 1)]
            book.close()
        except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds on a broken file
            raise FileUnreadable(_("Не удалось прочитать файл XLSX.")) from exc
    else:
        text = _decode(content)
        if "\x00" in text:
            raise FileUnreadable(_("Не удалось прочитать файл: это не таблица CSV или XLSX."))
        sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
        delimiter = max((";", "\t", ","), key=sample.count)
        try:
            rows = [(n, [c.strip() for c in row])
                    for n, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1)]
        except csv.Error as exc:
            raise FileUnreadable(_("Не удалось прочитать файл CSV.")) from exc
    return [(n, cells) for n, cells in rows if any(cells)]


def parse_date(text: str) -> date | None:
    text = text.strip()
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text[:10] if pattern != "%d.%m.%y" else text[:8], pattern).date()
        except ValueError:
            continue
    return None


def parse_number(text: str) -> Decimal | None:
    """«1 234,56 ₽» → 1234.56; None when it is not a number."""
    cleaned = re.sub(r"[\s\xa0₽]|руб\.?", "", text).replace(",", ".")
    if cleaned in ("", "-", "—"):
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _find_header(rows: list[tuple[int, list[str]]], anchors: list[str]) -> int:
    """Index of the first row (of the first few) that has one of the anchor headers."""
    for index, (_line, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if {norm(c) for c in cells} & set(anchors):
            return index
    return -1


def _column(headers: list[str], names: list[str]) -> int | None:
    normalized = [norm(h) for h in headers]
    for name in names:
        if name in normalized:
            return normalized.index(name)
    return None


def _names(field_name: str, kind: str, mapping: Mapping[str, str]) -> list[str]:
    own = mapping.get(field_name, "").strip()
    return [norm(own)] if own else PRESETS[kind].get(field_name, [])


def parse(content: bytes, file_name: str, *, kind: str, mapping: Mapping[str, str] | None = None) -> ParsedFile:
    """The file's figures by day, with every bad line in `errors`. FileUnreadable when the file
    or its header row cannot be read at all."""
    mapping = mapping or {}
    rows = read_table(content, file_name)
    if SHAPES[kind] == POSITIONS:
        return _parse_positions(rows, kind, mapping)
    return _parse_daily(rows, kind, mapping)


def _parse_daily(rows: list[tuple[int, list[str]]], kind: str, mapping: Mapping[str, str]) -> ParsedFile:
    result = ParsedFile(shape=DAILY)
    date_names = _names("date", kind, mapping)
    header_index = _find_header(rows, date_names)
    if header_index < 0:
        raise FileUnreadable(_("Не найден столбец с датой (%(names)s). Укажите его в сопоставлении столбцов.")
                             % {"names": ", ".join(f"«{n}»" for n in date_names)})
    headers = rows[header_index][1]
    date_col = _column(headers, date_names)
    assert date_col is not None
    columns: dict[str, int] = {}
    for name in DAILY_FIELDS[1:]:
        col = _column(headers, _names(name, kind, mapping))
        if col is not None and col != date_col:
            columns[name] = col
        elif mapping.get(name, "").strip():
            result.errors.append(_("Столбец «%(name)s» не найден в заголовке (строка %(line)s).")
                                 % {"name": mapping[name], "line": rows[header_index][0]})
    if not columns and not result.errors:
        raise FileUnreadable(_("В файле нет ни одного столбца с показателями. Укажите столбцы в сопоставлении."))
    result.fields = list(columns)
    result.mapping = {"date": headers[date_col], **{k: headers[v] for k, v in columns.items()}}
    for line, cells in rows[header_index + 1:]:
        raw_date = cells[date_col] if date_col < len(cells) else ""
        if norm(raw_date).startswith(TOTAL_MARKERS) or (not raw_date and norm(" ".join(cells)).startswith(TOTAL_MARKERS)):
            continue
        day = parse_date(raw_date)
        if day is None:
            result.errors.append(_("Строка %(line)s: «%(value)s» — не дата.") % {"line": line, "value": raw_date[:40]})
            continue
        figures = result.days.setdefault(day, DayFigures())
        for name, col in columns.items():
            raw = cells[col] if col < len(cells) else ""
            value = parse_number(raw)
            if value is None or value < 0 or (name in INT_FIELDS and value != value.to_integral_value()):
                result.errors.append(_("Строка %(line)s, столбец «%(column)s»: «%(value)s» — не число.")
                                     % {"line": line, "column": headers[col], "value": raw[:40]})
                continue
            before = getattr(figures, name)
            if name in INT_FIELDS:
                setattr(figures, name, (before or 0) + int(value))
            else:
                setattr(figures, name, ((before or Decimal(0)) + value).quantize(Decimal("0.01"), ROUND_HALF_UP))
    if not result.days and not result.errors:
        result.errors.append(_("В файле нет строк с данными."))
    return result


def _parse_positions(rows: list[tuple[int, list[str]]], kind: str, mapping: Mapping[str, str]) -> ParsedFile:
    result = ParsedFile(shape=POSITIONS, fields=["avg_position", "top10_share"])
    keyword_names = _names("keyword", kind, mapping)
    header_index = _find_header(rows, keyword_names)
    if header_index < 0:
        raise FileUnreadable(_("Не найден столбец с запросами (%(names)s). Укажите его в сопоставлении столбцов.")
                             % {"names": ", ".join(f"«{n}»" for n in keyword_names)})
    headers = rows[header_index][1]
    keyword_col = _column(headers, keyword_names)
    date_cols: dict[int, date] = {}
    for col, header in enumerate(headers):
        found = DATE_IN_HEADER.search(header)
        day = parse_date(found.group(0)) if found else None
        if day is not None and col != keyword_col:
            date_cols[col] = day
    if not date_cols:
        raise FileUnreadable(_("В заголовке нет столбцов с датами проверки позиций."))
    result.mapping = {"keyword": headers[keyword_col or 0]}
    found_positions: dict[date, list[int]] = {d: [] for d in date_cols.values()}
    queries = 0
    for line, cells in rows[header_index + 1:]:
        keyword = cells[keyword_col] if keyword_col is not None and keyword_col < len(cells) else ""
        if not keyword or norm(keyword).startswith(TOTAL_MARKERS) or parse_date(keyword):
            continue  # a second header row (search engine, region) or a total
        queries += 1
        for col, day in date_cols.items():
            raw = cells[col] if col < len(cells) else ""
            if norm(raw) in NOT_FOUND:
                continue
            text = raw.split("(")[0].strip()  # «5 (+2)»: the change after the position
            if not text.isdigit() or not 1 <= int(text) <= 1000:
                result.errors.append(_("Строка %(line)s, столбец «%(column)s»: «%(value)s» — не позиция.")
                                     % {"line": line, "column": headers[col], "value": raw[:40]})
                continue
            found_positions[day].append(int(text))
    if not queries:
        result.errors.append(_("В файле нет строк с запросами."))
        return result
    for day, positions in found_positions.items():
        if not positions:
            continue  # nothing was found that day (or it was not checked): no figure rather than zero
        result.days[day] = DayFigures(
            avg_position=(Decimal(sum(positions)) / len(positions)).quantize(Decimal("0.01"), ROUND_HALF_UP),
            top10_share=(Decimal(sum(1 for p in positions if p <= 10)) * 100 / queries).quantize(Decimal("0.01"), ROUND_HALF_UP),
        )
    return result
