"""The large-data generator at a tiny factor: consistent, deterministic, and the benchmark's
hand-written SQL gives the app's numbers. Runs on SQLite and PostgreSQL in the normal suite."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Sum

from bench import aggregates, generate
from tandem.billing import services as billing_services
from tandem.billing.calc import document_totals
from tandem.billing.models import Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentAllocation
from tandem.clients.models import Client, Contact, LifecycleStatus
from tandem.comms.models import ClientRequest, Interaction
from tandem.contracts.models import Contract
from tandem.core.money import ZERO, to_money
from tandem.core.validators import is_valid_inn
from tandem.org.models import Employee
from tandem.org.roles import Role
from tandem.work.models import EmployeeCostRate, Task, TimeEntry
from tandem.work.services.rollups import rollup_differences

TODAY = date(2026, 3, 16)
FACTOR = 0.002

pytestmark = pytest.mark.django_db


def _build() -> generate.GenResult:
    return generate.generate(factor=FACTOR, seed=7, today=TODAY, log=lambda *_: None)


def _fingerprint() -> dict[str, object]:
    return {
        "counts": {m.__name__: m.objects.count() for m in (
            Client, Contact, Contract, Invoice, InvoiceLine, Payment, PaymentAllocation, TimeEntry, Task,
            Interaction, ClientRequest)},
        "invoiced": Invoice.objects.aggregate(s=Sum("total"))["s"],
        "paid": Payment.objects.aggregate(s=Sum("amount"))["s"],
        "hours": TimeEntry.objects.aggregate(s=Sum("hours"))["s"],
        "cost": TimeEntry.objects.aggregate(s=Sum("cost"))["s"],
        "statuses": sorted(Invoice.objects.values_list("status").annotate(n=Count("id"))),
        "inns": sorted(Client.objects.values_list("inn", flat=True)),
    }


def test_generated_data_is_consistent() -> None:
    _build()
    assert Client.objects.count() == 2 and Employee.objects.count() >= 12
    assert Client.objects.filter(status=LifecycleStatus.CHURNED).count() == 0  # 200 per 1,000: none of 2
    assert all(is_valid_inn(inn) for inn in Client.objects.values_list("inn", flat=True))
    assert TimeEntry.objects.count() > 1000 and Invoice.objects.count() > 50 and Payment.objects.count() > 50
    assert rollup_differences() == []  # the month rollup of time entries is filled (issue 16)

    # Invoice totals are the lines' totals, paid amounts and statuses follow the allocations.
    lines: dict[int, list[Decimal]] = defaultdict(list)
    for invoice_id, amount in InvoiceLine.objects.values_list("invoice_id", "amount"):
        lines[invoice_id].append(amount)
    allocated = dict(PaymentAllocation.objects.values("invoice_id").annotate(s=Sum("amount")).values_list("invoice_id", "s"))
    for inv in Invoice.objects.all():
        totals = document_totals(lines[inv.pk], inv.vat_rate)
        assert (inv.subtotal, inv.vat_amount, inv.total) == (totals.subtotal, totals.vat, totals.total)
        paid = to_money(allocated.get(inv.pk) or ZERO)
        assert inv.paid_amount == paid <= inv.total
        if inv.status in (InvoiceStatus.DRAFT, InvoiceStatus.CANCELLED):
            assert paid == 0
        else:
            expected = InvoiceStatus.PAID if paid >= inv.total else InvoiceStatus.PARTLY_PAID if paid else InvoiceStatus.ISSUED
            assert inv.status == expected, inv.pk
    by_payment = dict(PaymentAllocation.objects.values("payment_id").annotate(s=Sum("amount")).values_list("payment_id", "s"))
    for pay in Payment.objects.all():
        assert pay.allocated_amount == to_money(by_payment.get(pay.pk) or ZERO) <= pay.amount

    # Time: quarter hours, at most 24 h per employee a day, cost = hours × the rate valid that day.
    day_totals = TimeEntry.objects.values("employee_id", "date").annotate(h=Sum("hours")).order_by("-h")
    assert day_totals[0]["h"] <= 24
    rates = defaultdict(list)
    for emp_id, valid_from, rate in EmployeeCostRate.objects.order_by("valid_from").values_list(
            "employee_id", "valid_from", "rate"):
        rates[emp_id].append((valid_from, rate))
    for entry in TimeEntry.objects.all()[:500]:
        assert entry.hours % Decimal("0.25") == 0 and entry.hours > 0
        rate = [r for d, r in rates[entry.employee_id] if d <= entry.date][-1]
        assert entry.cost_rate == rate and entry.cost == to_money(entry.hours * rate)

    # Contact.last_interaction_at is what comms.services would keep: max(occurred_at) of its interactions.
    contacts = Contact.objects.annotate(expected=Max("interactions__occurred_at"))
    assert contacts.filter(interactions__isnull=False).exists()
    assert all(c.last_interaction_at == c.expected for c in contacts)

    # A sample of every main model passes the model's own validation.
    for model in (Client, Contact, Contract, Invoice, Payment, Task, TimeEntry, ClientRequest):
        for obj in model.objects.all()[:5]:
            obj.full_clean()


def test_generator_is_deterministic_and_refuses_a_full_database() -> None:
    _build()
    first = _fingerprint()
    with pytest.raises(RuntimeError):
        _build()
    generate.generate(factor=FACTOR, seed=7, today=TODAY, reset=True, log=lambda *_: None)
    assert _fingerprint() == first


def test_benchmark_sql_equals_the_app_numbers() -> None:
    _build()
    head = Employee.objects.select_related("user").get(role=Role.HEAD_OF_ACCOUNTS)
    agency_id = head.agency_id
    app, sql = aggregates.aging_app(actor=head.user, today=TODAY), aggregates.aging_sql(agency_id=agency_id, today=TODAY)
    assert sql["rows"] and aggregates.aging_equal(app, sql) == []
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    app_p = aggregates.profitability_app(actor=head.user, start=start, end=end)
    sql_p = aggregates.profitability_sql(agency_id=agency_id, start=start, end=end)
    assert sql_p and aggregates.profitability_equal(app_p, sql_p, kopeck_tolerance=connection.vendor != "postgresql") == []
    for month in (date(2025, 6, 1), TODAY.replace(day=1)):
        app_m, sql_m = aggregates.plan_app(actor=head.user, month=month), aggregates.plan_sql(agency_id=agency_id, month=month)
        assert any(paid for _plan, paid in sql_m.values()) or month == TODAY.replace(day=1)
        assert aggregates.plan_equal(app_m, sql_m) == []


def test_statement_file_imports_through_the_service() -> None:
    _build()
    finance = Employee.objects.select_related("user").filter(role=Role.FINANCE).first()
    assert finance is not None
    data = generate.statement_file(lines=40, seed=3, today=TODAY)
    report = billing_services.statement_import(actor=finance.user, data=data, file_name="bench.txt")
    assert len(report.rows) == 40 and report.counts["rejected"] == 0
    assert report.counts["matched"] + report.counts["partly_matched"] > 20


def test_sweep_opens_every_plain_page_without_a_server_error(tmp_path) -> None:
    """`make sweep` on generated data: every argument-free page and API list answers an AM and a
    specialist without a 5xx (and My day is among the timed pages)."""
    import json

    from bench import sweep

    _build()
    out = tmp_path / "sweep.json"
    assert sweep.main(["--roles", "am,specialist", "--runs", "1", "--out", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert {r["role"] for r in results} == {"am", "specialist"}
    my_day = [r for r in results if r["name"] == "web:my_day"]
    assert [r["status"] for r in my_day] == [200, 200] and all(r["median_ms"] > 0 for r in my_day)
    assert not [r for r in results if r["status"] >= 500]
