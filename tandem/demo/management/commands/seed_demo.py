"""Load a believable Russian digital agency. Idempotent: each builder skips itself when its
data is already there, so running the command twice changes nothing."""

from __future__ import annotations

import importlib
import random

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
]


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=20261125)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        agency, _ = Agency.objects.get_or_create(
            name=DEMO_AGENCY_NAME, defaults={"legal_name": 'ООО "Тандем Диджитал"'}
        )
        for dotted in BUILDERS:
            module = importlib.import_module(dotted)
            # A fresh RNG per builder keeps each builder deterministic on its own.
            ctx = DemoContext(agency=agency, rng=random.Random(f"{options['seed']}:{dotted}"),
                              stdout_write=self.stdout.write)
            with transaction.atomic():
                module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
