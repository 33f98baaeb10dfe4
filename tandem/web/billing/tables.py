"""Long money tables (receivables, profitability) formatted once in Python and shortened.

Rendering was most of these pages' time (issue 16): ~1,000 rows with seven amounts each went
through `floatformat` in the template (~250 µs a cell). Here every amount is written once with
`core.money.format_money` (what `|money` does), other numbers as the template would write them
(`localize`, `floatformat`), and a table shows its first `ROW_LIMIT` rows unless `?all=1` asks
for all; the totals are always those of the whole report, not of the rows shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.template.defaultfilters import floatformat
from django.utils.formats import localize

from tandem.billing.profitability import ProfitRow
from tandem.billing.selectors import AgingRow
from tandem.core.money import format_money

ROW_LIMIT = 100
DASH = "—"


def show_all(request: Any) -> bool:
    return str(request.GET.get("all", "")) == "1"


def _number(value: Decimal | None) -> str:
    """`{{ value|default_if_none:"—" }}` of a Decimal."""
    return DASH if value is None else str(localize(value))


@dataclass
class AgingLine:
    label: str
    cells: list[str]
    total: str


def aging_lines(rows: list[AgingRow]) -> list[AgingLine]:
    return [AgingLine(r.label, [format_money(v) for v in r.bucket_list()], format_money(r.total)) for r in rows]


@dataclass
class ProfitLine:
    row: ProfitRow
    revenue: str
    staff: str
    sub: str
    margin: str
    margin_pct: str
    hours: str
    rate: str
    discount: str
    children: list[ProfitLine] = field(default_factory=list)


def profit_line(r: ProfitRow) -> ProfitLine:
    return ProfitLine(
        row=r, revenue=format_money(r.revenue), staff=format_money(r.staff_cost),
        sub=format_money(r.subcontractor_cost), margin=format_money(r.margin), margin_pct=_number(r.margin_percent),
        hours=str(floatformat(r.hours, "1")), rate=_number(r.effective_hourly_rate),
        discount=format_money(r.discount) if r.discount else "",
        children=[profit_line(c) for c in r.children],
    )


@dataclass
class Shortened:
    """The first rows of a table, how many there are and how many are hidden."""

    shown: list[Any]
    count: int

    @property
    def hidden(self) -> int:
        return self.count - len(self.shown)
