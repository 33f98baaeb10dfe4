"""Who sees and handles which money. Every billing rule is written here once.

Visibility of money (issue #4):
- finance, head of accounts and admin: all money of the agency, including unmatched payments;
- group head: the money of the clients they see through their groups (and their own clients);
- account manager: the money of clients where they are the responsible AM, their own plan and bonus;
- specialists and anyone else: nothing.
Forbidden objects raise the same NotFound as missing ones.

Actions: finance/heads/admin write invoices, acts, payments and imports; the client's AM and
group head run collection (promises, reminders); plans are set by the head (or admin) for
everyone and by a group head for their group's AMs; the bonus rule by head, admin or finance.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from tandem.clients.models import Client
from tandem.clients.permissions import clients_visible_to
from tandem.contracts.models import ContractLine
from tandem.core.errors import NotFound
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee, head_group_ids
from tandem.org.roles import Role

from .models import (
    Act,
    CollectionReminder,
    Invoice,
    LoyaltyRule,
    OneCExport,
    Payment,
    PaymentPlan,
    Refund,
    SubcontractorCost,
)

_M = TypeVar("_M", bound=Model)

MONEY_ALL_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.FINANCE, Role.ADMIN})
MONEY_WRITE_ROLES = MONEY_ALL_ROLES
PLAN_ALL_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN})


def _employee(actor: User) -> Employee | None:
    return actor_employee(actor)


def sees_all_money(actor: User) -> bool:
    employee = _employee(actor)
    return employee is not None and employee.role in MONEY_ALL_ROLES


def can_view_money(actor: User) -> bool:
    """Anyone but specialists (and outsiders) may open money pages; contents are scoped."""
    employee = _employee(actor)
    return employee is not None and employee.role != Role.SPECIALIST


def money_clients_visible_to(actor: User) -> QuerySet[Client]:
    """Clients whose money the actor sees (a subset of the clients they see)."""
    employee = _employee(actor)
    if employee is None or employee.role == Role.SPECIALIST:
        return Client.objects.none()
    qs = clients_visible_to(actor)
    if employee.role == Role.ACCOUNT_MANAGER:
        qs = qs.filter(account_manager=employee)
    return qs


def _money_rows_visible_to(actor: User, model: type[_M]) -> QuerySet[_M]:
    """Rows of a money model (it has `agency` and `client`): all of the agency for finance and
    heads, the clients' money the actor may see for others, nothing without money rights."""
    employee = _employee(actor)
    if employee is None or not can_view_money(actor):
        return model._default_manager.none()
    if employee.role in MONEY_ALL_ROLES:
        return model._default_manager.filter(agency_id=employee.agency_id)
    return model._default_manager.filter(agency_id=employee.agency_id, client__in=money_clients_visible_to(actor))


def invoices_visible_to(actor: User) -> QuerySet[Invoice]:
    return _money_rows_visible_to(actor, Invoice)


def acts_visible_to(actor: User) -> QuerySet[Act]:
    return _money_rows_visible_to(actor, Act)


def payments_visible_to(actor: User) -> QuerySet[Payment]:
    """Finance and heads see every payment (the unmatched queue too); others their clients' ones."""
    return _money_rows_visible_to(actor, Payment)


def refunds_visible_to(actor: User) -> QuerySet[Refund]:
    """Refunds are the client's money: seen like its payments."""
    return _money_rows_visible_to(actor, Refund)


def can_reallocate_payment(actor: User, payment: Payment) -> bool:
    """Re-allocate, confirm «на проверку» or accept a suggestion: the money managers (finance,
    head of accounts, admin — `can_manage_money`) of the payment's agency. Group heads and AMs
    see their clients' payments but do not move money."""
    employee = _employee(actor)
    return can_manage_money(actor) and employee is not None and employee.agency_id == payment.agency_id


def _get(qs: QuerySet, pk: int | str):  # type: ignore[no-untyped-def, type-arg]
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def invoice_get_for(actor: User, invoice_id: int | str) -> Invoice:
    """A visible invoice or NotFound (missing and forbidden look alike)."""
    return _get(invoices_visible_to(actor).select_related("client", "contract", "agency"), invoice_id)


def act_get_for(actor: User, act_id: int | str) -> Act:
    return _get(acts_visible_to(actor).select_related("client", "contract", "invoice", "agency"), act_id)


def payment_get_for(actor: User, payment_id: int | str) -> Payment:
    return _get(payments_visible_to(actor).select_related("client"), payment_id)


def reminder_get_for(actor: User, reminder_id: int | str) -> CollectionReminder:
    """A collection reminder of a visible invoice, or NotFound."""
    return _get(
        CollectionReminder.objects.filter(invoice__in=invoices_visible_to(actor)).select_related(
            "invoice", "invoice__client", "invoice__agency", "contact", "assignee"
        ),
        reminder_id,
    )


def money_client_get_for(actor: User, client_id: int | str) -> Client:
    return _get(money_clients_visible_to(actor).select_related("account_manager", "group", "agency"), client_id)


def can_manage_money(actor: User) -> bool:
    """Finance, heads and admins create and issue invoices, acts and payments, import statements."""
    employee = _employee(actor)
    return employee is not None and employee.role in MONEY_WRITE_ROLES


def can_manage_invoice(actor: User, invoice: Invoice) -> bool:
    employee = _employee(actor)
    return can_manage_money(actor) and employee is not None and employee.agency_id == invoice.agency_id


def can_collect(actor: User, invoice: Invoice) -> bool:
    """Record promises and mark reminders: money managers and whoever sees the invoice's money
    as its AM or group head."""
    if can_manage_invoice(actor, invoice):
        return True
    return money_clients_visible_to(actor).filter(pk=invoice.client_id).exists()


def can_manage_settings(actor: User) -> bool:
    """Requisites, numbering, collection and bonus rules, subcontractor costs: head, admin or
    finance. Nobody else sees these pages at all (404)."""
    return can_manage_money(actor)


def subcontractor_costs_visible_to(actor: User) -> QuerySet[SubcontractorCost]:
    """Subcontractor costs are seen (and edited) only by those who manage settings; in the
    profitability report they reach others as aggregates of their own clients."""
    employee = _employee(actor)
    if employee is None or not can_manage_settings(actor):
        return SubcontractorCost.objects.none()
    return SubcontractorCost.objects.filter(agency_id=employee.agency_id)


def subcontractor_cost_get_for(actor: User, cost_id: int | str) -> SubcontractorCost:
    return _get(subcontractor_costs_visible_to(actor).select_related("client", "contract", "subcontractor"), cost_id)


def can_manage_subcontractor_cost(actor: User, cost: SubcontractorCost) -> bool:
    employee = _employee(actor)
    return can_manage_settings(actor) and employee is not None and employee.agency_id == cost.agency_id


def plan_employees_visible_to(actor: User) -> QuerySet[Employee]:
    """Whose plan and bonus the actor sees: everyone (finance/heads/admin), the group's AMs and
    oneself (group head), only oneself (AM)."""
    employee = _employee(actor)
    if employee is None or employee.role == Role.SPECIALIST:
        return Employee.objects.none()
    base = Employee.objects.filter(agency_id=employee.agency_id)
    if employee.role in MONEY_ALL_ROLES:
        return base
    if employee.role == Role.GROUP_HEAD:
        return base.filter(Q(group_id__in=head_group_ids(employee)) | Q(pk=employee.pk))
    return base.filter(pk=employee.pk)


def plan_employee_get_for(actor: User, employee_id: int | str) -> Employee:
    return _get(plan_employees_visible_to(actor).select_related("group", "agency"), employee_id)


def plans_visible_to(actor: User) -> QuerySet[PaymentPlan]:
    return PaymentPlan.objects.filter(employee__in=plan_employees_visible_to(actor))


def bonus_statement_employees_buildable_by(actor: User) -> QuerySet[Employee]:
    """Whose bonus statement the actor may (re)build: anyone of the agency for finance, heads and
    admins; the AMs of their groups for a group head (whose plans they set, not their own); nobody
    for an AM, who only views their own statement."""
    me = _employee(actor)
    if me is None:
        return Employee.objects.none()
    if can_manage_settings(actor) or me.role in PLAN_ALL_ROLES:
        return plan_employees_visible_to(actor)
    if me.role == Role.GROUP_HEAD:
        return plan_employees_visible_to(actor).exclude(pk=me.pk)
    return Employee.objects.none()


def can_build_bonus_statement(actor: User, employee: Employee) -> bool:
    """The rule of `bonus_statement_employees_buildable_by` for one employee."""
    return bonus_statement_employees_buildable_by(actor).filter(pk=employee.pk).exists()


def can_set_plan(actor: User, employee: Employee) -> bool:
    """The head of accounts and admins set anyone's plan; a group head their group's AMs' plans."""
    me = _employee(actor)
    if me is None or me.agency_id != employee.agency_id:
        return False
    if me.role in PLAN_ALL_ROLES:
        return True
    if me.role == Role.GROUP_HEAD and employee.pk != me.pk:
        return plan_employees_visible_to(actor).filter(pk=employee.pk).exists()
    return False


def loyalty_rules_visible_to(actor: User) -> QuerySet[LoyaltyRule]:
    """The agency's loyalty rules: everyone in the agency may read them (the discount on an
    invoice is explained by its rule); only settings managers change them."""
    employee = _employee(actor)
    if employee is None:
        return LoyaltyRule.objects.none()
    return LoyaltyRule.objects.filter(agency_id=employee.agency_id)


def loyalty_rule_get_for(actor: User, rule_id: int | str) -> LoyaltyRule:
    return _get(loyalty_rules_visible_to(actor), rule_id)


def can_decide_retainer_overage(actor: User, line: ContractLine) -> bool:
    """Bill or write off a retainer line's over-service: the people who write invoices
    (finance, head of accounts, admin) of the line's agency. The AM sees the balance and the
    decision but does not take it."""
    employee = _employee(actor)
    return can_manage_money(actor) and employee is not None and employee.agency_id == line.contract.agency_id


def retainer_lines_visible_to(actor: User) -> QuerySet[ContractLine]:
    """Retainer balances (hours and money of a line) are seen by whoever sees the client's money:
    finance, heads and admins all; a group head their groups' clients; an AM only the clients
    they are responsible for; specialists none."""
    return ContractLine.objects.filter(contract__client__in=money_clients_visible_to(actor))


def retainer_line_get_for(actor: User, line_id: int | str) -> ContractLine:
    """A line whose retainer the actor may see, with contract, client and service loaded; the
    same NotFound for missing and forbidden lines."""
    return _get(  # type: ignore[no-any-return]
        retainer_lines_visible_to(actor).select_related(
            "contract__client__account_manager", "contract__agency", "service", "retainer_terms"),
        line_id,
    )


def can_view_retainer(actor: User, line: ContractLine) -> bool:
    return retainer_lines_visible_to(actor).filter(pk=line.pk).exists()


def can_export_onec(actor: User) -> bool:
    """Finance, the head of accounts and admins hand the agency's documents to 1C (they see all
    of its money); everyone else gets 404 on the export page and 403/404 in the API."""
    return sees_all_money(actor)


def onec_exports_visible_to(actor: User) -> QuerySet[OneCExport]:
    """The agency's exports, for those who may export; nothing for others."""
    employee = _employee(actor)
    if employee is None or not can_export_onec(actor):
        return OneCExport.objects.none()
    return OneCExport.objects.filter(agency_id=employee.agency_id)


def onec_export_get_for(actor: User, export_id: int | str) -> OneCExport:
    """One export of the actor's agency; missing and forbidden are the same NotFound."""
    return _get(onec_exports_visible_to(actor), export_id)  # type: ignore[no-any-return]
