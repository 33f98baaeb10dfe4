"""Import an agency from the Tandem template (every sheet), a Bitrix24 or an amoCRM export.

    manage.py import_data agency.xlsx --agency 1 [--source tandem|bitrix24|amocrm] [--dry-run] [--user head]

The rows are written as the given user (default: the agency's first active head of accounts or
admin), through the same services and rules as the web wizard."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tandem.clients.models import ImportSource
from tandem.imports import services as importing
from tandem.org.models import Agency, Employee
from tandem.org.roles import Role


class Command(BaseCommand):
    help = "Import an agency's data from XLSX/CSV (dry run with --dry-run)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="agency id or exact name")
        parser.add_argument("--source", choices=ImportSource.values, help="default: detected from the columns")
        parser.add_argument("--dry-run", action="store_true", help="only check and print the report")
        parser.add_argument("--user", help="username to act as (a head of accounts or admin)")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        value = options["agency"]
        agency = Agency.objects.filter(pk=int(value)).first() if value.isdigit() else \
            Agency.objects.filter(name=value).first()
        if agency is None:
            raise CommandError(f"No agency {value}")
        staff = Employee.objects.filter(agency=agency, is_active=True, role__in=[Role.HEAD_OF_ACCOUNTS, Role.ADMIN])
        if options["user"]:
            staff = staff.filter(user__username=options["user"])
        employee = staff.select_related("user").order_by("pk").first()
        if employee is None:
            raise CommandError("No active head of accounts or admin to act as.")
        path: Path = options["file"]
        content = path.read_bytes()
        try:
            if options["dry_run"]:
                report = importing.import_check(actor=employee.user, content=content, file_name=path.name,
                                                source=options["source"])
            else:
                report = importing.import_check(actor=employee.user, content=content, file_name=path.name,
                                                source=options["source"])
                if not report.has_errors:
                    report = importing.import_apply(actor=employee.user, content=content, file_name=path.name,
                                                    source=options["source"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for error in report.file_errors:
            self.stdout.write(f"! {error}")
        for row in report.rows:
            if row.action != "skip" or row.reasons:
                reasons = " ".join(row.reasons) or ", ".join(row.changed)
                self.stdout.write(f"{row.sheet}:{row.line} {row.label}: {row.action} {reasons}".rstrip())
        self.stdout.write(f"source={report.source} created={report.created} updated={report.updated} "
                          f"skipped={report.skipped} errors={report.errors}"
                          + (" (dry run)" if options["dry_run"] else ""))
        if report.has_errors:
            raise CommandError("The file has errors; nothing was imported.")
