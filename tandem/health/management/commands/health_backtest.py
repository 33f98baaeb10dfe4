"""Replay the health score over an agency's past and print how well it foresaw churn."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tandem.health.backtest import backtest_store
from tandem.org.models import Agency


class Command(BaseCommand):
    help = "Back-test the client health score on the agency's history (stores the run for the page)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--agency", type=int, help="agency id (default: every agency)")
        parser.add_argument("--days", type=int, default=365, help="how far back to replay")
        parser.add_argument("--step", type=int, default=7, help="days between replay days")
        parser.add_argument("--horizon", type=int, default=90, help="a flag counts for a churn within this many days")
        parser.add_argument("--end", type=date.fromisoformat, help="last replay day (default: today)")
        parser.add_argument("--json", action="store_true", help="print the whole result as JSON")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        agencies = Agency.objects.all()
        if options["agency"]:
            agencies = agencies.filter(pk=options["agency"])
            if not agencies.exists():
                raise CommandError(f"No agency {options['agency']}")
        end = options["end"] or timezone.localdate()
        start = end - timedelta(days=options["days"])
        for agency in agencies:
            run = backtest_store(agency=agency, actor=None, start=start, end=end, step_days=options["step"],
                                 horizon_days=options["horizon"])
            r = run.result
            if options["json"]:
                self.stdout.write(json.dumps(r, ensure_ascii=False, indent=2))
                continue
            self.stdout.write(
                f"{agency.name}: {r['start']}…{r['end']}, every {r['step_days']} d, threshold {r['threshold']}, "
                f"horizon {r['horizon_days']} d\n"
                f"  churned: {r['churned']}, flagged before churn: {r['churned_flagged']} "
                f"(lead days avg {r['lead_days_avg']}, median {r['lead_days_median']})\n"
                f"  flagged clients: {r['flagged_clients']}, churned: {r['flagged_churned']}, "
                f"did not churn: {r['flagged_not_churned']}, pending: {r['flagged_pending']}, "
                f"precision: {r['precision']}, recall: {r['recall']}"
            )
