"""Money arithmetic: VAT and rounding (property-based), numbering, aging buckets, bonus tiers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.billing.calc import (
    aging_bucket,
    allocate_fifo,
    compute_bonus,
    document_totals,
    format_number,
    line_amount,
    sequence_period,
)

KOP = Decimal("0.01")
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("9999999.99"), places=2)
qty = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1000"), places=3)
rates = st.sampled_from([None, Decimal("0"), Decimal("5"), Decimal("7"), Decimal("10"), Decimal("20"), Decimal("22")])


@given(st.lists(st.tuples(qty, money), min_size=1, max_size=20), rates)
def test_totals_are_kopecks_and_add_up(lines, rate):
    amounts = [line_amount(q, p) for q, p in lines]

    t = document_totals(amounts, rate)

    assert all(a == a.quantize(KOP) for a in amounts)
    assert t.total == sum(amounts)
    assert t.subtotal + t.vat == t.total
    assert t.vat == t.vat.quantize(KOP) and t.vat >= 0
    if not rate:
        assert t.vat == 0
    else:
        # the VAT is the exact share rounded half-up: never more than half a kopeck off
        exact = t.total * rate / (100 + rate)
        assert abs(t.vat - exact) <= Decimal("0.005")


@given(qty, money)
def test_line_amount_is_half_up_rounding_of_the_product(q, p):
    exact = q * p
    amount = line_amount(q, p)
    assert abs(amount - exact) <= Decimal("0.005")
    assert amount == amount.quantize(KOP)


def test_known_vat_values():
    assert document_totals([Decimal("122000.00")], Decimal("22")).vat == Decimal("22000.00")
    assert document_totals([Decimal("100000.00")], Decimal("22")).vat == Decimal("18032.79")
    assert document_totals([Decimal("120.00")], Decimal("20")).vat == Decimal("20.00")
    assert line_amount(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 rounds half up


@pytest.mark.parametrize(
    ("pattern", "seq", "expected", "period"),
    [
        ("{seq}", 7, "7", "all"),
        ("INV-{year}-{seq:04d}", 12, "INV-2026-0012", "2026"),
        ("{yy}/{month:02d}-{seq}", 3, "26/03-3", "2026"),
    ],
)
def test_number_patterns(pattern, seq, expected, period):
    assert format_number(pattern, seq=seq, on=date(2026, 3, 5)) == expected
    assert sequence_period(pattern, date(2026, 3, 5)) == period


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-5, "not_due"), (0, "not_due"), (1, "d1_30"), (30, "d1_30"), (31, "d31_60"), (60, "d31_60"),
     (61, "d61_90"), (90, "d61_90"), (91, "d90_plus")],
)
def test_aging_bucket_edges(days, bucket):
    assert aging_bucket(days) == bucket


TIERS = [(Decimal("80"), Decimal("5")), (Decimal("100"), Decimal("8"))]


@pytest.mark.parametrize(
    ("plan", "paid", "pct", "share", "bonus"),
    [
        ("100000", "79999.99", "80.00", "5", "4000.00"),  # 79.99999 % is shown and judged as 80.00 %
        ("100000", "79000", "79.00", "0", "0.00"),
        ("100000", "80000", "80.00", "5", "4000.00"),
        ("100000", "99999", "100.00", "8", "7999.92"),
        ("100000", "125000", "125.00", "8", "10000.00"),
        ("0", "50000", None, "0", "0.00"),
    ],
)
def test_bonus_tiers(plan, paid, pct, share, bonus):
    r = compute_bonus(plan=Decimal(plan), paid=Decimal(paid), fixed_salary=Decimal("60000"), tiers=TIERS)

    assert r.percent == (Decimal(pct) if pct else None)
    assert r.share_percent == Decimal(share)
    assert r.bonus == Decimal(bonus)
    assert r.total == Decimal("60000.00") + r.bonus


@given(money, st.lists(money, max_size=6))
def test_fifo_never_exceeds_payment_or_invoice(amount, owed):
    plan = allocate_fifo(amount, list(enumerate(owed)))

    assert sum((p for _i, p in plan), Decimal("0")) <= amount
    assert all(0 < part <= owed[i] for i, part in plan)
    assert sum((p for _i, p in plan), Decimal("0")) == min(amount, sum(owed, Decimal("0")))
