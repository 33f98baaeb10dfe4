"""Load a believable Russian digital agency. Idempotent: each builder skips itself when its
data is already there, so running the command twice changes nothing."""

from __future__ import annotations

import datetime
import importlib
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from tandem.demo.context import DEMO_AGENCY_NAME, DemoContext
from tandem.org.models import Agency

# Builders run in this order; each is a module in tandem/demo/ with `seed(ctx) -> None`.
BUILDERS = [
    "tandem.demo.org_clients",
    "tandem.demo.contracts_work",
    "tandem.demo.billing",
    "tandem.demo.comms",
    "tandem.demo.alive",
    "tandem.demo.retainers",
    "tandem.demo.analytics",
    "tandem.demo.webhooks",
    "tandem.demo.growth",
    "tandem.demo.portal",
    "tandem.demo.health",
    "tandem.demo.client_reports",
    "tandem.demo.onec",
    "tandem.demo.importing",
]
# What each step does, printed before it starts (a builder not listed shows its docstring's first line).
STEPS = {
    "org_clients": "groups, 25 employees, 120 clients with contacts and teams",
    "contracts_work": "contracts, projects, stages, tasks and a year of time entries",
    "billing": "a year of invoices, acts and payments; plans and bonus statements",
    "comms": "interactions, client requests with SLA clocks, escalations",
    "alive": "workload limits, stages waiting, payments to match, notifications",
    "retainers": "retainer hour budgets with rollover, overage decisions and alerts",
    "analytics": "demo Metrica counters with a year of daily visits and conversions",
    "importing": "a Bitrix24 export of two companies, their contacts and deals, imported by the head",
    "growth": "upsell pipeline in every stage, rule-based suggestions, «no results» recommendations",
    "portal": "a client contact's portal account with a stage to approve and a request",
    "health": "churn dated in the past, 30 days of health scores, proposals and a back-test",
    "client_reports": "client reports (last month sent, this month drafts) and document templates",
    "onec": "one export of last month's invoices and acts to 1C (EnterpriseData)",
}


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=20261125)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        agency, _ = Agency.objects.get_or_create(
            name=DEMO_AGENCY_NAME, defaults={
                "legal_name": 'ООО "Тандем Диджитал"',
                # Before any demo record (the oldest clients are served for a few years).
                "started_on": datetime.date(datetime.date.today().year - 8, 1, 1),
            },
        )
        started = time.monotonic()
        for n, dotted in enumerate(BUILDERS, start=1):
            module = importlib.import_module(dotted)
            step = dotted.rsplit(".", 1)[-1]
            # One line before each step and its time after, so a first `make run` shows progress.
            self.stdout.write(f"[{n}/{len(BUILDERS)}] {step}: {STEPS.get(step) or _first_line(module.__doc__)} …")
            self.stdout.flush()
            step_started = time.monotonic()
            # A fresh RNG per builder keeps each builder deterministic on its own.
            ctx = DemoContext(agency=agency, rng=random.Random(f"{options['seed']}:{dotted}"),
                              stdout_write=self.stdout.write)
            with transaction.atomic():
                module.seed(ctx)
            self.stdout.write(f"      {step}: done in {time.monotonic() - step_started:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.0f} s."))


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0].rstrip(".:")
