"""The month rollup of time entries (issue 16): every path that writes time entries keeps it
equal to the raw rows' sums; `check_rollups` finds a difference and `--fix` repairs it; the
migration fills it from existing rows; whole-month sums read it and equal the raw sums."""

from __future__ import annotations

import importlib
import io
import random
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.core.money import to_money
from tandem.testing.admin_forms import admin_url, change_form_data, login_superuser
from tandem.work import services
from tandem.work.models import Project, TimeEntry, TimeMonthRollup
from tandem.work.selectors import employee_month_load, project_month_rows, time_by_client, time_totals
from tandem.work.services.rollups import rollup_differences, time_rollup_rebuild
from tandem.work.tests.factories import TaskFactory, TimeEntryFactory, signed_project

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)


def _raw() -> dict[tuple[int, int, date], tuple[int, int, Decimal, Decimal, int]]:
    return {
        (r["project_id"], r["employee_id"], r["m"]): (r["project__agency_id"], r["project__client_id"], r["h"], r["c"], r["n"])
        for r in TimeEntry.objects.annotate(m=TruncMonth("date"))
        .values("project_id", "employee_id", "m", "project__agency_id", "project__client_id")
        .annotate(h=Sum("hours"), c=Sum("cost"), n=Count("id")).order_by()
    }


def _rollup() -> dict[tuple[int, int, date], tuple[int, int, Decimal, Decimal, int]]:
    return {
        (r.project_id, r.employee_id, r.month): (r.agency_id, r.client_id, r.hours, r.cost, r.entries)
        for r in TimeMonthRollup.objects.all()
    }


def assert_exact() -> None:
    assert _rollup() == _raw()
    assert rollup_differences() == []


def _log(org, project, hours, day=TODAY, who=None, **kw):
    who = who or org.spec1
    return services.time_entry_create(actor=org.head.user, employee=who, project=project, day=day, hours=hours, **kw)


@pytest.fixture
def rated(org):
    services.cost_rate_set(actor=org.finance.user, employee=org.spec1, valid_from=TODAY - timedelta(days=400),
                           rate=Decimal("1000"))
    org.project = signed_project(org)
    org.project_b = signed_project(org, client=org.client_b)
    return org


# ---------------------------------------------------------------- every write path


def test_create_adds_to_the_month(rated):
    _log(rated, rated.project, "2", day=LAST_MONTH)
    _log(rated, rated.project, "1.5", day=LAST_MONTH + timedelta(days=3))

    row = TimeMonthRollup.objects.get()
    assert (row.project, row.client, row.agency, row.employee, row.month, row.hours, row.cost, row.entries) == (
        rated.project, rated.client_a, rated.agency, rated.spec1, LAST_MONTH, Decimal("3.5"), Decimal("3500"), 2)
    assert_exact()


def test_update_moves_hours_between_months_and_projects(rated):
    entry = _log(rated, rated.project, "2", day=LAST_MONTH)
    _log(rated, rated.project, "1", day=LAST_MONTH + timedelta(days=1))

    services.time_entry_update(actor=rated.head.user, entry=entry, data={"date": THIS_MONTH, "hours": "3"})
    assert_exact()
    services.time_entry_update(actor=rated.head.user, entry=entry, data={"project": rated.project_b})

    assert_exact()
    assert {(r.project_id, r.month): r.hours for r in TimeMonthRollup.objects.all()} == {
        (rated.project.pk, LAST_MONTH): Decimal("1"), (rated.project_b.pk, THIS_MONTH): Decimal("3")}


def test_delete_removes_the_key_when_its_last_entry_goes(rated):
    first = _log(rated, rated.project, "2", day=LAST_MONTH)
    second = _log(rated, rated.project, "1", day=LAST_MONTH)

    services.time_entry_delete(actor=rated.spec1.user, entry=first)
    assert TimeMonthRollup.objects.get().hours == Decimal("1")
    services.time_entry_delete(actor=rated.spec1.user, entry=second)

    assert not TimeMonthRollup.objects.exists()
    assert_exact()


def test_timesheet_cell_creates_changes_and_clears(rated):
    task = TaskFactory(project=rated.project)
    _log(rated, rated.project, "1", day=LAST_MONTH, task=task)
    for hours, expected in (("3", "3"), ("5", "5"), ("1", "1")):
        services.timesheet_cell_set(actor=rated.spec1.user, employee=rated.spec1, project=rated.project,
                                    day=LAST_MONTH, hours=hours)
        assert TimeMonthRollup.objects.get().hours == Decimal(expected)
        assert_exact()


def test_cost_rate_change_recosts_the_rollup_but_not_closed_months(rated):
    _log(rated, rated.project, "2", day=LAST_MONTH)
    _log(rated, rated.project, "1", day=THIS_MONTH)
    services.month_close(actor=rated.finance.user, month=LAST_MONTH)

    services.cost_rate_set(actor=rated.finance.user, employee=rated.spec1, valid_from=LAST_MONTH, rate=Decimal("1500"))

    assert {r.month: r.cost for r in TimeMonthRollup.objects.all()} == {
        LAST_MONTH: Decimal("2000"), THIS_MONTH: Decimal("1500")}
    assert_exact()


def test_the_test_factory_writes_as_the_services_do(rated):
    TimeEntryFactory(employee=rated.spec1, project=rated.project, date=LAST_MONTH, hours=Decimal("4"))

    assert TimeMonthRollup.objects.get().hours == Decimal("4")
    assert_exact()


def test_admin_add_change_delete_and_bulk_delete(client, rated):
    login_superuser(client, rated.head)
    add = change_form_data(client, admin_url(TimeEntry, "add"))
    add.update(employee=str(rated.spec1.pk), project=str(rated.project.pk), date=LAST_MONTH.strftime("%d.%m.%Y"),
               hours="2")
    assert client.post(admin_url(TimeEntry, "add"), add).status_code == 302
    entry = TimeEntry.objects.get()
    assert_exact()

    moved = change_form_data(client, admin_url(entry))
    moved.update(date=THIS_MONTH.strftime("%d.%m.%Y"), project=str(rated.project_b.pk), hours="3")
    assert client.post(admin_url(entry), moved).status_code == 302
    assert_exact()
    assert TimeMonthRollup.objects.get().project == rated.project_b

    assert client.post(admin_url(entry, "delete"), {"post": "yes"}).status_code == 302
    assert not TimeMonthRollup.objects.exists()

    entries = [_log(rated, rated.project, "1", day=LAST_MONTH + timedelta(days=i)) for i in range(3)]
    response = client.post(admin_url(TimeEntry, "changelist"), {
        "action": "delete_selected", "post": "yes", "_selected_action": [str(e.pk) for e in entries[:2]]})
    assert response.status_code == 302
    assert TimeMonthRollup.objects.get().hours == Decimal("1")
    assert_exact()


def test_admin_moving_a_project_to_another_client_moves_its_rollup(client, rated):
    _log(rated, rated.project, "2", day=LAST_MONTH)
    login_superuser(client, rated.head)
    data = change_form_data(client, admin_url(rated.project))
    data["client"] = str(rated.client_b.pk)

    assert client.post(admin_url(rated.project), data).status_code == 302

    assert Project.objects.get(pk=rated.project.pk).client == rated.client_b
    assert TimeMonthRollup.objects.get().client == rated.client_b
    assert_exact()


def test_a_random_sequence_of_writes_keeps_the_rollup_exact(rated):
    """Create, update (hours, date, project, task), delete, timesheet cells and cost-rate changes
    in a fixed random order; after every step the rollup equals the raw aggregation."""
    rng = random.Random(16)
    people = [rated.spec1, rated.am1]
    projects = [rated.project, rated.project_b]
    tasks = [TaskFactory(project=rated.project), None]
    days = [LAST_MONTH + timedelta(days=i) for i in (0, 5, 20)] + [THIS_MONTH]
    for step in range(40):
        entries = list(TimeEntry.objects.select_related("project", "employee"))
        op = rng.choice(["create", "create", "update", "delete", "cell", "rate"])
        who = rng.choice(people)
        try:
            _step(rated, rng, op, step, who, entries, projects, tasks, days)
        except ValidationError:
            pass  # a refused write (a cell below its task hours, 24 h a day) is rolled back whole
        assert_exact()
    assert TimeEntry.objects.count() > 5


def _step(rated, rng, op, step, who, entries, projects, tasks, days) -> None:  # type: ignore[no-untyped-def]
    if op == "create" or not entries and op in ("update", "delete"):
        project = rng.choice(projects)
        task = tasks[0] if project == rated.project and rng.random() < 0.3 else None
        _log(rated, project, rng.choice(["0.25", "1", "2.5"]), day=rng.choice(days), who=who, task=task)
    elif op == "update":
        entry = rng.choice(entries)
        data = rng.choice([{"hours": rng.choice(["0.5", "3"])}, {"date": rng.choice(days)},
                           {"project": rng.choice(projects)}, {"note": f"шаг {step}"}])
        services.time_entry_update(actor=rated.head.user, entry=entry, data=data)
    elif op == "delete":
        services.time_entry_delete(actor=rated.head.user, entry=rng.choice(entries))
    elif op == "cell":
        services.timesheet_cell_set(actor=rated.head.user, employee=who, project=rng.choice(projects),
                                    day=rng.choice(days), hours=rng.choice(["", "2", "4.75"]))
    else:
        services.cost_rate_set(actor=rated.finance.user, employee=who, valid_from=rng.choice(days),
                               rate=Decimal(rng.choice(["900", "1234.56", "2000"])))


# ---------------------------------------------------------------- check command, migration, rebuild


def test_check_command_finds_a_tampered_missing_and_extra_row_and_fix_repairs(rated, capsys):
    _log(rated, rated.project, "2", day=LAST_MONTH)
    _log(rated, rated.project_b, "1", day=LAST_MONTH)
    _log(rated, rated.project, "1", day=THIS_MONTH)
    call_command("check_rollups")
    assert "no differences" in capsys.readouterr().out
    rows = list(TimeMonthRollup.objects.order_by("project_id", "month"))
    TimeMonthRollup.objects.filter(pk=rows[0].pk).update(hours=Decimal("7"))
    TimeMonthRollup.objects.filter(pk=rows[1].pk).delete()
    TimeMonthRollup.objects.create(agency=rated.agency, project=rated.project, client=rated.client_a,
                                   employee=rated.am1, month=LAST_MONTH, hours=1, cost=1, entries=1)

    with pytest.raises(CommandError) as exc:
        call_command("check_rollups")
    out = capsys.readouterr().out
    assert exc.value.returncode == 1
    assert "3 key(s) differ" in out and "7.00 h" in out and "rollup —" in out and "| rollup agency" in out
    assert len(rollup_differences()) == 3

    call_command("check_rollups", "--fix")
    assert "Rebuilt: 3 rollup rows" in capsys.readouterr().out
    assert_exact()


def test_migration_fills_the_rollup_from_existing_rows(rated):
    # rows written around the services (as before the migration existed), over three months
    TimeEntry.objects.bulk_create([
        TimeEntry(employee=who, project=project, date=day, hours=Decimal(h), cost_rate=Decimal("1000.50"),
                  cost=to_money(Decimal(h) * Decimal("1000.50")))
        for who in (rated.spec1, rated.am1) for project in (rated.project, rated.project_b)
        for day, h in ((LAST_MONTH, "1.25"), (LAST_MONTH + timedelta(days=9), "2"), (THIS_MONTH, "0.75"),
                       (LAST_MONTH - timedelta(days=1), "3"))
    ])
    TimeMonthRollup.objects.all().delete()
    migration = importlib.import_module("tandem.work.migrations.0010_time_month_rollup")
    editor = SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))

    migration.fill(apps, editor)

    assert TimeMonthRollup.objects.count() == 12
    assert_exact()


def test_rebuild_equals_the_incremental_rollup(rated):
    for i in range(5):
        _log(rated, rated.project if i % 2 else rated.project_b, "1.25", day=LAST_MONTH + timedelta(days=i))
    before = _rollup()

    assert time_rollup_rebuild() == len(before)
    assert _rollup() == before


# ---------------------------------------------------------------- reads: whole months + raw edges


def test_sums_over_whole_and_partial_months_equal_the_raw_sums(rated):
    two_ago = (LAST_MONTH - timedelta(days=1)).replace(day=1)
    for day in (two_ago, two_ago + timedelta(days=14), LAST_MONTH, LAST_MONTH + timedelta(days=20),
                THIS_MONTH):
        _log(rated, rated.project, "1.5", day=day)
        _log(rated, rated.project_b, "0.25", day=day, who=rated.am1)
    TimeMonthRollup.objects.filter(month=LAST_MONTH).update(hours=Decimal("99"))  # reads of LAST_MONTH use it

    def raw(start: date, end: date) -> dict[int, tuple[Decimal, Decimal]]:
        return {r["project__client_id"]: (r["c"], r["h"]) for r in TimeEntry.objects.filter(
            date__gte=start, date__lte=end).values("project__client_id").annotate(c=Sum("cost"), h=Sum("hours"))
            .order_by()}

    month_end = THIS_MONTH - timedelta(days=1)
    # partial months only: the raw rows
    assert time_by_client(start=two_ago + timedelta(days=1), end=two_ago + timedelta(days=20),
                          agency=rated.agency) == raw(two_ago + timedelta(days=1), two_ago + timedelta(days=20))
    # a whole month and partial edges: the rollup's (tampered) whole month is read
    got = time_by_client(start=two_ago + timedelta(days=10), end=THIS_MONTH, agency=rated.agency)
    assert got[rated.client_a.pk][1] == Decimal("1.5") + Decimal("99") + Decimal("1.5")
    TimeMonthRollup.objects.all().delete()
    call_command("check_rollups", "--fix", stdout=io.StringIO())
    for start, end in ((two_ago, month_end), (two_ago + timedelta(days=10), THIS_MONTH), (LAST_MONTH, month_end),
                       (two_ago, TODAY), (LAST_MONTH + timedelta(days=3), LAST_MONTH + timedelta(days=25))):
        assert time_by_client(start=start, end=end, agency=rated.agency) == raw(start, end), (start, end)
    assert time_totals(start=two_ago, end=month_end, by="project", project=[rated.project.pk]) == {
        rated.project.pk: (Decimal("6000.00"), Decimal("6.00"))}
    assert [r.logged_hours for r in project_month_rows([rated.project], month=LAST_MONTH)] == [Decimal("3")]
    load = {r.employee: r.logged_hours for r in employee_month_load(actor=rated.head.user, month=LAST_MONTH)}
    assert (load[rated.spec1], load[rated.am1]) == (Decimal("3"), Decimal("0.5"))
