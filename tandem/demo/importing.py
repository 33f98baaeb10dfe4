"""Demo import: the head of accounts has moved two companies, their contacts and two deals in from a Bitrix24
export, so «Настройки → Импорт данных» lists past imports with their reports (re-running the
seed changes nothing: the import is idempotent by the Bitrix24 IDs)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from tandem.imports import services as importing
from tandem.org.models import Employee
from tandem.org.roles import Role

from .context import DemoContext

DATA = Path(__file__).parent / "data"


def seed(ctx: DemoContext) -> None:
    head = Employee.objects.filter(agency=ctx.agency, role=Role.HEAD_OF_ACCOUNTS, is_active=True) \
        .select_related("user").first()
    if head is None:
        ctx.log("importing: no head of accounts, skipped")
        return
    for name in ("import_bitrix24_companies.csv", "import_bitrix24_contacts.csv", "import_bitrix24_deals.csv"):
        try:
            report = importing.import_apply(actor=head.user, content=(DATA / name).read_bytes(), file_name=name)
        except ValidationError as exc:
            ctx.log(f"importing: {name} refused: {' '.join(exc.messages)}")
            return
        ctx.log(f"importing: {name}: created {report.created}, updated {report.updated}, skipped {report.skipped}")
