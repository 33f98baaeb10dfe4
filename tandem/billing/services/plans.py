"""AM payment plans, the bonus rule and monthly bonus statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tandem.core.money import to_money
from tandem.org.models import Employee, User
from tandem.org.roles import Role

from .. import permissions
from ..calc import compute_bonus
from ..models import BonusRule, BonusStatement, BonusTier, PaymentPlan
from ._common import first_of_month, require, require_employee


def payment_plan_set(
    *, actor: User, employee: Employee, month: date, amount: Decimal, fixed_salary: Decimal | None = None
) -> PaymentPlan:
    """Set (or change) an AM's plan of payments for a month. Head/admin for anyone, a group
    head for the AMs of their groups."""
    require(permissions.can_set_plan(actor, employee))
    if employee.role not in (Role.ACCOUNT_MANAGER, Role.GROUP_HEAD):
        raise ValidationError({"employee": _("План ставится аккаунт-менеджеру или группхэду.")})
    if amount < 0:
        raise ValidationError({"amount": _("План не может быть отрицательным.")})
    plan, _created = PaymentPlan.objects.update_or_create(
        employee=employee, month=first_of_month(month),
        defaults={
            "agency_id": employee.agency_id, "amount": to_money(amount),
            "fixed_salary": to_money(fixed_salary) if fixed_salary is not None else None, "set_by": actor,
        },
    )
    return plan


@transaction.atomic
def bonus_rule_set(
    *, actor: User, valid_from: date, fixed_salary: Decimal, tiers: Sequence[tuple[Decimal, Decimal]], note: str = ""
) -> BonusRule:
    """The agency's bonus rule from a month on: default fixed salary and (from %, share %) tiers.
    Earlier months keep their rule, so old statements stay reproducible."""
    employee = require_employee(actor)
    require(permissions.can_manage_settings(actor))
    if not tiers:
        raise ValidationError({"tiers": _("Нужна хотя бы одна ступень.")})
    thresholds = [t for t, _s in tiers]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationError({"tiers": _("Пороги ступеней не должны повторяться.")})
    for threshold, share in tiers:
        if threshold < 0 or share < 0 or share > 100:
            raise ValidationError({"tiers": _("Порог ≥ 0, доля от 0 до 100 %.")})
    rule, _created = BonusRule.objects.update_or_create(
        agency=employee.agency, valid_from=first_of_month(valid_from),
        defaults={"fixed_salary": to_money(fixed_salary), "note": note},
    )
    rule.tiers.all().delete()
    BonusTier.objects.bulk_create(BonusTier(rule=rule, from_percent=t, share_percent=s) for t, s in tiers)
    return rule


def bonus_rule_for(agency_id: int, month: date) -> BonusRule | None:
    return (
        BonusRule.objects.filter(agency_id=agency_id, valid_from__lte=first_of_month(month))
        .prefetch_related("tiers").order_by("-valid_from").first()
    )


@transaction.atomic
def bonus_statement_build(*, actor: User, employee: Employee, month: date) -> BonusStatement:
    """(Re)compute an AM's bonus statement for a month from plans, payments, AM history and the
    rule valid that month. The same data always gives the same statement."""
    from ..selectors import am_month_payments

    require(permissions.can_build_bonus_statement(actor, employee))
    month = first_of_month(month)
    plan_obj = PaymentPlan.objects.filter(employee=employee, month=month).first()
    rule = bonus_rule_for(employee.agency_id, month)
    rows = am_month_payments(employee=employee, month=month)
    paid = to_money(sum((r.amount for r in rows), Decimal("0")))
    plan = plan_obj.amount if plan_obj else Decimal("0.00")
    fixed = (
        plan_obj.fixed_salary if plan_obj and plan_obj.fixed_salary is not None
        else (rule.fixed_salary if rule else Decimal("0.00"))
    )
    tiers = [(t.from_percent, t.share_percent) for t in rule.tiers.all()] if rule else []
    result = compute_bonus(plan=plan, paid=paid, fixed_salary=fixed, tiers=tiers)
    statement, _created = BonusStatement.objects.update_or_create(
        employee=employee, month=month,
        defaults={
            "agency_id": employee.agency_id, "rule": rule, "plan": plan, "paid": paid,
            "percent": result.percent or Decimal("0"), "fixed_salary": result.fixed_salary,
            "share_percent": result.share_percent, "bonus": result.bonus, "total": result.total,
            "details": [
                {"payment_id": r.payment_id, "date": r.date.isoformat(), "client": r.client_name, "amount": str(r.amount)}
                for r in rows
            ],
        },
    )
    return statement


@transaction.atomic
def bonus_statements_build_month(*, actor: User, month: date) -> list[BonusStatement]:
    """(Re)build the month's statements of every AM and group head the actor may build for
    (`permissions.bonus_statement_employees_buildable_by`): the active ones plus anyone with a plan
    that month. Each statement is exactly what `bonus_statement_build` gives for that person."""
    month = first_of_month(month)
    people = (
        permissions.bonus_statement_employees_buildable_by(actor)
        .filter(Q(role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD], is_active=True)
                | Q(pk__in=PaymentPlan.objects.filter(month=month).values("employee_id")))
        .order_by("full_name")
    )
    require(permissions.can_view_money(actor) and people.exists())
    return [bonus_statement_build(actor=actor, employee=person, month=month) for person in people]
