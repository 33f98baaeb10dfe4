"""Compare the month rollup of time entries (TimeMonthRollup) with the raw rows, per key.

Exit status 1 when any key differs (printed, at most --show of them); `--fix` then rebuilds the
rollup from the raw rows and checks again. Run it after a restore or a bulk load, or from a
nightly job: the services keep the rollup exact, so any difference is a bug or a write that
went around them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tandem.work.services.rollups import RollupDifference, rollup_differences, time_rollup_rebuild


def _side(values: tuple[Any, ...] | None) -> str:
    if values is None:
        return "—"
    agency_id, client_id, hours, cost, entries = values
    return f"agency {agency_id} client {client_id}: {hours} h, {cost} ₽, {entries} entries"


def _line(diff: RollupDifference) -> str:
    project_id, employee_id, month = diff.key
    return (f"project {project_id} employee {employee_id} {month:%Y-%m}: "
            f"raw {_side(diff.raw)} | rollup {_side(diff.stored)}")


class Command(BaseCommand):
    help = "Compare the time rollup (hours and cost by project × employee × month) with the raw time entries."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--fix", action="store_true", help="rebuild the rollup from the raw rows when it differs")
        parser.add_argument("--show", type=int, default=50, help="print at most this many differences")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        diffs = rollup_differences()
        if not diffs:
            self.stdout.write("Time rollup: no differences.")
            return
        for diff in diffs[: options["show"]]:
            self.stdout.write(_line(diff))
        if len(diffs) > options["show"]:
            self.stdout.write(f"… and {len(diffs) - options['show']} more")
        self.stdout.write(f"Time rollup: {len(diffs)} key(s) differ from the raw time entries.")
        if not options["fix"]:
            raise CommandError("the time rollup differs from the raw rows (run with --fix to rebuild it)",
                               returncode=1)
        rows = time_rollup_rebuild()
        left = rollup_differences()
        if left:
            raise CommandError(f"{len(left)} key(s) still differ after the rebuild", returncode=1)
        self.stdout.write(f"Rebuilt: {rows} rollup rows, no differences.")
