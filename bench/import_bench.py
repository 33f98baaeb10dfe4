"""Go-live import benchmark (issue 17): 10,000 clients with 30,000 contacts, target < 60 s on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_importer python -m bench.import_bench [--clients N]

Builds a throw-away agency with a head of accounts, writes the Tandem template (XLSX, sheets
«Клиенты» and «Контакты», three contacts a client) and times the dry run and the real run
(`tandem.imports.services`), then a second real run of the same file (everything skipped). All
inside one transaction that is rolled back, so the database is left as it was.
Prints the timings and writes bench/results-import.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # pragma: no cover - CLI bootstrap
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()

from django.db import connection, transaction
from openpyxl import Workbook

from tandem.clients.models import Client, Contact
from tandem.imports import services
from tandem.org.models import Agency, Employee, User
from tandem.org.roles import Role

HERE = Path(__file__).resolve().parent
TARGET_S = 60.0
_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def legal_inn(n: int) -> str:
    """A valid 10-digit INN (legal entity) from a running number."""
    body = f"77{n:07d}"
    check = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11 % 10
    return body + str(check)


def template_file(clients: int, contacts_per_client: int = 3) -> bytes:
    # Not write_only: like a file saved by Excel, the sheets carry their dimensions (without
    # them openpyxl reads every sheet twice).
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Клиенты"
    ws.append(["Код", "Юридическое название", "Бренд", "ИНН", "Статус", "Сайт", "В работе с"])
    for i in range(clients):
        ws.append([f"C{i}", f"ООО «Клиент {i}»", f"Клиент {i}", legal_inn(i), "Активный",
                   f"client{i}.example", "01.02.2024"])
    ws = book.create_sheet("Контакты")
    ws.append(["Код", "Код клиента", "ФИО", "Должность", "Телефон", "E-mail"])
    for i in range(clients):
        for j in range(contacts_per_client):
            ws.append([f"P{i}-{j}", f"C{i}", f"Контакт {j} Клиента {i}", "Маркетолог",
                       f"+7 9{(i * contacts_per_client + j):09d}", f"p{j}@client{i}.example"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


class _Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=10_000)
    args = parser.parse_args(argv)
    content, build_s = timed(lambda: template_file(args.clients))
    results: dict[str, Any] = {"clients": args.clients, "contacts": args.clients * 3, "file_bytes": len(content),
                               "database": connection.vendor, "build_file_s": round(build_s, 2)}
    try:
        with transaction.atomic():
            agency = Agency.objects.create(name="Import bench")
            user = User.objects.create(username="import-bench-head")
            Employee.objects.create(agency=agency, user=user, full_name="Import Bench", role=Role.HEAD_OF_ACCOUNTS)
            check, check_s = timed(lambda: services.import_check(actor=user, content=content, file_name="bench.xlsx"))
            assert not check.has_errors, check.file_errors or [r for r in check.rows if r.action == "error"][:3]
            report, apply_s = timed(lambda: services.import_apply(actor=user, content=content, file_name="bench.xlsx"))
            assert report.created == args.clients * 4, report.created
            assert Client.objects.filter(agency=agency).count() == args.clients
            assert Contact.objects.filter(client__agency=agency).count() == args.clients * 3
            again, again_s = timed(lambda: services.import_apply(actor=user, content=content, file_name="bench.xlsx"))
            assert (again.created, again.updated) == (0, 0)
            results.update(dry_run_s=round(check_s, 2), import_s=round(apply_s, 2), second_run_s=round(again_s, 2))
            raise _Rollback()
    except _Rollback:
        pass
    results["target_s"] = TARGET_S
    results["ok"] = results["import_s"] < TARGET_S
    for name, value in results.items():
        print(f"{name:>14}: {value}")
    (HERE / "results-import.json").write_text(json.dumps(results, indent=2))
    return 0 if results["ok"] else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
