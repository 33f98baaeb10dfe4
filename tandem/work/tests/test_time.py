from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.errors import PermissionDenied
from tandem.work import services
from tandem.work.models import ClosedMonth, Project, ProjectStatus, TimeEntry
from tandem.work.selectors import (
    cost_rate_on,
    employee_month_load,
    hours_by_client,
    project_month_projects,
    project_month_rows,
    project_month_summary,
    time_by_client,
    time_cost_by_client,
    timesheet_week,
)
from tandem.work.tests.factories import TaskFactory, signed_project

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=10)


def _log(org, project, hours, day=TODAY, who=None, **kw):
    who = who or org.spec1
    return services.time_entry_create(actor=who.user, employee=who, project=project, day=day, hours=hours, **kw)


@pytest.mark.parametrize("bad", ["0", "-1", "0.1", "1.3", "24.25", "abc", "NaN"])
def test_hours_step_and_range(org, bad):
    project = signed_project(org)
    with pytest.raises(ValidationError) as exc:
        _log(org, project, bad)
    assert "hours" in exc.value.message_dict
    assert not TimeEntry.objects.exists()


def test_day_cap_24_hours_across_projects(org):
    p1 = signed_project(org)
    p2 = signed_project(org)
    _log(org, p1, "16")
    _log(org, p2, "8")
    with pytest.raises(ValidationError) as exc:
        _log(org, p2, "0.25")
    assert "24" in exc.value.message_dict["hours"][0]
    entry = TimeEntry.objects.get(project=p1)
    with pytest.raises(ValidationError):
        services.time_entry_update(actor=org.spec1.user, entry=entry, data={"hours": "16.25"})
    services.time_entry_update(actor=org.spec1.user, entry=entry, data={"hours": "15.5"})
    _log(org, p2, "0.5")
    assert sum(e.hours for e in TimeEntry.objects.all()) == Decimal("24")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_day_total_never_exceeds_24(org, quarters):
    TimeEntry.objects.all().delete()
    project = org.__dict__.setdefault("_p", signed_project(org))
    for q in quarters:
        try:
            _log(org, project, str(Decimal(q) / 4))
        except ValidationError:
            pass
    assert sum(TimeEntry.objects.values_list("hours", flat=True), Decimal("0")) <= 24


def test_closed_month_is_frozen(org):
    project = signed_project(org)
    entry = _log(org, project, "2", day=LAST_MONTH)
    services.month_close(actor=org.finance.user, month=LAST_MONTH)
    with pytest.raises(ValidationError) as exc:
        _log(org, project, "1", day=LAST_MONTH)
    assert "закрыт" in exc.value.message_dict["date"][0]
    with pytest.raises(ValidationError):
        services.time_entry_update(actor=org.spec1.user, entry=entry, data={"hours": "3"})
    with pytest.raises(ValidationError):  # moving an open entry into a closed month
        services.time_entry_update(actor=org.spec1.user, entry=_log(org, project, "1"), data={"date": LAST_MONTH})
    with pytest.raises(ValidationError):
        services.time_entry_delete(actor=org.spec1.user, entry=entry)
    with pytest.raises(ValidationError):
        services.timesheet_cell_set(actor=org.spec1.user, employee=org.spec1, project=project, day=LAST_MONTH,
                                    hours="4")
    assert TimeEntry.objects.get(pk=entry.pk).hours == Decimal("2")
    services.month_reopen(actor=org.finance.user, month=LAST_MONTH)
    services.time_entry_update(actor=org.spec1.user, entry=entry, data={"hours": "3"})


@pytest.mark.parametrize("who", ["head", "admin", "am1", "spec1", "group_head"])
def test_only_finance_closes_months(org, who):
    with pytest.raises(PermissionDenied):
        services.month_close(actor=org.by_role_name(who).user, month=LAST_MONTH)
    assert not ClosedMonth.objects.exists()


def test_cost_uses_rate_valid_on_the_day(org):
    project = signed_project(org)
    org.spec1.hourly_cost_rate = Decimal("800")
    org.spec1.save()
    d1, d2 = TODAY - timedelta(days=20), TODAY - timedelta(days=5)
    assert cost_rate_on(employee=org.spec1, day=d1) == Decimal("800")  # fallback without history
    services.cost_rate_set(actor=org.finance.user, employee=org.spec1, valid_from=TODAY - timedelta(days=400),
                           rate=Decimal("1000"))
    services.cost_rate_set(actor=org.finance.user, employee=org.spec1, valid_from=TODAY - timedelta(days=10),
                           rate=Decimal("1200"))
    e1 = _log(org, project, "2", day=d1)
    e2 = _log(org, project, "1.5", day=d2)
    assert (e1.cost, e2.cost) == (Decimal("2000.00"), Decimal("1800.00"))
    services.cost_rate_set(actor=org.head.user, employee=org.spec1, valid_from=d2, rate=Decimal("1400"))
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.cost, e2.cost) == (Decimal("2000.00"), Decimal("2100.00"))
    with pytest.raises(PermissionDenied):
        services.cost_rate_set(actor=org.am1.user, employee=org.spec1, valid_from=d1, rate=Decimal("1"))


def test_rate_change_does_not_touch_closed_month(org):
    project = signed_project(org)
    entry = _log(org, project, "2", day=LAST_MONTH)
    before = entry.cost
    services.month_close(actor=org.finance.user, month=LAST_MONTH)
    services.cost_rate_set(actor=org.finance.user, employee=org.spec1, valid_from=LAST_MONTH.replace(day=1),
                           rate=Decimal("5000"))
    entry.refresh_from_db()
    assert entry.cost == before


def test_specialist_logs_and_edits_only_own_time(org):
    project = signed_project(org)
    with pytest.raises(PermissionDenied):
        services.time_entry_create(actor=org.spec1.user, employee=org.am1, project=project, day=TODAY, hours="1")
    other = services.time_entry_create(actor=org.head.user, employee=org.am1, project=project, day=TODAY, hours="1")
    with pytest.raises(PermissionDenied):
        services.time_entry_update(actor=org.spec1.user, entry=other, data={"hours": "2"})
    with pytest.raises(PermissionDenied):  # spec2 does not see client_a
        services.time_entry_create(actor=org.spec2.user, employee=org.spec2, project=project, day=TODAY, hours="1")
    assert TimeEntry.objects.get().hours == Decimal("1")


def test_task_must_belong_to_project(org):
    p1, p2 = signed_project(org), signed_project(org)
    with pytest.raises(ValidationError):
        _log(org, p1, "1", task=TaskFactory(project=p2))


def test_aggregates_by_client_in_range(org):
    pa = signed_project(org)
    pb = signed_project(org, client=org.client_b)
    _log(org, pa, "2", day=TODAY - timedelta(days=1))
    _log(org, pa, "1", day=TODAY - timedelta(days=40))
    _log(org, pb, "3", day=TODAY - timedelta(days=1), who=org.spec2)
    start, end = TODAY - timedelta(days=7), TODAY
    assert hours_by_client(start=start, end=end, agency=org.agency) == {
        org.client_a.pk: Decimal("2"), org.client_b.pk: Decimal("3")}
    assert time_cost_by_client(start=start, end=end, agency=org.agency) == {
        org.client_a.pk: Decimal("2000.00"), org.client_b.pk: Decimal("3000.00")}
    assert time_cost_by_client(start=start, end=end, agency=org.outsider.agency) == {}
    assert time_by_client(start=start, end=end, agency=org.agency) == {
        org.client_a.pk: (Decimal("2000.00"), Decimal("2")), org.client_b.pk: (Decimal("3000.00"), Decimal("3"))}


def test_project_month_plan_vs_logged_and_employee_load(org):
    project = signed_project(org, planned="10")
    _log(org, project, "6", day=TODAY)
    _log(org, project, "6", day=TODAY.replace(day=1) if TODAY.day != 1 else TODAY, who=org.am1)
    [row] = project_month_summary(actor=org.am1.user, month=TODAY)
    assert (row.planned_hours, row.logged_hours, row.percent) == (Decimal("10"), Decimal("12"), 120)
    assert row.cost == Decimal("12000.00")
    loads = {r.employee: r for r in employee_month_load(actor=org.head.user, month=TODAY)}
    assert loads[org.spec1].logged_hours == Decimal("6") and loads[org.spec1].capacity_hours == 160
    assert [r.employee for r in employee_month_load(actor=org.spec1.user, month=TODAY)] == [org.spec1]


def test_month_report_lists_active_projects_and_those_with_time_that_month_only(org):
    active = signed_project(org, planned="10")
    done_this_month = signed_project(org, planned="5")
    done_before = signed_project(org, planned="5")
    last_month = TODAY.replace(day=1) - timedelta(days=1)
    _log(org, active, "2", day=last_month)  # another month: not counted
    _log(org, done_this_month, "3", day=TODAY)
    _log(org, done_before, "4", day=last_month)
    Project.objects.filter(pk__in=[done_this_month.pk, done_before.pk]).update(status=ProjectStatus.CLOSED)
    projects = project_month_projects(actor=org.head.user, month=TODAY)
    assert set(projects) == {active, done_this_month}
    rows = {r.project: r.logged_hours for r in project_month_rows(projects, month=TODAY)}
    assert rows == {active: Decimal("0"), done_this_month: Decimal("3")}
    assert {r.project: r.logged_hours for r in project_month_summary(actor=org.head.user, month=last_month)} == {
        active: Decimal("2"), done_before: Decimal("4")}


def test_timesheet_cell_keeps_task_hours_and_sets_total(org):
    project = signed_project(org)
    task = TaskFactory(project=project)
    _log(org, project, "1", task=task)
    total = services.timesheet_cell_set(actor=org.spec1.user, employee=org.spec1, project=project, day=TODAY,
                                        hours="3,5")
    assert total == Decimal("3.5")
    assert sorted(TimeEntry.objects.values_list("hours", flat=True)) == [Decimal("1"), Decimal("2.5")]
    with pytest.raises(ValidationError):
        services.timesheet_cell_set(actor=org.spec1.user, employee=org.spec1, project=project, day=TODAY,
                                    hours="0.5")
    services.timesheet_cell_set(actor=org.spec1.user, employee=org.spec1, project=project, day=TODAY, hours="1")
    assert list(TimeEntry.objects.values_list("hours", flat=True)) == [Decimal("1")]
    week = timesheet_week(actor=org.spec1.user, employee=org.spec1, week_start=TODAY)
    [row] = week.rows
    assert row.project == project and row.total == Decimal("1")
    assert week.day_totals[TODAY.weekday()] == Decimal("1")


def test_month_close_validations(org):
    services.month_close(actor=org.finance.user, month=LAST_MONTH)
    with pytest.raises(ValidationError):
        services.month_close(actor=org.finance.user, month=LAST_MONTH)
    with pytest.raises(ValidationError):
        services.month_close(actor=org.finance.user, month=date(TODAY.year + 1, 1, 1))


@pytest.mark.parametrize("role", ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"])
def test_time_entries_visible_are_visible_projects_plus_own(org, role):
    """Entries on the projects of clients the actor sees, plus the actor's own anywhere in the agency."""
    from django.db.models import Q

    from tandem.clients.permissions import clients_visible_to
    from tandem.work.permissions import time_entries_visible_to

    project_a, project_b = signed_project(org), signed_project(org, client=org.client_b)
    _log(org, project_a, "1")
    _log(org, project_b, "2", who=org.spec2)
    # spec1 helped on Бета once (logged by the head): visible to spec1 as their own entry, though
    # Бета is not spec1's client.
    services.time_entry_create(actor=org.head.user, employee=org.spec1, project=project_b, day=TODAY, hours="3")
    actor = org.by_role_name(role)
    expected = TimeEntry.objects.filter(
        Q(project__client__in=clients_visible_to(actor.user)) | Q(employee=actor), project__agency_id=actor.agency_id)
    assert set(time_entries_visible_to(actor.user)) == set(expected)
    if role == "spec1":
        assert {e.hours for e in time_entries_visible_to(actor.user)} == {Decimal("1"), Decimal("3")}
