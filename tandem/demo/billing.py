"""Demo money: a year of monthly retainer invoices with acts and payments (most on time, some
late, some partial, a few unpaid), hourly work invoiced from the logged time, development
advances invoiced by hand (every line billing its contract line, so profitability by project
shows revenue), subcontractor costs, a bonus rule, plans for every AM and
their bonus statements. Skips itself when the agency already has invoices.

Everything goes through tandem.billing services as the finance employee, so numbers, VAT,
reminders and statuses are exactly what the product would produce. A sample statement for
the upload page lies in tandem/demo/data/.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.billing import services
from tandem.billing.models import OPEN_STATUSES, BillingSettings, Invoice, LoyaltyBasis, SubcontractorCost
from tandem.billing.selectors import am_resolver
from tandem.clients.models import LifecycleStatus
from tandem.contracts.models import BillingModel, Contract, ContractLine, ContractStatus
from tandem.core.money import to_money
from tandem.org.models import Employee
from tandem.org.roles import Role

from .context import DemoContext


def _months_back(today: date, n: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(n):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def seed(ctx: DemoContext) -> None:
    agency, rng, today = ctx.agency, ctx.rng, ctx.today
    if Invoice.objects.filter(agency=agency).exists():
        ctx.log("billing: already there, skipped")
        return
    finance = Employee.objects.filter(agency=agency, role=Role.FINANCE, is_active=True).select_related("user").first()
    head = Employee.objects.filter(agency=agency, role=Role.HEAD_OF_ACCOUNTS, is_active=True).select_related("user").first()
    if finance is None or head is None or not Contract.objects.filter(agency=agency).exists():
        ctx.log("billing: no finance, head or contracts yet, skipped")
        return
    actor = finance.user
    BillingSettings.objects.update_or_create(agency=agency, defaults={
        "supplier_name": agency.legal_name or agency.name, "inn": "7707083893", "kpp": "770701001",
        "address": "125009, г. Москва, ул. Тверская, д. 7, офис 12", "bank_name": "ПАО Сбербанк",
        "bik": "044525225", "correspondent_account": "30101810400000000225",
        "bank_account": "40702810938000000001", "director_name": "Смирнова Анна Викторовна",
        "director_position": "Генеральный директор", "accountant_name": "Кузнецова Ольга Петровна",
        "invoice_number_pattern": "{yy}-{seq:04d}", "act_number_pattern": "А{yy}-{seq:04d}",
    })
    services.bonus_rule_set(
        actor=head.user, valid_from=today.replace(year=today.year - 2, day=1), fixed_salary=Decimal("70000"),
        tiers=[(Decimal("80"), Decimal("5")), (Decimal("100"), Decimal("8")), (Decimal("120"), Decimal("10"))],
        note="Нет премии ниже 80 %, выше плана — повышенная доля",
    )
    # Loyalty discounts [003]: long-standing clients and clients buying a set of services pay
    # less; the year of invoices below gets them from the month a client qualifies.
    services.loyalty_rule_create(actor=head.user, name="Два года с нами", basis=LoyaltyBasis.TENURE_MONTHS,
                                 threshold=Decimal("24"), percent=Decimal("5"))
    services.loyalty_rule_create(actor=head.user, name="Комплекс из трёх услуг", basis=LoyaltyBasis.SERVICES_COUNT,
                                 threshold=Decimal("3"), percent=Decimal("7"))
    services.loyalty_rule_create(actor=head.user, name="Крупный клиент", basis=LoyaltyBasis.MONTHLY_VOLUME,
                                 threshold=Decimal("400000"), percent=Decimal("3"), is_active=False)

    months = _months_back(today, 12)
    created = 0
    hourly_contracts = list(
        Contract.objects.filter(agency=agency, lines__billing_model=BillingModel.HOURLY,
                                status__in=[ContractStatus.SIGNED, ContractStatus.CLOSED]).distinct()
        .select_related("client").order_by("pk")
    )
    fixed_lines = list(
        ContractLine.objects.filter(contract__agency=agency, billing_model=BillingModel.FIXED_PRICE,
                                    contract__status__in=[ContractStatus.SIGNED, ContractStatus.CLOSED])
        .select_related("contract", "contract__client", "service").order_by("pk")
    )
    by_hand = 0
    for index, month in enumerate(months):
        # Documents are made in date order: first the hourly invoices for the previous month's
        # time and the development advances, dated the 1st, then the month's retainers.
        if 0 < index < len(months) - 1:
            created += _bill_time(ctx, actor, hourly_contracts, months[index - 1], month, today)
        by_hand += _development_advances(ctx, actor, fixed_lines, month, today, first=by_hand == 0)
        run = services.retainer_invoices_generate(actor=actor, month=month)
        month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for invoice in run.created:
            created += 1
            if month_end < today:
                act = services.act_create(actor=actor, invoice=invoice, date=month_end,
                                          client_signer_position="Генеральный директор")
                if month_end < today - timedelta(days=20):
                    services.act_mark_signed(actor=actor, act=act, signed_on=month_end + timedelta(days=rng.randint(3, 15)))
                elif rng.random() < 0.7:
                    services.act_mark_sent(actor=actor, act=act)
            _pay(ctx, actor, invoice, today)
        for contract in Contract.objects.filter(agency=agency, subcontractor__isnull=False,
                                                invoices__period_start=month).distinct():
            # A share of what the contract billed for that month (not of every line's amount: a
            # fixed-price line is billed once, not monthly).
            fee = sum((inv.subtotal for inv in contract.invoices.filter(period_start=month)), Decimal("0"))
            SubcontractorCost.objects.create(
                agency=agency, client=contract.client, contract=contract, subcontractor=contract.subcontractor,
                date=min(month + timedelta(days=20), today), amount=to_money(fee * Decimal(rng.choice(["0.3", "0.45", "0.6"]))),
                description=f"Работы субподрядчика за {month:%m.%Y}",
            )

    # Contracts of churned clients ran until the churn day (tandem.demo.contracts_work): billed
    # for those months, now closed.
    Contract.objects.filter(agency=agency, client__status=LifecycleStatus.CHURNED, status=ContractStatus.SIGNED,
                            end_date__lt=today).update(status=ContractStatus.CLOSED, closed_at=timezone.now())

    # Each month's plan follows what the AM's clients were invoiced that month (as a head would
    # plan it), so fulfilment of past months lands around 70–120 %; payments of every month are
    # credited to the AM responsible on the payment date (clients carry `served_since`).
    invoiced: dict[tuple[int, date], Decimal] = defaultdict(lambda: Decimal("0"))
    resolve = am_resolver(Invoice.objects.filter(agency=agency).values_list("client_id", flat=True).distinct())
    for client_id, period, total in Invoice.objects.filter(agency=agency, period_start__in=months).values_list(
            "client_id", "period_start", "total"):
        am_id = resolve(client_id, period) if period is not None else None
        if am_id is not None and period is not None:
            invoiced[(am_id, period)] += total
    planners = Employee.objects.filter(agency=agency, role__in=[Role.ACCOUNT_MANAGER, Role.GROUP_HEAD], is_active=True)
    plans = 0
    for am in planners:
        for month in months:
            if not invoiced[(am.pk, month)]:
                continue  # no clients invoiced that month: no plan (a group head without own clients)
            factor = Decimal(rng.choice(["0.85", "0.9", "0.95", "1.0", "1.05"]))
            plan = to_money(max(Decimal("50000"), invoiced[(am.pk, month)] * factor).quantize(Decimal("1000")))
            services.payment_plan_set(actor=head.user, employee=am, month=month, amount=plan)
            plans += 1
            if month < today.replace(day=1):
                services.bonus_statement_build(actor=head.user, employee=am, month=month)
    reviews = _review_examples(ctx, actor, today)
    ctx.log(f"billing: {created} invoices with acts and payments ({by_hand} by hand), {plans} monthly plans, "
            f"{reviews} payments «на проверку» or waiting with a suggestion")


def _review_examples(ctx: DemoContext, actor, today: date) -> int:  # type: ignore[no-untyped-def]
    """Payments the matching rule could not settle alone, so the payments page shows them: three
    clients paying without an invoice number (placed by amount or earliest due, «на проверку»),
    a third party paying another client's invoice, and an unknown payer whose name is a client's
    legal name (both wait in the queue with a suggestion)."""
    open_invoices = list(
        Invoice.objects.filter(agency=ctx.agency, status__in=OPEN_STATUSES).exclude(client__inn="")
        .select_related("client").order_by("due_date", "id")
    )
    by_client: dict[int, list[Invoice]] = {}
    for inv in open_invoices:
        by_client.setdefault(inv.client_id, []).append(inv)
    clients = list(by_client)
    made = 0
    day = today - timedelta(days=2)
    for n, client_id in enumerate(clients[:3]):
        invoices = by_client[client_id]
        client = invoices[0].client
        owed = invoices[0].total - invoices[0].paid_amount
        # One pays exactly an invoice, one a part of its debt, one more than it owes.
        amount = [owed, to_money(owed * Decimal("0.6")), owed + Decimal("15000.00")][n]
        services.payment_record(
            actor=actor, date=day, amount=amount, payer_inn=client.inn, payer_name=client.legal_name,
            purpose=["Оплата по договору оказания услуг. НДС не облагается",
                     "Оплата за услуги продвижения, в т.ч. НДС", "Оплата услуг согласно договору"][n],
        )
        made += 1
    if len(clients) > 3:
        cited = by_client[clients[3]][0]
        services.payment_record(
            actor=actor, date=day, amount=cited.total - cited.paid_amount, payer_inn="5001007329",
            payer_name='ООО "Партнёр-Инвест"',
            purpose=f"Оплата за {cited.client.legal_name} по счету № {cited.number} от {cited.date:%d.%m.%Y}",
        )
        made += 1
    if len(clients) > 4:
        named = by_client[clients[4]][0].client
        services.payment_record(
            actor=actor, date=today - timedelta(days=1), amount=Decimal("25000.00"), payer_name=named.legal_name,
            purpose="Предоплата за услуги",
        )
        made += 1
    return made


def _bill_time(ctx: DemoContext, actor, contracts: list[Contract], worked: date, on: date,  # type: ignore[no-untyped-def]
               today: date) -> int:
    """Hourly work of `worked` invoiced from the logged time on the 1st of the next month, with
    an act the same day. The last month's time is left for «Счёт по часам за месяц»."""
    made = 0
    for contract in contracts:
        try:
            invoice = services.invoice_from_time(actor=actor, contract=contract, month=worked, on=on)
        except ValidationError:
            continue  # no hours that month (e.g. before the contract started)
        invoice = services.invoice_issue(actor=actor, invoice=invoice)
        services.act_create(actor=actor, invoice=invoice, date=on, client_signer_position="Генеральный директор")
        _pay(ctx, actor, invoice, today)
        made += 1
    return made


def _development_advances(ctx: DemoContext, actor, lines: list[ContractLine], month: date,  # type: ignore[no-untyped-def]
                          today: date, first: bool) -> int:
    """A hand-made invoice for half of each fixed price (development) whose contract starts this
    month, billing that contract line. The very first one also has a hosting line left without
    a project, as invoices imported from before projects were tracked do: it shows in
    «Выручка без проекта» for someone to attribute."""
    made = 0
    for line in lines:
        if line.contract.start_date.replace(day=1) != month:
            continue
        inputs = [services.LineInput(name=f"Аванс 50 % по договору {line.contract}: {line.service.name}",
                                     price=to_money(line.amount / 2), contract_line_id=line.pk)]
        if first and made == 0:
            inputs.append(services.LineInput(name="Хостинг и домен на год", price=Decimal("12000"),
                                             contract_line_id=line.pk))
        invoice = services.invoice_create(actor=actor, client=line.contract.client, contract=line.contract,
                                          date=month, lines=inputs)
        if len(inputs) > 1:
            invoice.lines.filter(position=2).update(contract_line=None)
        invoice = services.invoice_issue(actor=actor, invoice=invoice)
        if month < today.replace(day=1):
            services.act_create(actor=actor, invoice=invoice, date=month, client_signer_position="Директор")
        _pay(ctx, actor, invoice, today)
        made += 1
    return made


def _pay(ctx: DemoContext, actor, invoice: Invoice, today: date) -> None:  # type: ignore[no-untyped-def]
    """Most clients pay within terms and now and then late; about one in seven is a poor payer
    that is often late, pays part, or leaves an invoice unpaid — so old debt belongs to a few
    clients, as in a real agency, and the health score's payment factor singles them out."""
    rng = ctx.rng
    roll = rng.random()
    terms = (invoice.due_date - invoice.date).days
    if invoice.client_id % 7 != 3:
        late = roll >= 0.8
        day = (invoice.due_date + timedelta(days=rng.randint(3, 30)) if late
               else invoice.date + timedelta(days=rng.randint(1, max(terms, 1))))
        amount = invoice.total
    elif roll < 0.40:
        day, amount = invoice.date + timedelta(days=rng.randint(1, max(terms, 1))), invoice.total
    elif roll < 0.70:
        day, amount = invoice.due_date + timedelta(days=rng.randint(5, 75)), invoice.total
    elif roll < 0.85:
        day, amount = invoice.date + timedelta(days=rng.randint(2, 40)), to_money(invoice.total * Decimal("0.5"))
    else:
        return
    if day > today:
        return
    purpose = rng.choice([
        f"Оплата по счету № {invoice.number} от {invoice.date:%d.%m.%Y}, в т.ч. НДС",
        f"Оплата сч.{invoice.number} за услуги",
        f"Оплата по договору, счет N{invoice.number}",
    ])
    services.payment_record(
        actor=actor, client=invoice.client, date=day, amount=amount, purpose=purpose,
        payer_name=invoice.client.legal_name, payer_inn=invoice.client.inn,
    )
