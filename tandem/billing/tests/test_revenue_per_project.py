"""Revenue per project (issue 10): invoice lines bill a contract line (so a project), acts
inherit it, profitability by project shows the revenue, lines without a project are listed and
can be attributed; hourly lines are invoiced from a month's logged time, never twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tandem.billing import selectors, services
from tandem.billing.models import BilledTime, Invoice, InvoiceLine
from tandem.core.errors import NotFound, PermissionDenied
from tandem.work import services as work_services
from tandem.work.models import TimeEntry

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def _invoice(org, lines, contract=None, on=date(2026, 3, 5)):
    return services.invoice_create(actor=org.finance.user, client=org.client_a,
                                   contract=contract or org.contract_h, date=on, lines=lines)


def _closed_by_act(org, invoice, on=date(2026, 3, 31)):
    invoice = services.invoice_issue(actor=org.finance.user, invoice=invoice)
    services.act_create(actor=org.finance.user, invoice=invoice, date=on)
    return invoice


# --- the contract line of an invoice line -------------------------------------------------------


def test_the_only_line_of_the_contract_is_the_default(money):
    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2026, 3, 1),
        lines=[services.LineInput(name="SEO за март", price=Decimal("100000"))],
    )

    line = invoice.lines.get()
    assert line.contract_line == money.contract_a.lines.get()
    assert line.service_id == line.contract_line.service_id


def test_a_contract_with_several_lines_needs_a_choice_per_line(hourly):
    before = Invoice.objects.count()

    with pytest.raises(ValidationError) as exc:
        _invoice(hourly, [
            services.LineInput(name="SEO", price=Decimal("90000"), contract_line_id=hourly.seo_line.pk),
            services.LineInput(name="Что-то ещё", price=Decimal("1000")),
        ])

    assert "Строка 2: выберите услугу договора (проект)" in exc.value.message_dict["lines"][0]
    assert Invoice.objects.count() == before


def test_a_line_of_another_contract_is_refused(hourly):
    with pytest.raises(ValidationError) as exc:
        _invoice(hourly, [services.LineInput(name="SEO", price=Decimal("1"),
                                             contract_line_id=hourly.contract_a.lines.get().pk)])

    assert "услуга не из договора этого счёта" in exc.value.message_dict["lines"][0]


def test_an_invoice_without_contract_bills_no_contract_line(hourly):
    invoice = services.invoice_create(actor=hourly.finance.user, client=hourly.client_a, date=date(2026, 3, 1),
                                      lines=[services.LineInput(name="Консультация", price=Decimal("5000"))])

    assert invoice.lines.get().contract_line is None
    with pytest.raises(ValidationError):
        services.invoice_create(actor=hourly.finance.user, client=hourly.client_a, date=date(2026, 3, 1),
                                lines=[services.LineInput(name="X", price=Decimal("1"),
                                                          contract_line_id=hourly.seo_line.pk)])


def test_act_lines_inherit_the_project_and_profitability_shows_revenue_per_project(hourly):
    invoice = _closed_by_act(hourly, _invoice(hourly, [
        services.LineInput(name="SEO за март", price=Decimal("122000"), contract_line_id=hourly.seo_line.pk),
        services.LineInput(name="Доп. работы", price=Decimal("24400"), contract_line_id=hourly.hourly_line.pk),
    ]))

    act_line_projects = {al.invoice_line.contract_line.project for al in invoice.acts.get().lines.all()}
    report = selectors.profitability(actor=hourly.head.user, start=MARCH, end=date(2026, 3, 31), by="project")
    rows = {r.key: r for r in report.rows}

    assert act_line_projects == {hourly.seo_project, hourly.hourly_project}
    assert rows[hourly.seo_project.pk].revenue == Decimal("100000.00")  # net of 22 % VAT
    assert rows[hourly.hourly_project.pk].revenue == Decimal("20000.00")
    assert rows[hourly.seo_project.pk].staff_cost > 0  # next to the cost of the 2 h logged
    assert f"c{hourly.client_a.pk}" not in rows


def test_revenue_by_payments_goes_to_the_projects_of_the_lines(hourly):
    invoice = services.invoice_issue(actor=hourly.finance.user, invoice=_invoice(hourly, [
        services.LineInput(name="SEO", price=Decimal("91500"), contract_line_id=hourly.seo_line.pk),
        services.LineInput(name="Часы", price=Decimal("30500"), contract_line_id=hourly.hourly_line.pk),
    ]))
    services.payment_record(actor=hourly.finance.user, client=hourly.client_a, date=date(2026, 3, 20),
                            amount=invoice.total, purpose=f"Оплата по счёту № {invoice.number}")

    report = selectors.profitability(actor=hourly.head.user, start=MARCH, end=date(2026, 3, 31), by="project",
                                     basis="payments")
    rows = {r.key: r for r in report.rows}

    assert rows[hourly.seo_project.pk].revenue == Decimal("75000.00")
    assert rows[hourly.hourly_project.pk].revenue == Decimal("25000.00")


def test_project_names_are_shown_once(hourly):
    _closed_by_act(hourly, _invoice(hourly, [
        services.LineInput(name="SEO", price=Decimal("1000"), contract_line_id=hourly.seo_line.pk)]))

    report = selectors.profitability(actor=hourly.head.user, start=MARCH, end=date(2026, 3, 31), by="project")
    labels = {r.label for r in report.rows}

    assert "Альфа — SEO-продвижение" in labels
    assert not [label for label in labels if label.count("Альфа") > 1]
    assert hourly.seo_project.name_without_client == "SEO-продвижение"
    assert selectors.project_label("Альфа", "Сайт") == "Альфа — Сайт"


def test_lines_without_project_are_listed_and_can_be_attributed(hourly):
    invoice = _invoice(hourly, [
        services.LineInput(name="SEO", price=Decimal("12200"), contract_line_id=hourly.seo_line.pk),
        services.LineInput(name="Хостинг", price=Decimal("1220"), contract_line_id=hourly.seo_line.pk),
    ])
    InvoiceLine.objects.filter(invoice=invoice, name="Хостинг").update(contract_line=None)  # imported history
    _closed_by_act(hourly, invoice)
    period = {"start": MARCH, "end": date(2026, 3, 31)}

    listed = list(selectors.invoice_lines_without_project(actor=hourly.head.user, **period))
    report = selectors.profitability(actor=hourly.head.user, by="project", **period)
    without = next(r for r in report.rows if r.without_project)
    assert [ln.name for ln in listed] == ["Хостинг"]
    assert without.revenue == Decimal("1000.00") and without.client_id == hourly.client_a.pk
    assert not list(selectors.invoice_lines_without_project(actor=hourly.am2.user, **period))  # not am2's client

    services.invoice_line_set_contract_line(actor=hourly.finance.user, line=listed[0], contract_line=hourly.seo_line)

    report = selectors.profitability(actor=hourly.head.user, by="project", **period)
    assert not list(selectors.invoice_lines_without_project(actor=hourly.head.user, **period))
    assert {r.key: r.revenue for r in report.rows}[hourly.seo_project.pk] == Decimal("11000.00")


@pytest.mark.parametrize("role", ["am1", "group_head", "spec1"])
def test_only_money_managers_attribute_lines(hourly, role):
    invoice = _invoice(hourly, [services.LineInput(name="SEO", price=Decimal("1"), contract_line_id=hourly.seo_line.pk)])
    line = invoice.lines.get()

    with pytest.raises(PermissionDenied):
        services.invoice_line_set_contract_line(actor=hourly.by_role_name(role).user, line=line,
                                                contract_line=hourly.hourly_line)

    line.refresh_from_db()
    assert line.contract_line == hourly.seo_line


# --- invoicing the logged time ------------------------------------------------------------------


def test_hourly_line_is_invoiced_from_the_months_time(hourly):
    invoice = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=date(2026, 3, 17),
                                         on=date(2026, 4, 1))

    line = invoice.lines.get()
    assert (line.quantity, line.unit, line.price, line.amount) == (Decimal("6.5"), "ч", Decimal("2500.00"),
                                                                   Decimal("16250.00"))
    assert line.contract_line == hourly.hourly_line and "6,5 ч за март 2026" in line.name
    assert (invoice.period_start, invoice.period_end, invoice.date) == (MARCH, date(2026, 3, 31), date(2026, 4, 1))
    billed = set(BilledTime.objects.values_list("time_entry_id", flat=True))
    assert billed == {e.pk for e in hourly.march_entries}  # not April's, not the SEO project's


def test_time_is_never_billed_twice(hourly):
    services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)

    with pytest.raises(ValidationError) as exc:
        services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH,
                                   contract_line=hourly.hourly_line)

    assert "нет невыставленного времени" in exc.value.message_dict["month"][0]
    assert Invoice.objects.filter(contract=hourly.contract_h).count() == 1
    late = TimeEntry.objects.create(employee=hourly.spec1, project=hourly.hourly_project, date=date(2026, 3, 30),
                                    hours=Decimal("1"))
    second = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    assert second.lines.get().quantity == Decimal("1")
    assert BilledTime.objects.get(time_entry=late).invoice_line.invoice == second


def test_a_concurrent_second_billing_of_an_entry_is_refused_by_the_database(hourly):
    invoice = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    other = _invoice(hourly, [services.LineInput(name="Часы", price=Decimal("1"),
                                                 contract_line_id=hourly.hourly_line.pk)])

    # What a second run that read the entries before the first committed would write:
    with pytest.raises(IntegrityError), transaction.atomic():
        BilledTime.objects.create(time_entry=hourly.march_entries[0], invoice_line=other.lines.get(),
                                  billed_at=invoice.created_at)

    assert BilledTime.objects.get(time_entry=hourly.march_entries[0]).invoice_line.invoice == invoice


def test_a_run_that_read_the_entries_before_another_committed_bills_nothing(hourly, monkeypatch):
    from tandem.billing.services import time_billing

    first = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    stale = [e.pk for e in hourly.march_entries]  # what it read before `first` committed
    monkeypatch.setattr(time_billing, "_unbilled", lambda line, start, end: (stale, Decimal("6.5")))

    with pytest.raises(ValidationError) as exc:
        services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)

    assert "только что выставлена другим счётом" in exc.value.message_dict["month"][0]
    assert list(Invoice.objects.filter(contract=hourly.contract_h)) == [first]
    assert {b.invoice_line.invoice_id for b in BilledTime.objects.all()} == {first.pk}


def test_cancelling_or_deleting_the_invoice_releases_the_time(hourly):
    draft = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    services.invoice_delete(actor=hourly.finance.user, invoice=draft)
    assert not BilledTime.objects.exists()

    issued = services.invoice_issue(
        actor=hourly.finance.user,
        invoice=services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH),
    )
    services.invoice_cancel(actor=hourly.finance.user, invoice=issued, reason="Ошибка в ставке")
    assert not BilledTime.objects.exists()

    again = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    assert again.lines.get().quantity == Decimal("6.5")


def test_editing_the_draft_keeps_the_billed_time_with_its_line_and_dropping_the_line_releases_it(hourly):
    draft = services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    line = draft.lines.get()

    services.invoice_update(actor=hourly.finance.user, invoice=draft, lines=[
        services.LineInput(name=line.name, price=Decimal("2000"), quantity=line.quantity, unit="ч",
                           contract_line_id=hourly.hourly_line.pk),
        services.LineInput(name="SEO", price=Decimal("90000"), contract_line_id=hourly.seo_line.pk),
    ])
    assert {b.invoice_line.contract_line_id for b in BilledTime.objects.all()} == {hourly.hourly_line.pk}
    assert BilledTime.objects.count() == 3

    services.invoice_update(actor=hourly.finance.user, invoice=draft, lines=[
        services.LineInput(name="SEO", price=Decimal("90000"), contract_line_id=hourly.seo_line.pk),
    ])
    assert not BilledTime.objects.exists()


def test_only_hourly_lines_of_the_contract_are_invoiced_from_time(hourly):
    with pytest.raises(ValidationError) as exc:
        services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH,
                                   contract_line=hourly.seo_line)
    assert "не почасово" in exc.value.message_dict["contract_line"][0]

    with pytest.raises(ValidationError) as exc:
        services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_a, month=MARCH)
    assert "нет почасовых услуг" in exc.value.message_dict["contract_line"][0]


@pytest.mark.parametrize(("role", "refusal"), [
    ("am1", PermissionDenied), ("group_head", PermissionDenied), ("spec1", PermissionDenied), ("outsider", NotFound),
])
def test_only_money_managers_invoice_time(hourly, role, refusal):
    with pytest.raises(refusal):
        services.invoice_from_time(actor=hourly.by_role_name(role).user, contract=hourly.contract_h, month=MARCH)

    assert not Invoice.objects.filter(contract=hourly.contract_h).exists()
    assert not BilledTime.objects.exists()


@pytest.mark.parametrize("role", ["finance", "head", "admin"])
def test_money_managers_invoice_time(hourly, role):
    invoice = services.invoice_from_time(actor=hourly.by_role_name(role).user, contract=hourly.contract_h,
                                         month=MARCH)

    assert invoice.total == Decimal("16250.00") and BilledTime.objects.count() == 3


# --- billed time in the timesheet -----------------------------------------------------------------


def test_billed_time_cannot_be_changed_or_deleted_but_its_note_can(hourly):
    services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    entry = hourly.march_entries[0]
    actor = hourly.head.user

    with pytest.raises(ValidationError) as exc:
        work_services.time_entry_update(actor=actor, entry=entry, data={"hours": "3"})
    assert "уже выставлено клиенту" in exc.value.message_dict["hours"][0]
    with pytest.raises(ValidationError):
        work_services.time_entry_delete(actor=actor, entry=entry)
    with pytest.raises(ValidationError):
        work_services.timesheet_cell_set(actor=actor, employee=hourly.spec1, project=hourly.hourly_project,
                                         day=entry.date, hours="5")

    work_services.time_entry_update(actor=actor, entry=entry, data={"note": "Правки по ТЗ", "hours": "2"})
    entry.refresh_from_db()
    assert (entry.hours, entry.note) == (Decimal("2.00"), "Правки по ТЗ")


def test_billed_time_is_shown_in_the_admin_and_not_changed_there(hourly, client):
    from tandem.testing.admin_forms import login_superuser

    services.invoice_from_time(actor=hourly.finance.user, contract=hourly.contract_h, month=MARCH)
    web = login_superuser(client, hourly.head)
    billed = BilledTime.objects.first()

    assert web.get("/admin/billing/billedtime/").status_code == 200
    assert web.post(f"/admin/billing/billedtime/{billed.pk}/delete/", {"post": "yes"}).status_code == 403
    assert BilledTime.objects.count() == 3
