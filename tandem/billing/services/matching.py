"""Matching an incoming payment: one rule for the statement import and manual entry (issue 10).

The payer is known when exactly one client of the agency has the payer's INN (or a person chose
the client when entering the payment). Then, in this order:

1. The purpose cites open invoices of that client → they are paid in the order cited, the rest
   is the client's credit. Certain: no review (unless it also cites another client's invoice).
2. The purpose cites an invoice of a *different* client (payer known or not) → nothing is
   allocated: the payment waits in the queue with that invoice and its client as the suggestion
   («оплата за третье лицо?»). The same when the payer is unknown and the purpose cites any
   invoice.
3. No usable citation, payer known: exactly one open invoice with exactly the paid amount → that
   one; the amount equals the whole open balance → all of them; otherwise the earliest due first
   (ГК РФ ст. 319.1). Always «на проверку», with the reason.
4. Payer unknown, no citation → the queue, with a client suggested when the payer's account or
   name was seen on an earlier payment of exactly one client, or the name is a client's legal name.

A cited token is an invoice number as written («2026-0012») or without its year prefix («12»,
«0012»): the latter is matched by sequence number, the payer's own invoices first. The reason
never says the purpose has no invoice number when it has one: it names the cited numbers and why
they could not be used (not found, already paid, cancelled, another client's).

Reads only. `MatchLookup` holds every row matching may read, loaded in a constant number of
queries for a whole statement (or for one manual payment), so matching runs no queries per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models.functions import Upper
from django.utils.translation import get_language, gettext

from tandem.clients.models import Client
from tandem.core.money import ZERO, format_money, to_money
from tandem.integrations.bank_statement import extract_invoice_refs, invoice_seq
from tandem.org.models import Agency

from ..calc import allocate_fifo
from ..models import OPEN_STATUSES, Invoice, InvoiceStatus, MatchBasis, Payment

_CHUNK = 2000


@lru_cache(maxsize=256)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    """gettext, remembered per language: a statement asks for the same few phrases thousands of
    times, and Django's lookup is a noticeable part of a 10,000-line import."""
    return _translated(get_language(), message)


def chunks(items: list[Any]) -> list[list[Any]]:
    """IN-lists of bounded size (SQLite caps the number of query parameters)."""
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)] or [[]]


def rub(amount: Decimal) -> str:
    """«1 234,50 ₽» — money in a reason, written as on documents (`core.money.format_money`)."""
    return f"{format_money(amount)}\u00a0₽"


_NAME_NOISE = re.compile(r"\b(ооо|оао|зао|пао|ао|ип|нко|ано)\b|[\"«»'.,]", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """A payer or client name without legal form, quotes and case: «ООО "Альфа"» → «альфа»."""
    return " ".join(_NAME_NOISE.sub(" ", name.lower().replace("ё", "е")).split())


@dataclass(frozen=True)
class Payer:
    """What matching reads from an incoming document or a manual entry."""

    inn: str
    purpose: str
    name: str = ""
    account: str = ""


@dataclass(frozen=True)
class _Row:
    pk: int
    number: str
    client_id: int
    status: str


@dataclass(frozen=True)
class Cited:
    """A token cited in the purpose and what it turned out to be. `row` is None when no invoice
    has that number; `ambiguous` when a number without year fits several invoices."""

    token: str
    row: _Row | None = None
    ambiguous_clients: frozenset[int] = frozenset()

    @property
    def found(self) -> bool:
        return self.row is not None or bool(self.ambiguous_clients)


class MatchLookup:
    """Clients, invoices and earlier payers for matching, loaded once (see `load_lookup`).

    Invoices of the clients matching may pay are model instances locked for the transaction;
    allocations change them in memory (the statement import), so their `status` and
    `paid_amount` are always what the database would return. Other invoices are light rows, only
    read to recognise a citation of another client's invoice (never paid automatically)."""

    def __init__(
        self, *, clients: list[Client], names: dict[int, str], invoices: list[Invoice], rows: list[_Row],
        by_account: dict[str, set[int]], by_payer_name: dict[str, set[int]],
    ) -> None:
        self.by_inn: dict[str, list[Client]] = {}
        for c in clients:
            self.by_inn.setdefault(c.inn, []).append(c)
        self.names = names
        self.objects: dict[int, Invoice] = {inv.pk: inv for inv in invoices}
        self.of_client: dict[int, list[Invoice]] = {}
        for inv in invoices:
            self.of_client.setdefault(inv.client_id, []).append(inv)
        for group in self.of_client.values():
            group.sort(key=lambda inv: (inv.due_date, inv.pk))
        self.by_number: dict[str, _Row] = {}
        self.by_pk: dict[int, _Row] = {row.pk: row for row in rows}
        self.by_seq: dict[int, list[tuple[_Row, str]]] = {}
        for row in rows:
            self.by_number.setdefault(row.number.upper(), row)
            seq = invoice_seq(row.number)
            if seq is not None and row.status in OPEN_STATUSES:
                self.by_seq.setdefault(seq[0], []).append((row, seq[1]))
        self.by_account = by_account
        self.by_payer_name = by_payer_name
        self.by_legal_name: dict[str, set[int]] = {}
        for pk, name in names.items():
            self.by_legal_name.setdefault(normalize_name(name), set()).add(pk)

    # --- reads -------------------------------------------------------------------------------

    def clients_by_inn(self, inn: str) -> list[Client]:
        return self.by_inn.get(inn, [])[:2] if inn else []

    def client_name(self, client_id: int | None) -> str:
        return self.names.get(client_id or 0, "") if client_id else ""

    def status(self, row: _Row) -> str:
        obj = self.objects.get(row.pk)
        return obj.status if obj is not None else row.status

    def invoice_number(self, pk: int | None) -> str:
        row = self.by_pk.get(pk or 0)
        return row.number if row is not None else ""

    def invoice(self, pk: int) -> Invoice | None:
        return self.objects.get(pk)

    def open_invoices(self, client: Client) -> list[Invoice]:
        return [inv for inv in self.of_client.get(client.pk, []) if inv.status in OPEN_STATUSES]

    def resolve(self, tokens: Sequence[str], client_id: int | None) -> list[Cited]:
        """What each cited token is: the invoice with exactly that number; else the open invoice
        with that sequence number (year prefix omitted or abbreviated) — the payer's own one if
        exactly one fits, else the only one of the agency; several → ambiguous."""
        result = []
        for token in tokens:
            row = self.by_number.get(token.upper())
            if row is not None:
                result.append(Cited(token, row))
                continue
            seq = invoice_seq(token)
            if seq is None:
                result.append(Cited(token))
                continue
            number, year = seq
            fits = [
                r for r, r_year in self.by_seq.get(number, [])
                if (not year or not r_year or year[-2:] == r_year[-2:]) and self.status(r) in OPEN_STATUSES
            ]
            own = [r for r in fits if r.client_id == client_id]
            if len(own) == 1:
                result.append(Cited(token, own[0]))
            elif own:
                result.append(Cited(token, ambiguous_clients=frozenset({client_id or 0})))
            elif len(fits) == 1:
                result.append(Cited(token, fits[0]))
            elif fits:
                result.append(Cited(token, ambiguous_clients=frozenset(r.client_id for r in fits)))
            else:
                result.append(Cited(token))
        return result

    def suggest_client(self, *, name: str, account: str) -> tuple[int | None, str]:
        """A client for an unknown payer and the words why: the payer account seen on earlier
        payments of exactly one client, else the payer name seen so, else a client's legal name."""
        ids = self.by_account.get(account, set()) if account else set()
        if len(ids) == 1:
            pk = next(iter(ids))
            return pk, _("счёт плательщика %(acc)s уже встречался в платежах клиента «%(c)s»") % {
                "acc": account, "c": self.client_name(pk)}
        key = normalize_name(name)
        for source, words in (
            (self.by_payer_name, _("плательщик «%(n)s» уже платил за клиента «%(c)s»")),
            (self.by_legal_name, _("название плательщика «%(n)s» совпадает с клиентом «%(c)s»")),
        ):
            ids = source.get(key, set()) if key else set()
            if len(ids) == 1:
                pk = next(iter(ids))
                return pk, words % {"n": name, "c": self.client_name(pk)}
        return None, ""


# --- loading -----------------------------------------------------------------------------------


# What matching and allocation read from an invoice (and its client, only to assign it).
_MATCH_FIELDS = (
    "id", "agency_id", "client_id", "number", "date", "due_date", "status", "total", "paid_amount", "client__id",
)


def load_lookup(agency: Agency, payers: Iterable[Payer], *, client_ids: Iterable[int] = (),
                extra_inns: Iterable[str] = ()) -> MatchLookup:
    """Everything matching can read for these payers, in a constant number of queries: clients by
    the payers' INNs (and `extra_inns`, e.g. refund recipients), every client's name, the numbers
    of the agency's open invoices and of the invoices cited exactly in a purpose, the open
    invoices of the clients matching may pay (identified by INN, or `client_ids`) locked with
    `select_for_update` (inside a transaction), and the accounts and names of earlier payers for
    unknown payers."""
    payers = list(payers)
    inns = sorted({p.inn for p in payers if p.inn} | {i for i in extra_inns if i})
    refs = sorted({r.upper() for p in payers for r in extract_invoice_refs(p.purpose)})
    clients: list[Client] = []
    for part in chunks(inns):
        if part:
            clients += Client.objects.filter(agency=agency, inn__in=part)
    per_inn: dict[str, int] = {}
    for c in clients:
        per_inn[c.inn] = per_inn.get(c.inn, 0) + 1
    payable = {c.pk for c in clients if per_inn[c.inn] == 1} | set(client_ids)
    names = {
        pk: brand or legal
        for pk, brand, legal in Client.objects.filter(agency=agency).values_list("pk", "brand_name", "legal_name")
    }
    rows = [
        _Row(pk, number, client_id, status)
        for pk, number, client_id, status in Invoice.objects.filter(agency=agency, status__in=OPEN_STATUSES)
        .exclude(number="").order_by().values_list("pk", "number", "client_id", "status")
    ]
    for part in chunks(refs):
        if part:
            rows += [
                _Row(pk, number, client_id, status)
                for pk, number, client_id, status in Invoice.objects.annotate(number_upper=Upper("number"))
                .filter(agency=agency, number_upper__in=part).exclude(status__in=OPEN_STATUSES)
                .exclude(status=InvoiceStatus.DRAFT).order_by().values_list("pk", "number", "client_id", "status")
            ]
    invoices: list[Invoice] = []
    # Locked when called inside a transaction (recording or importing); a bare read does not lock.
    lock = transaction.get_connection().in_atomic_block
    for part in chunks(sorted(payable)):
        if part:
            qs = Invoice.objects.filter(agency=agency, status__in=OPEN_STATUSES, client_id__in=part).select_related(
                "client").only(*_MATCH_FIELDS).order_by("pk")
            invoices += qs.select_for_update(of=("self",)) if lock else qs
    unknown = [p for p in payers if per_inn.get(p.inn) != 1]
    accounts = sorted({p.account for p in unknown if p.account})
    payer_names = sorted({p.name for p in unknown if p.name})
    by_account: dict[str, set[int]] = {}
    by_payer_name: dict[str, set[int]] = {}
    earlier = Payment.objects.filter(agency=agency, client__isnull=False).order_by()
    for part in chunks(accounts):
        if part:
            for account, client_id in earlier.filter(payer_account__in=part).values_list(
                "payer_account", "client_id"
            ).distinct():
                by_account.setdefault(account, set()).add(client_id)
    for part in chunks(payer_names):
        if part:
            for name, client_id in earlier.filter(payer_name__in=part).values_list("payer_name", "client_id").distinct():
                by_payer_name.setdefault(normalize_name(name), set()).add(client_id)
    return MatchLookup(
        clients=clients, names=names, invoices=invoices, rows=rows, by_account=by_account,
        by_payer_name=by_payer_name,
    )


# --- the rule ----------------------------------------------------------------------------------


@dataclass
class MatchResult:
    client: Client | None
    allocations: list[tuple[Invoice, Decimal]] = field(default_factory=list)
    basis: str = ""
    needs_review: bool = False
    reason: str = ""
    suggested_client_id: int | None = None
    suggested_invoice_id: int | None = None

    @property
    def note(self) -> str:
        return self.reason


def _numbers(items: Iterable[str]) -> str:
    return ", ".join(f"№\u00a0{n}" for n in items)


def _why_unusable(lookup: MatchLookup, cited: list[Cited], client_id: int | None) -> list[str]:
    """Plain words for each cited token that cannot be paid for the payer."""
    words = []
    for c in cited:
        if c.row is None and not c.ambiguous_clients:
            words.append(_("счёта № %(t)s среди счетов агентства нет") % {"t": c.token})
        elif c.row is None:
            words.append(_("№ %(t)s подходит к нескольким счетам — какой из них, неясно") % {"t": c.token})
        elif c.row.client_id == client_id:
            status = lookup.status(c.row)
            if status == InvoiceStatus.PAID:
                words.append(_("счёт № %(n)s уже оплачен") % {"n": c.row.number})
            elif status == InvoiceStatus.CANCELLED:
                words.append(_("счёт № %(n)s аннулирован") % {"n": c.row.number})
    return words


def match_payment(
    *,
    agency: Agency,
    amount: Decimal,
    payer_inn: str,
    purpose: str,
    client: Client | None = None,
    payer_name: str = "",
    payer_account: str = "",
    lookup: MatchLookup | None = None,
) -> MatchResult:
    """Decide the client, the invoices and whether a person must look (reads only; the rule is
    in the module docstring). `client` is a client chosen by a person (manual entry): it counts
    as the known payer. `lookup` answers the reads (loaded for this one payment by default; the
    statement import passes the rows it loaded and locked for the whole file)."""
    source = lookup or load_lookup(
        agency, [Payer(payer_inn, purpose, payer_name, payer_account)], client_ids=[client.pk] if client else []
    )
    amount = to_money(amount)
    known_how = ""
    unknown_why = ""
    basis_unknown = MatchBasis.UNKNOWN_PAYER
    if client is not None:
        known_how = _("Клиент «%(c)s» выбран при вводе платежа.") % {"c": client.display_name}
    elif payer_inn:
        candidates = source.clients_by_inn(payer_inn)
        if len(candidates) == 1:
            client = candidates[0]
            known_how = _("По ИНН %(inn)s плательщик — клиент «%(c)s».") % {"inn": payer_inn, "c": client.display_name}
        elif candidates:
            unknown_why = _("ИНН %(inn)s у нескольких клиентов — нужно выбрать, чей это платёж.") % {"inn": payer_inn}
            basis_unknown = MatchBasis.AMBIGUOUS_PAYER
        else:
            unknown_why = _("Плательщика с ИНН %(inn)s среди клиентов нет.") % {"inn": payer_inn}
    else:
        unknown_why = _("В платеже нет ИНН плательщика.")
    client_id = client.pk if client is not None else None
    refs = extract_invoice_refs(purpose)
    cited = source.resolve(refs, client_id)
    foreign = [c for c in cited if c.found and (c.row is None or c.row.client_id != client_id)]
    foreign = [c for c in foreign if not (c.row is None and c.ambiguous_clients == {client_id or 0})]

    if client is None:
        return _queue(source, amount, unknown_why, basis_unknown, foreign, cited, payer_name, payer_account)

    own: list[Invoice] = []
    for c in cited:
        if c.row is not None and c.row.client_id == client_id:
            inv = source.invoice(c.row.pk)
            if inv is not None and inv.status in OPEN_STATUSES and inv not in own:
                own.append(inv)
    if own:
        return _pay_cited(source, client, amount, own, known_how, foreign, cited)
    if foreign:
        return _third_party(source, client, amount, known_how, foreign)
    return _pay_uncited(source, client, amount, known_how, refs, cited)


def _first_suggestion(source: MatchLookup, foreign: list[Cited]) -> tuple[int | None, int | None, str]:
    """(client id, open invoice id, words) of the first cited invoice of another client."""
    for c in foreign:
        if c.row is not None:
            status = source.status(c.row)
            open_id = c.row.pk if status in OPEN_STATUSES else None
            what = _("счёт № %(n)s клиента «%(c)s»") % {"n": c.row.number, "c": source.client_name(c.row.client_id)}
            if status == InvoiceStatus.PAID:
                what += " " + _("(он уже оплачен)")
            elif status == InvoiceStatus.CANCELLED:
                what += " " + _("(он аннулирован)")
            return c.row.client_id, open_id, what
    clients = {pk for c in foreign for pk in c.ambiguous_clients}
    if len(clients) == 1:
        pk = next(iter(clients))
        return pk, None, _("один из счетов клиента «%(c)s» (№ %(t)s)") % {
            "c": source.client_name(pk), "t": foreign[0].token}
    return None, None, _("№ %(t)s — счета нескольких клиентов") % {"t": foreign[0].token}


def _queue(
    source: MatchLookup, amount: Decimal, unknown_why: str, basis: str, foreign: list[Cited], cited: list[Cited],
    payer_name: str, payer_account: str,
) -> MatchResult:
    """Rules 2 and 4 for an unknown payer: nothing allocated, a suggestion if there is one."""
    if foreign:
        client_id, invoice_id, what = _first_suggestion(source, foreign)
        reason = " ".join([
            unknown_why,
            _("В назначении указан %(what)s — оплата за третье лицо или новый ИНН клиента? "
              "Подтвердите предложение или выберите клиента и счёт.") % {"what": what},
        ])
        return MatchResult(client=None, basis=MatchBasis.THIRD_PARTY, needs_review=True, reason=reason,
                           suggested_client_id=client_id, suggested_invoice_id=invoice_id)
    parts = [unknown_why]
    if cited:
        parts.append(_("В назначении указано: %(w)s.") % {"w": "; ".join(_why_unusable(source, cited, None))})
    else:
        parts.append(_("В назначении нет номера счёта."))
    client_id, why = source.suggest_client(name=payer_name, account=payer_account)
    if client_id is not None:
        parts.append(_("Возможно, это клиент «%(c)s»: %(why)s.") % {"c": source.client_name(client_id), "why": why})
    else:
        parts.append(_("Выберите клиента вручную."))
    return MatchResult(client=None, basis=basis, needs_review=True, reason=" ".join(parts),
                       suggested_client_id=client_id)


def _plan(amount: Decimal, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
    by_pk = {inv.pk: inv for inv in invoices}
    return [(by_pk[pk], part) for pk, part in allocate_fifo(amount, [(i.pk, i.total - i.paid_amount) for i in invoices])]


def _rest(amount: Decimal, allocations: list[tuple[Invoice, Decimal]]) -> str:
    rest = amount - sum((part for _inv, part in allocations), ZERO)
    if rest <= 0:
        return ""
    if rest == amount:
        return _("Вся сумма (%(x)s) — аванс клиента.") % {"x": rub(rest)}
    return _("Остаток %(x)s — аванс клиента.") % {"x": rub(rest)}


def _pay_cited(
    source: MatchLookup, client: Client, amount: Decimal, own: list[Invoice], known_how: str, foreign: list[Cited],
    cited: list[Cited],
) -> MatchResult:
    """Rule 1: the client's cited open invoices in the order cited."""
    allocations = _plan(amount, own)
    parts = [known_how, _("Оплачены счета из назначения платежа: %(n)s.") % {
        "n": _numbers(inv.number for inv, _part in allocations)}]
    skipped = _why_unusable(source, cited, client.pk)
    if skipped:
        parts.append(_("Кроме того, в назначении: %(w)s.") % {"w": "; ".join(skipped)})
    parts.append(_rest(amount, allocations))
    result = MatchResult(client=client, allocations=allocations, basis=MatchBasis.CITED)
    if foreign:
        client_id, invoice_id, what = _first_suggestion(source, foreign)
        parts.append(_("В назначении также указан %(what)s — оплата за третье лицо? Проверьте.") % {"what": what})
        result.needs_review = True
        result.suggested_client_id, result.suggested_invoice_id = client_id, invoice_id
    result.reason = " ".join(p for p in parts if p)
    return result


def _third_party(
    source: MatchLookup, client: Client, amount: Decimal, known_how: str, foreign: list[Cited]
) -> MatchResult:
    """Rule 2 for a known payer citing only another client's invoice: not allocated."""
    client_id, invoice_id, what = _first_suggestion(source, foreign)
    reason = " ".join([
        known_how,
        _("Но в назначении указан %(what)s — оплата за третье лицо? Деньги не разнесены: подтвердите "
          "предложение или отнесите платёж клиенту «%(c)s».") % {"what": what, "c": client.display_name},
    ])
    return MatchResult(client=None, basis=MatchBasis.THIRD_PARTY, needs_review=True, reason=reason,
                       suggested_client_id=client_id, suggested_invoice_id=invoice_id)


def _pay_uncited(
    source: MatchLookup, client: Client, amount: Decimal, known_how: str, refs: list[str], cited: list[Cited]
) -> MatchResult:
    """Rule 3: no usable citation, the payer known."""
    if refs:
        lead = _("В назначении указано: %(w)s.") % {"w": "; ".join(_why_unusable(source, cited, client.pk))}
    else:
        lead = _("В назначении платежа нет номера счёта.")
    open_invoices = source.open_invoices(client)
    if not open_invoices:
        reason = " ".join([known_how, lead, _("Открытых счетов у клиента нет."), _rest(amount, [])])
        # An advance by INN is certain; a citation that could not be used needs a person.
        return MatchResult(client=client, basis=MatchBasis.NO_OPEN_INVOICES, needs_review=bool(refs), reason=reason)
    exact = [inv for inv in open_invoices if inv.total - inv.paid_amount == amount]
    balance = sum((inv.total - inv.paid_amount for inv in open_invoices), ZERO)
    if len(exact) == 1:
        allocations = [(exact[0], amount)]
        basis = MatchBasis.EXACT_AMOUNT
        how = _("Сумма совпала с остатком одного открытого счёта — оплачен счёт %(n)s.") % {
            "n": _numbers([exact[0].number])}
    elif amount == balance:
        allocations = _plan(amount, open_invoices)
        basis = MatchBasis.WHOLE_BALANCE
        how = _("Сумма равна всему долгу клиента — оплачены все открытые счета: %(n)s.") % {
            "n": _numbers(inv.number for inv in open_invoices)}
    else:
        allocations = _plan(amount, open_invoices)
        basis = MatchBasis.EARLIEST_DUE
        how = _("Оплачены счета с самым ранним сроком оплаты (ГК РФ ст. 319.1): %(n)s.") % {
            "n": _numbers(inv.number for inv, _part in allocations)}
    reason = " ".join(p for p in [known_how, lead, how, _rest(amount, allocations),
                                  _("Проверьте и подтвердите или перераспределите.")] if p)
    return MatchResult(client=client, allocations=allocations, basis=basis, needs_review=True, reason=reason)
