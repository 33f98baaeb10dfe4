"""XLSX columns of the client reports list (the same filters and visibility as the page)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.reports.exports import Column, Kind
from tandem.reports.models import ClientReport


def report_columns() -> list[Column[ClientReport]]:
    return [
        Column(_("Клиент"), lambda r: r.client.display_name, width=32),
        Column(_("Период с"), lambda r: r.period_start, Kind.DATE),
        Column(_("Период по"), lambda r: r.period_end, Kind.DATE),
        Column(_("Статус"), lambda r: r.get_status_display(), width=16),
        Column(_("Автор"), lambda r: r.author.get_full_name() or r.author.username if r.author else "", width=24),
        Column(_("Отправлен"), lambda r: r.sent_at.date() if r.sent_at else None, Kind.DATE),
    ]
