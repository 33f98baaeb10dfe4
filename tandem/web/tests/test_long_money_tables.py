"""Issue 16: receivables and profitability show their first rows (all with ?all=1), amounts
written once in Python as |money writes them, and the totals stay those of every row."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tandem.core.money import format_money
from tandem.web.billing import tables
from tandem.web.tests.test_billing_pages import _many_clients, money  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _body_rows(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return re.findall(r"<tr[ >]", body)


@pytest.fixture
def few_rows(monkeypatch):
    monkeypatch.setattr(tables, "ROW_LIMIT", 5)


def test_receivables_shows_the_largest_debts_and_totals_of_all(money, web_client_for, few_rows):  # noqa: F811
    _many_clients(money)
    client = web_client_for(money.head)

    short = client.get("/receivables/?by=client")
    full = client.get("/receivables/?by=client&all=1")

    report = short.context["report"]
    assert len(report.rows) == 13 and short.context["lines"].hidden == 8
    html, full_html = short.content.decode(), full.content.decode()
    assert len(_body_rows(html, "aging-table")) == 5 and len(_body_rows(full_html, "aging-table")) == 13
    assert 'id="aging-more"' in html and "all=1" in html and 'id="aging-more"' not in full_html
    # The five shown are the largest debts; the footer is the sum of all thirteen rows.
    assert [ln.label for ln in short.context["lines"].shown] == [r.label for r in report.rows[:5]]
    total = sum((r.total for r in report.rows), Decimal("0"))
    assert total == report.totals.total and report.reconciles
    assert f'<th class="right">{format_money(total)}</th>' in html
    assert html[html.index("<tfoot>"):html.index("</tfoot>")] == full_html[full_html.index("<tfoot>"):
                                                                           full_html.index("</tfoot>")]


def test_profitability_shows_first_rows_and_totals_of_all(money, web_client_for, few_rows):  # noqa: F811
    _many_clients(money)
    client = web_client_for(money.head)
    url = "/profitability/?start=2026-01-01&end=2026-12-31&by=client&basis=acts&sort=-revenue"

    short, full = client.get(url), client.get(url + "&all=1")

    report = short.context["report"]
    assert len(report.rows) == 12 and short.context["lines"].hidden == 7  # the fixture's own client has no act
    html, full_html = short.content.decode(), full.content.decode()
    assert len(_body_rows(html, "profit-table")) == 5 and len(_body_rows(full_html, "profit-table")) == 12
    assert 'id="profit-more"' in html and 'id="profit-more"' not in full_html
    shown = [ln.row for ln in short.context["lines"].shown]
    assert shown == sorted(report.rows, key=lambda r: r.revenue, reverse=True)[:5]
    revenue = sum((r.revenue for r in report.rows), Decimal("0"))
    assert revenue == report.total.revenue
    foot = html[html.index("<tfoot>"):html.index("</tfoot>")]
    assert f'<th class="right">{format_money(revenue)}</th>' in foot
    assert foot == full_html[full_html.index("<tfoot>"):full_html.index("</tfoot>")]


def test_amounts_are_written_as_the_money_filter_writes_them():
    line = tables.aging_lines([])
    assert line == []
    from tandem.billing.profitability import ProfitRow

    row = ProfitRow(key=1, label="A", revenue=Decimal("1234567.5"), staff_cost=Decimal("0.004"),
                    hours=Decimal("12.25"), discount=Decimal("0"))
    out = tables.profit_line(row)
    assert (out.revenue, out.staff, out.margin) == ("1\u00a0234\u00a0567,50", "0,00", "1\u00a0234\u00a0567,50")
    assert out.discount == "" and out.margin_pct == "100,00" and out.hours == "12,3"
