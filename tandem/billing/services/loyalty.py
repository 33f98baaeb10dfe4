"""Loyalty discount rules: the agency's heads, admins and finance keep them (history is kept)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tandem.org.models import User

from .. import permissions
from ..models import LoyaltyBasis, LoyaltyRule
from ._common import require, require_employee


def _save(rule: LoyaltyRule) -> LoyaltyRule:
    if rule.basis in (LoyaltyBasis.TENURE_MONTHS, LoyaltyBasis.SERVICES_COUNT) and rule.threshold is not None \
            and rule.threshold != rule.threshold.to_integral_value():
        raise ValidationError({"threshold": _("Для месяцев и числа услуг порог — целое число.")})
    if LoyaltyRule.objects.filter(agency_id=rule.agency_id, name=rule.name).exclude(pk=rule.pk).exists():
        raise ValidationError({"name": _("Правило с таким названием уже есть.")})
    rule.full_clean()
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError({"name": _("Правило с таким названием уже есть.")}) from None
    return rule


def loyalty_rule_create(
    *, actor: User, name: str, basis: str, threshold: Decimal, percent: Decimal, is_active: bool = True
) -> LoyaltyRule:
    """A new rule; it applies to invoices created from now on (issued ones keep their amounts)."""
    employee = require_employee(actor)
    require(permissions.can_manage_settings(actor))
    return _save(LoyaltyRule(agency=employee.agency, name=name.strip(), basis=basis, threshold=threshold,
                             percent=percent, is_active=is_active))


def loyalty_rule_update(
    *, actor: User, rule: LoyaltyRule, name: str, basis: str, threshold: Decimal, percent: Decimal, is_active: bool
) -> LoyaltyRule:
    """Change a rule; invoices already created keep the discount they were given."""
    require(permissions.can_manage_settings(actor))
    rule.name, rule.basis, rule.threshold, rule.percent, rule.is_active = (
        name.strip(), basis, threshold, percent, is_active
    )
    return _save(rule)


def loyalty_rule_delete(*, actor: User, rule: LoyaltyRule) -> None:
    """Remove a rule. Invoices that used it keep their discount and its written reason."""
    require(permissions.can_manage_settings(actor))
    rule.delete()
