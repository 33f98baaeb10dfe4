"""`make load-api`: 20 concurrent API users for 60 s over the API's everyday reads.

Each virtual user holds an API token made directly (tandem.org.services.api_token_issue) and
reads, in random order: the clients list, one of its clients, that client's contacts, the
invoices list, one project's time entries, the tasks list and the client's interactions. The
server, the warm-up, the thread pool and the report (req/s, p50/p95/p99, errors, CPU per
request) are bench/load.py's. LOAD_USERS, LOAD_SECONDS, LOAD_WORKERS, LOAD_THREADS as there;
results in bench/results-load-api.json. Needs the bench data (make bench or bench.generate).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.urls import reverse

from bench.load import Plan, run_load
from bench.run import busiest_client
from tandem.clients.models import SERVED_STATUSES, Client
from tandem.org.models import ApiToken, Employee
from tandem.org.roles import Role
from tandem.org.services import api_token_issue
from tandem.work.models import Project


def api_pages_for(employee: Employee) -> list[tuple[str, str]]:
    """The mix of one user: an AM reads their busiest client, the others the agency's first served one."""
    client: Client | None
    if employee.role == Role.ACCOUNT_MANAGER:
        client = busiest_client(employee)
    else:
        client = (Client.objects.filter(agency=employee.agency, status__in=SERVED_STATUSES).order_by("pk").first()
                  or Client.objects.order_by("pk").first())
    assert client is not None
    project = Project.objects.filter(client=client).order_by("pk").first()
    pages = [
        ("API clients list", reverse("api:client-list")),
        ("API client", reverse("api:client-detail", args=[client.pk])),
        ("API contacts of client", reverse("api:contact-list") + f"?client={client.pk}"),
        ("API invoices list", reverse("api:invoice-list")),
        ("API tasks list", reverse("api:task-list")),
        ("API interactions of client", reverse("api:interaction-list") + f"?client={client.pk}"),
    ]
    if project is not None:
        pages.append(("API time entries of project", reverse("api:time-entry-list") + f"?project={project.pk}"))
    return pages


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "20"))
    seconds = float(os.environ.get("LOAD_SECONDS", "60"))
    ams = list(Employee.objects.filter(role=Role.ACCOUNT_MANAGER, is_active=True,
                                       managed_clients__status__in=SERVED_STATUSES)
               .select_related("user", "agency").distinct().order_by("pk")[:16])
    others = list(Employee.objects.filter(role__in=[Role.HEAD_OF_ACCOUNTS, Role.FINANCE])
                  .select_related("user", "agency").order_by("pk")[:4])
    people = (ams + others) or others
    if not people:
        print("no data: run `make bench` (it generates the data set) first", file=sys.stderr)
        return 2
    virtual = [people[i % len(people)] for i in range(users)]
    plans: list[Plan] = []
    tokens = []
    for employee in virtual:
        token, key = api_token_issue(user=employee.user, name="load-api")
        tokens.append(token.pk)
        plans.append(({"Authorization": f"Token {key}", "Accept": "application/json", "Accept-Encoding": "gzip"},
                      api_pages_for(employee)))
    try:
        return run_load(plans, seconds=seconds, results_file="results-load-api.json", title="load-api")
    finally:
        ApiToken.objects.filter(pk__in=tokens).delete()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
