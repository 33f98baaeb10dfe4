"""Reads: field history (who changed what, when) of a line's retainer terms.

Heads and finance only (`can_view_field_history`); the caller has fetched the line through a
scoped lookup, so visibility is already checked.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tandem.core.errors import PermissionDenied
from tandem.core.history import HistoryEntry, field_history
from tandem.org.models import User
from tandem.org.permissions import can_view_field_history

from .models import ContractLine, RetainerTerms


def retainer_terms_history(*, actor: User, line: ContractLine) -> list[HistoryEntry]:
    """Changes of the line's retainer terms (hours, money, rollover, overage), newest first."""
    if not can_view_field_history(actor):
        raise PermissionDenied(_("Историю изменений видят руководители и финансы."))
    return field_history(RetainerTerms.history.filter(line_id=line.pk))
