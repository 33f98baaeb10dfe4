"""Rollover arithmetic against a simple reference: every quarter hour is a token with the month
it was granted in; tokens are spent oldest first and lapse by age or above the cap."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.contracts.retainers import RolloverRow, percent_used, rollover

Q = Decimal("0.25")


def reference(months: list[tuple[int, int]], carry: int, cap: int | None) -> list[tuple[int, ...]]:
    """Quarter-hour tokens. Returns (opening, expired, carried_in, budget, used, overage, closing)."""
    tokens: deque[int] = deque()  # origin month of each unused quarter hour, oldest first
    out: list[tuple[int, ...]] = []
    for index, (budget, used) in enumerate(months):
        opening = len(tokens)
        tokens = deque(origin for origin in tokens if index - origin <= carry)
        while cap is not None and len(tokens) > cap:
            tokens.popleft()
        carried_in = len(tokens)
        tokens.extend([index] * budget)
        overage = 0
        for _ in range(used):
            if tokens:
                tokens.popleft()
            else:
                overage += 1
        out.append((opening, opening - carried_in, carried_in, budget, used, overage, len(tokens)))
    return out


def as_quarters(row: RolloverRow) -> tuple[int, ...]:
    return tuple(int(v / Q) for v in (row.opening, row.expired, row.carried_in, row.budget, row.used,
                                      row.overage, row.closing))


month_st = st.tuples(st.integers(0, 200), st.integers(0, 260))


@settings(max_examples=200, deadline=None)
@given(months=st.lists(month_st, max_size=18), carry=st.integers(0, 6),
       cap=st.one_of(st.none(), st.integers(0, 300)))
def test_rollover_matches_the_token_reference(months, carry, cap):
    # given monthly budgets and used hours in quarter hours
    decimal_months = [(Decimal(b) * Q, Decimal(u) * Q) for b, u in months]
    # when the balance is rolled over
    rows = rollover(decimal_months, carry_months=carry, cap=None if cap is None else Decimal(cap) * Q)
    # then it agrees with the token simulation, month by month
    assert [as_quarters(r) for r in rows] == reference(months, carry, cap)


@settings(max_examples=100, deadline=None)
@given(months=st.lists(month_st, min_size=1, max_size=12), carry=st.integers(0, 4))
def test_rollover_invariants(months, carry):
    rows = rollover([(Decimal(b) * Q, Decimal(u) * Q) for b, u in months], carry_months=carry)
    for previous, row in zip(rows, rows[1:], strict=False):
        assert row.opening == previous.closing
    for row in rows:
        assert row.carried_in + row.budget - row.used + row.overage == row.closing
        assert min(row.expired, row.overage, row.closing) >= 0


def test_no_rollover_lapses_everything_next_month():
    rows = rollover([(Decimal(10), Decimal(4)), (Decimal(10), Decimal(12))], carry_months=0)
    assert (rows[1].opening, rows[1].expired, rows[1].carried_in, rows[1].overage, rows[1].closing) == (6, 6, 0, 2, 0)


def test_carried_hours_are_spent_first_and_lapse_after_n_months():
    # 10 h/month, carry for 2 months: month 0 leaves 10 h; they are usable in months 1 and 2, then lapse.
    rows = rollover([(Decimal(10), Decimal(0)), (Decimal(10), Decimal(10)), (Decimal(10), Decimal(0)),
                     (Decimal(10), Decimal(0)), (Decimal(10), Decimal(0))], carry_months=2)
    assert [r.closing for r in rows] == [10, 10, 20, 30, 30]
    # month 1 spent the carried 10 h first, so its own 10 h carry into months 2 and 3; month 4 drops them
    assert (rows[4].opening, rows[4].expired, rows[4].carried_in) == (30, 10, 20)


def test_cap_cuts_the_carried_balance():
    rows = rollover([(Decimal(10), Decimal(0)), (Decimal(10), Decimal(0))], carry_months=3, cap=Decimal(4))
    assert (rows[1].opening, rows[1].expired, rows[1].carried_in, rows[1].closing) == (10, 6, 4, 14)


def test_negative_input_is_refused():
    with pytest.raises(ValueError):
        rollover([(Decimal(-1), Decimal(0))], carry_months=0)


def test_percent_used():
    assert percent_used(Decimal(8), Decimal(10)) == Decimal("80.0")
    assert percent_used(Decimal(1), Decimal(0)) is None
