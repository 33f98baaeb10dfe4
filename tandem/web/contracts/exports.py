"""Columns of the contract list's XLSX export; rows come from the page's own selector."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.contracts.models import Contract
from tandem.reports.exports import Column, Kind


def contract_columns() -> list[Column[Contract]]:
    return [
        Column(_("Номер"), lambda c: c.number, width=16),
        Column(_("Дата"), lambda c: c.date, Kind.DATE),
        Column(_("Клиент"), lambda c: c.client.display_name, width=32),
        Column(_("Аккаунт"), lambda c: c.client.account_manager.full_name if c.client.account_manager else ""),
        Column(_("Статус"), lambda c: c.get_status_display(), width=16),
        Column(_("Начало"), lambda c: c.start_date, Kind.DATE),
        Column(_("Окончание"), lambda c: c.end_date, Kind.DATE),
        Column(_("НДС"), lambda c: c.get_vat_mode_display(), width=12),
        Column(_("Услуг"), lambda c: getattr(c, "line_count", None), Kind.INT),
        Column(_("Субподрядчик"), lambda c: c.subcontractor.name if c.subcontractor else ""),
    ]
