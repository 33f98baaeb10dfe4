"""Shared state for demo-data builders: one agency, a seeded RNG and "today"."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from tandem.org.models import Agency, Employee

DEMO_AGENCY_NAME = "Цифровое агентство «Тандем»"
DEMO_PASSWORD = "tandem-demo"


@dataclass
class DemoContext:
    agency: Agency
    rng: random.Random
    today: date = field(default_factory=lambda: timezone.localdate())
    stdout_write: object = print

    def employee(self, username: str) -> Employee:
        return Employee.objects.select_related("user").get(user__username=username)

    def log(self, message: str) -> None:
        self.stdout_write(message)  # type: ignore[operator]
