"""The whole-agency import: plan every sheet, report by sheet and line, apply all-or-nothing.

Order (each sheet may refer to the ones before it, in the file or already in Tandem):
«Сотрудники» → «Клиенты» → «Контакты» → «Договоры» + «Строки договоров» → «Счета» → «Платежи» →
«Взаимодействия».

Rules:
- The dry run plans every row: create, update, skip (unchanged since the last import, or already in
  Tandem) or error, with the reasons. A file with an error is never applied.
- The real run is one transaction. It writes sheet by sheet through the owning apps' services and
  plans each sheet again against what the previous sheets wrote; any refusal rolls everything back.
- Idempotency: every row's source key (login, contract or invoice number, «Код», else a hash of the
  row's identity) is stored in clients.SourceKey with a fingerprint of its values.
- Employees get an unusable password: nobody can log in as them until they set one through
  «Забыли пароль?» (password reset by e-mail) or an admin sets one. No invitation is sent.
- History keeps its dates: contracts go through their statuses on the contract's date (signed by
  `contract_mark_signed`, so no projects nor onboarding open for work already under way), invoices
  keep their dates and due dates, payments their dates, interactions their time.
- Where the services are bypassed, and why: an imported open invoice keeps the agency's own number
  (it was issued elsewhere), so it is created by `invoice_create` as a draft and then marked issued
  with that number directly instead of `invoice_issue` (which would take the next number of
  Tandem's sequence); no collection reminders and no «invoice.issued» webhook are produced for
  history. Payments go through `payment_record`, so the matching rules allocate them (the cited
  invoice numbers are put into the purpose when the file does not give one).
- Already written objects are updated only where a service allows it: employees, draft contracts
  and interactions. A changed issued invoice, signed contract or recorded payment is skipped with
  the reason (correct it in Tandem).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.billing import services as billing_services
from tandem.billing.models import Invoice, InvoiceStatus, Payment
from tandem.clients import importing
from tandem.clients import permissions as client_permissions
from tandem.clients.importing import (
    ACTION_LABELS,
    CONTRACT_LINES_SHEET,
    CONTRACTS_SHEET,
    CREATE,
    DEALS_SHEET,
    EMPLOYEES_SHEET,
    ERROR,
    INTERACTIONS_SHEET,
    INVOICES_SHEET,
    MAX_IMPORT_BYTES,
    PAYMENTS_SHEET,
    SKIP,
    UPDATE,
    ColumnMapping,
    ImportFailed,
    ImportReport,
    RowResult,
    Sheet,
    choice_words,
    clean_inn,
    email_reason,
    inn_reason,
    norm,
    parse_date,
)
from tandem.clients.models import Client, Contact, ImportRecord, ImportSource, SourceKey
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Interaction, InteractionKind
from tandem.contracts import services as contract_services
from tandem.contracts.models import BillingModel, Contract, ContractStatus, Service, VatMode
from tandem.core.errors import PermissionDenied
from tandem.growth import services as growth_services
from tandem.growth.models import LostReason, Opportunity, Stage
from tandem.org import services as org_services
from tandem.org.models import Employee, Group, User
from tandem.org.permissions import actor_employee
from tandem.org.roles import Grade, Role, Specialty

__all__ = [
    "ACTION_LABELS", "DEALS_DOC", "MAX_IMPORT_BYTES", "SAMPLE_ROWS", "TEMPLATE_DOC", "ImportFailed", "ImportReport", "import_apply",
    "import_apply_staged", "import_check", "import_mapping_save", "import_restage", "import_stage", "sheet_fields",
    "template_xlsx",
]

PENDING: Any = object()  # a row of this file that the real run writes before it is needed

COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    EMPLOYEES_SHEET: {
        "login": ("Логин",), "full_name": ("ФИО",), "role": ("Роль",), "group": ("Группа",),
        "grade": ("Грейд",), "specialty": ("Специализация",), "capacity": ("Ёмкость, ч/мес", "Ёмкость"),
        "email": ("E-mail", "Email"),
    },
    CONTRACTS_SHEET: {
        "number": ("Номер",), "client": ("Клиент",), "date": ("Дата",), "start_date": ("Начало",),
        "end_date": ("Окончание",), "status": ("Статус",), "vat": ("НДС",),
        "terms": ("Срок оплаты, дней", "Срок оплаты"), "notes": ("Примечания",),
    },
    CONTRACT_LINES_SHEET: {
        "contract": ("Номер договора",), "service": ("Услуга",), "billing_model": ("Модель оплаты",),
        "amount": ("Сумма",), "hours": ("Часов в месяц",), "description": ("Описание",),
    },
    INVOICES_SHEET: {
        "number": ("Номер",), "date": ("Дата",), "due_date": ("Оплатить до",), "client": ("Клиент",),
        "contract": ("Договор",), "name": ("Наименование",), "amount": ("Сумма", "Сумма с НДС", "Итого"),
        "vat": ("НДС",), "vat_amount": ("В т. ч. НДС", "Сумма НДС"),
    },
    PAYMENTS_SHEET: {
        "key": ("Код",), "date": ("Дата",), "amount": ("Сумма",), "payer_inn": ("ИНН плательщика",),
        "payer_name": ("Плательщик",), "number": ("Номер п/п",), "invoices": ("Счета",),
        "purpose": ("Назначение платежа", "Назначение"),
    },
    INTERACTIONS_SHEET: {
        "key": ("Код",), "client": ("Клиент",), "contact": ("Контакт",), "kind": ("Вид",), "channel": ("Канал",),
        "when": ("Когда", "Дата и время"), "summary": ("О чём",), "outcome": ("Итог",), "author": ("Автор",),
    },
    DEALS_SHEET: {
        "key": ("ID", "Код"), "title": ("Название сделки", "Название"), "stage": ("Стадия сделки", "Этап сделки", "Этап"),
        "amount": ("Сумма", "Бюджет", "Бюджет ₽"), "client_id": ("ID компании",), "client": ("Компания", "Клиент"),
        "owner": ("Ответственный",), "service": ("Услуга",), "comment": ("Комментарий", "Примечание"),
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    EMPLOYEES_SHEET: ("login", "full_name", "role"),
    CONTRACTS_SHEET: ("number", "client", "date"),
    CONTRACT_LINES_SHEET: ("contract", "service", "billing_model", "amount"),
    INVOICES_SHEET: ("number", "date", "client", "amount"),
    PAYMENTS_SHEET: ("date", "amount"),
    INTERACTIONS_SHEET: ("client", "when", "summary"),
    DEALS_SHEET: ("title", "stage", "client"),
}

# Stages of Bitrix24's default deal pipeline and amoCRM's default leads pipeline (by their
# names in a Russian-language export and by Bitrix24's stage codes) → the growth funnel.
# A stage not listed (a custom pipeline) is read as «идея» and says so in the report.
DEAL_STAGES: dict[str, str] = {
    # Bitrix24
    "новая": Stage.IDEA, "new": Stage.IDEA, "подготовка документов": Stage.OFFERED, "preparation": Stage.OFFERED,
    "счет на предоплату": Stage.PROPOSAL_SENT, "prepayment_invoice": Stage.PROPOSAL_SENT,
    "в работе": Stage.PROPOSAL_SENT, "executing": Stage.PROPOSAL_SENT,
    "финальный счет": Stage.PROPOSAL_SENT, "final_invoice": Stage.PROPOSAL_SENT,
    "сделка успешна": Stage.WON, "won": Stage.WON, "сделка провалена": Stage.LOST, "lose": Stage.LOST,
    "анализ причины провала": Stage.LOST, "apology": Stage.LOST,
    # amoCRM
    "неразобранное": Stage.IDEA, "первичный контакт": Stage.IDEA, "переговоры": Stage.OFFERED,
    "принимают решение": Stage.PROPOSAL_SENT, "согласование договора": Stage.PROPOSAL_SENT,
    "успешно реализовано": Stage.WON, "закрыто и не реализовано": Stage.LOST,
    # Tandem's own names
    **{_label.lower().replace("ё", "е"): _value for _value, _label in ((v, str(label)) for v, label in Stage.choices)},
}

_EXTRA_DOC: dict[str, list[tuple[str, bool, Any]]] = {
    EMPLOYEES_SHEET: [
        ("Логин", True, gettext_lazy("логин для входа; по нему повторный импорт обновляет сотрудника")),
        ("ФИО", True, ""),
        ("Роль", True, gettext_lazy("Руководитель аккаунтинга, Группхэд, Аккаунт-менеджер, Специалист, Финансы "
                                    "или Администратор")),
        ("Группа", False, gettext_lazy("название группы; новая группа будет создана")),
        ("Грейд", False, gettext_lazy("Junior, Middle или Senior")),
        ("Специализация", False, gettext_lazy("для специалиста обязательна: SEO, SMM, Дизайнер…")),
        ("Ёмкость, ч/мес", False, gettext_lazy("по умолчанию 160")),
        ("E-mail", False, gettext_lazy("пароль не задаётся: сотрудник задаёт его через «Забыли пароль?»")),
    ],
    CONTRACTS_SHEET: [
        ("Номер", True, gettext_lazy("номер договора, уникальный в агентстве")),
        ("Клиент", True, gettext_lazy("«Код» или ИНН клиента")),
        ("Дата", True, gettext_lazy("ДД.ММ.ГГГГ")), ("Начало", False, gettext_lazy("по умолчанию — дата договора")),
        ("Окончание", False, ""),
        ("Статус", False, gettext_lazy("Черновик, На согласовании, Подписан или Закрыт (по умолчанию Подписан)")),
        ("НДС", False, gettext_lazy("С НДС или Без НДС")), ("Срок оплаты, дней", False, ""),
        ("Примечания", False, ""),
    ],
    CONTRACT_LINES_SHEET: [
        ("Номер договора", True, gettext_lazy("с листа «Договоры»")),
        ("Услуга", True, gettext_lazy("название из справочника услуг Тандема")),
        ("Модель оплаты", True, gettext_lazy("Ежемесячный абонемент, Фиксированная цена или Почасовая оплата")),
        ("Сумма", True, gettext_lazy("в месяц, за всё или за час, ₽")), ("Часов в месяц", False, ""),
        ("Описание", False, ""),
    ],
    INVOICES_SHEET: [
        ("Номер", True, gettext_lazy("номер счёта, как он выставлен")), ("Дата", True, ""),
        ("Оплатить до", False, gettext_lazy("по умолчанию — по сроку оплаты договора")),
        ("Клиент", True, gettext_lazy("«Код» или ИНН клиента")), ("Договор", False, gettext_lazy("номер договора")),
        ("Наименование", False, ""), ("Сумма", True, gettext_lazy("к оплате, НДС включён, ₽")),
        ("НДС", False, gettext_lazy("С НДС или Без НДС, если нет договора")),
        ("В т. ч. НДС", False, gettext_lazy("сверяется с НДС, посчитанным Тандемом по его ставке")),
    ],
    PAYMENTS_SHEET: [
        ("Код", False, gettext_lazy("ваш код платежа")), ("Дата", True, ""), ("Сумма", True, ""),
        ("ИНН плательщика", False, ""), ("Плательщик", False, ""), ("Номер п/п", False, ""),
        ("Счета", False, gettext_lazy("номера оплаченных счетов через запятую; разносятся по правилам сверки")),
        ("Назначение платежа", False, ""),
    ],
    INTERACTIONS_SHEET: [
        ("Код", False, ""), ("Клиент", True, gettext_lazy("«Код» или ИНН клиента")),
        ("Контакт", False, gettext_lazy("ФИО или e-mail контакта клиента")),
        ("Вид", False, gettext_lazy("Звонок, Встреча, Сообщение, Письмо…")),
        ("Канал", False, gettext_lazy("Телефон, Мессенджер, E-mail, Видеосвязь, Лично")),
        ("Когда", True, gettext_lazy("ДД.ММ.ГГГГ ЧЧ:ММ")), ("О чём", True, ""), ("Итог", False, ""),
        ("Автор", False, gettext_lazy("ФИО сотрудника")),
    ],
}
DEALS_DOC: list[tuple[str, bool, Any]] = [
    ("ID", False, gettext_lazy("ID сделки в CRM; по нему повторный импорт обновляет возможность")),
    ("Название сделки", True, ""),
    ("Стадия сделки / Этап сделки", True, gettext_lazy("стадии Битрикс24 и этапы amoCRM по умолчанию → этапы воронки "
                                                      "роста; незнакомая стадия — «Идея»")),
    ("Сумма / Бюджет", False, gettext_lazy("ожидаемая сумма в месяц, ₽")),
    ("Компания", True, gettext_lazy("название клиента в Тандеме (или «ID компании» из того же CRM)")),
    ("Ответственный", False, gettext_lazy("ФИО сотрудника; иначе — вы")),
    ("Услуга", False, gettext_lazy("услуга из справочника; иначе — первая по алфавиту, с пометкой в отчёте")),
]
TEMPLATE_DOC: dict[str, list[tuple[str, bool, Any]]] = {
    EMPLOYEES_SHEET: _EXTRA_DOC[EMPLOYEES_SHEET], **importing.TEMPLATE_DOC,
    **{k: v for k, v in _EXTRA_DOC.items() if k != EMPLOYEES_SHEET},
}


# ---------------------------------------------------------------- cells


_ROLES, _GRADES, _SPECIALTIES = choice_words(Role.choices), choice_words(Grade.choices), choice_words(
    Specialty.choices)
_CONTRACT_STATUSES = choice_words(ContractStatus.choices)
_VAT = choice_words(VatMode.choices)
_BILLING = choice_words(BillingModel.choices) | {"абонемент": BillingModel.MONTHLY_RETAINER,
                                                  "почасовая": BillingModel.HOURLY, "фикс": BillingModel.FIXED_PRICE}
_KINDS, _CHANNELS = choice_words(InteractionKind.choices), choice_words(CommChannel.choices)


def _columns(sheet: Sheet, overrides: dict[str, str] | None = None) -> dict[str, int]:
    """Field → the column holding it: the agency's saved mapping first, then the aliases."""
    normalized = [norm(h) for h in sheet.headers]
    found: dict[str, list[int]] = {}
    taken: set[int] = set()
    importing.apply_overrides(sheet.headers, overrides, tuple(COLUMNS[sheet.name]), found, taken)
    result = {name: indexes[0] for name, indexes in found.items()}
    for name, aliases in COLUMNS[sheet.name].items():
        if name in result:
            continue
        for alias in aliases:
            matches = [i for i, header in enumerate(normalized) if header == norm(alias) and i not in taken]
            if matches:
                result[name] = matches[0]
                taken.add(matches[0])
                break
    return result


def sheet_fields() -> dict[str, tuple[str, ...]]:
    """Every sheet's fields a column can be mapped to (for the wizard's mapping form)."""
    return {importing.CLIENTS_SHEET: importing.sheet_fields(importing.CLIENTS_SHEET),
            importing.CONTACTS_SHEET: importing.sheet_fields(importing.CONTACTS_SHEET),
            **{name: tuple(columns) for name, columns in COLUMNS.items()}}


def import_mapping_save(*, actor: User, source: str, columns: dict[str, dict[str, str]]) -> None:
    """Save the agency's column mapping of `source` for every sheet (see
    tandem.clients.importing.import_mapping_save); applied from the next check on."""
    importing.import_mapping_save(actor=actor, source=source, columns=columns,
                                  extra_fields={name: tuple(c) for name, c in COLUMNS.items()})


def import_restage(*, actor: User, record: ImportRecord) -> ImportRecord:
    """Check a staged file again (after the mapping changed): its report and counts are replaced."""
    if record.applied_at is not None:
        raise ImportFailed(_("Этот файл уже импортирован."))
    report = import_check(actor=actor, content=bytes(record.content), file_name=record.file_name,
                          source=record.source)
    record.created_count, record.updated_count = report.created, report.updated
    record.skipped_count, record.error_count = report.skipped, report.errors
    record.report = report.to_dict()
    record.save(update_fields=["created_count", "updated_count", "skipped_count", "error_count", "report"])
    return record


def _parse_moment(raw: str) -> datetime | None:
    for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return timezone.make_aware(datetime.strptime(raw.strip(), fmt))
        except ValueError:
            continue
    day = parse_date(raw)
    return timezone.make_aware(datetime.combine(day, time(12))) if day else None


def _parse_money(raw: str) -> Decimal | None:
    text = re.sub(r"[\s\u00a0₽]", "", raw).replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return value


def _hash(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


# ---------------------------------------------------------------- context


@dataclass
class _Row:
    result: RowResult
    key: str
    data: dict[str, Any]
    fingerprint: str
    existing: Any = None
    refs: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Ctx:
    actor: User
    agency_id: int
    source: str
    report: ImportReport
    keys: dict[tuple[str, str], SourceKey]
    clients: importing._Plan | None = None
    employees_by_name: dict[str, Any] = field(default_factory=dict)
    file_contracts: dict[str, _Row] = field(default_factory=dict)
    file_invoices: dict[str, _Row] = field(default_factory=dict)
    sheets: list[Sheet] = field(default_factory=list)
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    def known(self, kind: str, key: str) -> SourceKey | None:
        return self.keys.get((kind, key))

    def client(self, ref: str) -> Any:
        """A client by its «Код» (source key) or INN: in Tandem, or PENDING when this file creates
        it; None when nowhere; ERROR when its row has an error."""
        ref = ref.strip()
        if ref not in self._clients:
            self._clients[ref] = self._find_client(ref)
        return self._clients[ref]

    def _find_client(self, ref: str) -> Any:
        known = SourceKey.objects.filter(agency_id=self.agency_id, source=self.source, kind=SourceKey.Kind.CLIENT,
                                         key=ref).values_list("object_id", flat=True).first()
        if known is not None:
            found = Client.objects.filter(agency_id=self.agency_id, pk=known).first()
            if found is not None:
                return found
        if re.fullmatch(r"\d{10}|\d{12}", ref):
            found = Client.objects.filter(agency_id=self.agency_id, inn=ref).first()
            if found is not None:
                return found
        for planned in self.clients.clients if self.clients else []:
            if planned.key == ref or (planned.data.get("inn") and planned.data["inn"] == ref):
                if planned.result.action == ERROR:
                    return ERROR
                if planned.data.get("inn"):  # a duplicate of a client already in Tandem: that client
                    found = Client.objects.filter(agency_id=self.agency_id, inn=planned.data["inn"]).first()
                    if found is not None:
                        return found
                return PENDING
        return None


def _ref_reason(what: str, ref: str, found: Any) -> str | None:
    if found is None:
        return _("%(what)s «%(ref)s» не найден ни в файле, ни в Тандеме.") % {"what": what, "ref": ref}
    if found is ERROR:
        return _("%(what)s «%(ref)s» — строка с ошибкой.") % {"what": what, "ref": ref}
    return None


def _finish(ctx: _Ctx, row: _Row, reasons: list[str], kind: str, model: Any, *, updatable: bool,
            locked_reason: str = "") -> _Row:
    """Decide the row's action once its values are read: error, skip (unchanged), update or create."""
    result = row.result
    if reasons:
        result.action, result.reasons = ERROR, reasons
        return row
    known = ctx.known(kind, row.key)
    if known is not None:
        row.existing = model.objects.filter(pk=known.object_id).first()
    if row.existing is not None:
        assert known is not None
        if known.fingerprint == row.fingerprint:
            result.action, result.reasons = SKIP, [_("Не изменился с прошлого импорта.")]
        elif not updatable:
            result.action, result.reasons = SKIP, [locked_reason]
        else:
            result.action = UPDATE
            result.changed = [n for n, v in row.data.items() if hasattr(row.existing, n)
                              and getattr(row.existing, n) != v]
    return row


def _rows(ctx: _Ctx, sheet: Sheet | None) -> list[tuple[int, Any]]:
    """The sheet's (line, getter) pairs; a file error when a required column is missing."""
    if sheet is None:
        return []
    columns = _columns(sheet, ctx.overrides.get(sheet.name))
    used = {i: name for name, i in columns.items()}
    ctx.report.mapping += [ColumnMapping(sheet.name, h, used.get(i, "")) for i, h in enumerate(sheet.headers) if h]
    missing = [COLUMNS[sheet.name][name][0] for name in REQUIRED[sheet.name] if name not in columns]
    if missing:
        ctx.report.file_errors.append(_("Лист «%(sheet)s»: нет столбцов %(cols)s.")
                                      % {"sheet": sheet.name, "cols": ", ".join(f"«{m}»" for m in missing)})
        return []

    def getter(cells: list[str]) -> Any:
        return lambda name: cells[columns[name]].strip() if name in columns and columns[name] < len(cells) else ""

    return [(line, getter(cells)) for line, cells in sheet.rows]


# ---------------------------------------------------------------- employees


def _plan_employees(ctx: _Ctx, sheet: Sheet | None) -> list[_Row]:
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    groups = {norm(g.name): g for g in Group.objects.filter(agency_id=ctx.agency_id)}
    for line, v in _rows(ctx, sheet):
        login, full_name = v("login"), v("full_name")
        reasons: list[str] = []
        result = RowResult(EMPLOYEES_SHEET, line, login, full_name or login or "—", CREATE)
        if not login or not re.fullmatch(r"[\w.@+-]{1,150}", login):
            reasons.append(_("Логин «%(v)s»: буквы, цифры и . @ + - _, без пробелов.") % {"v": login})
        if not full_name:
            reasons.append(_("Не указано ФИО."))
        data: dict[str, Any] = {"full_name": full_name}
        for name, words, label in (("role", _ROLES, _("Роль")), ("grade", _GRADES, _("Грейд")),
                                   ("specialty", _SPECIALTIES, _("Специализация"))):
            raw = v(name)
            if raw and norm(raw) not in words:
                reasons.append(_("%(col)s «%(value)s»: нет такого значения.") % {"col": label, "value": raw})
            elif raw:
                data[name] = words[norm(raw)]
        if data.get("role") == Role.SPECIALIST and not data.get("specialty"):
            reasons.append(_("Укажите специализацию специалиста."))
        raw_capacity = v("capacity")
        if raw_capacity:
            if raw_capacity.isdigit() and 1 <= int(raw_capacity) <= 744:
                data["monthly_capacity_hours"] = int(raw_capacity)
            else:
                reasons.append(_("Ёмкость «%(v)s»: целое число часов в месяц.") % {"v": raw_capacity})
        email = v("email").lower()
        if email and (reason := email_reason(email)):
            reasons.append(reason)
        group_name = v("group")
        if group_name and norm(group_name) not in groups:
            result.reasons.append(_("Группа «%(g)s» будет создана.") % {"g": group_name})
        if login in seen:
            reasons.append(_("Логин %(v)s уже встречается в строке %(line)s.") % {"v": login, "line": seen[login]})
        seen.setdefault(login, line)
        row = _Row(result, login, data, _hash(sorted(data.items()), group_name, email), refs={
            "group": group_name, "email": email})
        if not reasons and ctx.known(SourceKey.Kind.EMPLOYEE, login) is None:
            user = User.objects.filter(username=login).select_related("employee").first()
            if user is not None:
                mine = getattr(user, "employee", None) is not None and user.employee.agency_id == ctx.agency_id
                if mine:
                    result.action, result.reasons = SKIP, [_("Сотрудник с логином %(v)s уже есть в Тандеме.")
                                                           % {"v": login}]
                    ctx.employees_by_name.setdefault(norm(full_name), user.employee)
                    planned.append(row)
                    continue
                reasons.append(_("Логин %(v)s занят.") % {"v": login})
        _finish(ctx, row, reasons, SourceKey.Kind.EMPLOYEE, Employee, updatable=True)
        if row.result.action != ERROR:
            ctx.employees_by_name.setdefault(norm(full_name), row.existing or Employee(
                agency_id=ctx.agency_id, full_name=full_name, role=data.get("role", "")))
        planned.append(row)
    return planned


def _apply_employees(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    for row in rows:
        if row.result.action not in (CREATE, UPDATE):
            continue
        data = dict(row.data)
        group_name = row.refs["group"]
        if group_name:
            group = Group.objects.filter(agency_id=ctx.agency_id, name__iexact=group_name).first()
            data["group"] = group or org_services.group_create(actor=ctx.actor, data={"name": group_name})
        with _guard(row):
            _write_employee(ctx, row, data, record)


def _write_employee(ctx: _Ctx, row: _Row, data: dict[str, Any], record: ImportRecord) -> None:
    if row.result.action == CREATE:
        employee = org_services.employee_create(actor=ctx.actor, username=row.key, email=row.refs["email"],
                                                password=None, data=data)
    else:
        employee = org_services.employee_update(actor=ctx.actor, employee=row.existing, data=data)
    _save_key(ctx, SourceKey.Kind.EMPLOYEE, row, employee.pk, record)


# ---------------------------------------------------------------- contracts


def _plan_contracts(ctx: _Ctx, sheet: Sheet | None, lines_sheet: Sheet | None) -> list[_Row]:
    today = timezone.localdate()
    lines: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    line_errors: dict[str, list[str]] = {}
    services = {norm(s.name): s for s in Service.objects.filter(agency_id=ctx.agency_id, is_active=True)}
    for line, v in _rows(ctx, lines_sheet):
        number, reasons = v("contract"), []
        service = services.get(norm(v("service")))
        if service is None:
            reasons.append(_("Услуга «%(s)s» не найдена в справочнике услуг Тандема.") % {"s": v("service")})
        model = _BILLING.get(norm(v("billing_model")))
        if model is None:
            reasons.append(_("Модель оплаты «%(v)s»: нет такой.") % {"v": v("billing_model")})
        amount = _parse_money(v("amount"))
        if amount is None or amount < 0:
            reasons.append(_("Сумма «%(v)s»: нужно число не меньше нуля.") % {"v": v("amount")})
        hours = _parse_money(v("hours") or "0")
        if hours is None or hours < 0:
            reasons.append(_("Часов в месяц «%(v)s»: нужно число.") % {"v": v("hours")})
        if reasons:
            line_errors.setdefault(number, []).extend(
                _("Строка %(line)s листа «%(sheet)s»: %(r)s") % {"line": line, "sheet": CONTRACT_LINES_SHEET, "r": r}
                for r in reasons)
            ctx.report.rows.append(RowResult(CONTRACT_LINES_SHEET, line, number, v("service") or "—", ERROR, reasons))
            continue
        lines.setdefault(number, []).append((line, {
            "service": service, "billing_model": model, "amount": amount, "planned_hours_per_month": hours,
            "description": v("description")}))
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    for line, v in _rows(ctx, sheet):
        number, reasons = v("number"), []
        result = RowResult(CONTRACTS_SHEET, line, number, number or "—", CREATE)
        client = ctx.client(v("client"))
        reason = _ref_reason(_("Клиент"), v("client"), client)
        if reason:
            reasons.append(reason)
        dates: dict[str, date | None] = {}
        for name in ("date", "start_date", "end_date"):
            raw = v(name)
            dates[name] = parse_date(raw) if raw else None
            if raw and dates[name] is None:
                reasons.append(_("Дата «%(v)s»: нужна ДД.ММ.ГГГГ.") % {"v": raw})
        start = dates["start_date"] or dates["date"]
        if dates["end_date"] and start and dates["end_date"] < start:
            reasons.append(_("Окончание раньше начала."))
        status = _CONTRACT_STATUSES.get(norm(v("status")) if v("status") else ContractStatus.SIGNED)
        if status is None:
            reasons.append(_("Статус «%(v)s»: нет такого.") % {"v": v("status")})
        elif status != ContractStatus.DRAFT and dates["date"] and dates["date"] > today:
            reasons.append(_("Договор в статусе «%(s)s» не может быть датирован будущим.")
                           % {"s": ContractStatus(status).label})
        if status == ContractStatus.CLOSED and (dates["end_date"] is None or dates["end_date"] > today):
            reasons.append(_("У закрытого договора укажите прошедшую дату окончания."))
        vat = _VAT.get(norm(v("vat")) if v("vat") else VatMode.VAT)
        if vat is None:
            reasons.append(_("НДС «%(v)s»: С НДС или Без НДС.") % {"v": v("vat")})
        terms = v("terms")
        if terms and not (terms.isdigit() and int(terms) <= 365):
            reasons.append(_("Срок оплаты «%(v)s»: число дней.") % {"v": terms})
        contract_lines = lines.pop(number, [])
        reasons += line_errors.pop(number, [])
        if status in (ContractStatus.SIGNED, ContractStatus.CLOSED) and not contract_lines:
            reasons.append(_("У подписанного договора нет строк на листе «%(s)s».") % {"s": CONTRACT_LINES_SHEET})
        if number in seen:
            reasons.append(_("Номер %(v)s уже встречается в строке %(line)s.") % {"v": number, "line": seen[number]})
        seen.setdefault(number, line)
        data = {"date": dates["date"], "start_date": start, "end_date": dates["end_date"], "vat_mode": vat,
                "payment_terms_days": int(terms) if terms.isdigit() else 5, "notes": v("notes")}
        fingerprint = _hash(sorted(data.items()), status, v("client"),
                            [sorted((k, str(x)) for k, x in ln.items()) for _l, ln in contract_lines])
        row = _Row(result, number, data, fingerprint, refs={"client": client, "status": status,
                                                            "lines": [ln for _l, ln in contract_lines]})
        if not reasons and ctx.known(SourceKey.Kind.CONTRACT, number) is None and Contract.objects.filter(
                agency_id=ctx.agency_id, number=number).exists():
            result.action, result.reasons = SKIP, [_("Договор № %(n)s уже есть в Тандеме.") % {"n": number}]
        else:
            _finish(ctx, row, reasons, SourceKey.Kind.CONTRACT, Contract, updatable=True)
            if row.result.action == UPDATE and row.existing.status not in (ContractStatus.DRAFT,
                                                                           ContractStatus.IN_APPROVAL):
                result.action, result.reasons = SKIP, [
                    _("Договор уже подписан — импорт его не меняет; исправьте его в Тандеме.")]
        ctx.file_contracts[number] = row
        planned.append(row)
    for number, contract_lines in lines.items():
        for line, ln in contract_lines:
            ctx.report.rows.append(RowResult(CONTRACT_LINES_SHEET, line, number, str(ln["service"]), ERROR, [
                _("Договора № %(n)s нет на листе «%(s)s».") % {"n": number, "s": CONTRACTS_SHEET}]))
    return planned


def _apply_contracts(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    for row in rows:
        if row.result.action in (CREATE, UPDATE):
            with _guard(row):
                _write_contract(ctx, row, record)


def _write_contract(ctx: _Ctx, row: _Row, record: ImportRecord) -> None:
    actor, status = ctx.actor, row.refs["status"]
    if row.result.action == CREATE:
        contract = contract_services.contract_create(actor=actor, client=row.refs["client"], data=row.data,
                                                     number=row.key)
    else:
        contract = contract_services.contract_update(actor=actor, contract=row.existing, data=row.data)
        for old in list(contract.lines.all()):
            contract_services.contract_line_remove(actor=actor, line=old)
    for line in row.refs["lines"]:
        contract_services.contract_line_add(actor=actor, contract=contract, data=line)
    if status != ContractStatus.DRAFT and contract.status == ContractStatus.DRAFT:
        contract = contract_services.contract_change_status(
            actor=actor, contract=contract, to_status=ContractStatus.IN_APPROVAL, on_date=contract.date)
    if status in (ContractStatus.SIGNED, ContractStatus.CLOSED):
        # Historical contracts: marked signed on their date, without opening projects or onboarding.
        contract = contract_services.contract_mark_signed(actor=actor, contract=contract, on_date=contract.date,
                                                          comment=_("Импорт"))
    if status == ContractStatus.CLOSED:
        contract_services.contract_change_status(actor=actor, contract=contract, to_status=ContractStatus.CLOSED,
                                                 on_date=contract.end_date, comment=_("Импорт"))
    _save_key(ctx, SourceKey.Kind.CONTRACT, row, contract.pk, record)


# ---------------------------------------------------------------- invoices


def _plan_invoices(ctx: _Ctx, sheet: Sheet | None) -> list[_Row]:
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    for line, v in _rows(ctx, sheet):
        number, reasons = v("number"), []
        result = RowResult(INVOICES_SHEET, line, number, number or "—", CREATE)
        client = ctx.client(v("client"))
        reason = _ref_reason(_("Клиент"), v("client"), client)
        if reason:
            reasons.append(reason)
        contract: Any = None
        if v("contract"):
            contract = Contract.objects.filter(agency_id=ctx.agency_id, number=v("contract")).first()
            if contract is None and v("contract") in ctx.file_contracts:
                contract = ERROR if ctx.file_contracts[v("contract")].result.action == ERROR else PENDING
            reason = _ref_reason(_("Договор"), v("contract"), contract)
            if reason:
                reasons.append(reason)
        on = parse_date(v("date"))
        if on is None or on > timezone.localdate():
            reasons.append(_("Дата «%(v)s»: нужна прошедшая дата ДД.ММ.ГГГГ.") % {"v": v("date")})
        due = parse_date(v("due_date")) if v("due_date") else None
        if v("due_date") and due is None:
            reasons.append(_("Оплатить до «%(v)s»: нужна дата ДД.ММ.ГГГГ.") % {"v": v("due_date")})
        if due and on and due < on:
            reasons.append(_("«Оплатить до» раньше даты счёта."))
        amount = _parse_money(v("amount"))
        if amount is None or amount <= 0:
            reasons.append(_("Сумма «%(v)s»: нужно число больше нуля.") % {"v": v("amount")})
        vat_amount = _parse_money(v("vat_amount")) if v("vat_amount") else None
        if v("vat_amount") and vat_amount is None:
            reasons.append(_("В т. ч. НДС «%(v)s»: нужно число.") % {"v": v("vat_amount")})
        vat = _VAT.get(norm(v("vat")) if v("vat") else VatMode.VAT)
        if vat is None:
            reasons.append(_("НДС «%(v)s»: С НДС или Без НДС.") % {"v": v("vat")})
        if number in seen:
            reasons.append(_("Номер %(v)s уже встречается в строке %(line)s.") % {"v": number, "line": seen[number]})
        seen.setdefault(number, line)
        data = {"date": on, "due_date": due, "amount": amount, "vat": vat, "vat_amount": vat_amount,
                "name": v("name") or _("Услуги по договору"), "client": v("client"), "contract": v("contract")}
        row = _Row(result, number, data, _hash(sorted(data.items())), refs={"client": client, "contract": contract})
        if not reasons and ctx.known(SourceKey.Kind.INVOICE, number) is None and Invoice.objects.filter(
                agency_id=ctx.agency_id, number=number).exists():
            result.action, result.reasons = SKIP, [_("Счёт № %(n)s уже есть в Тандеме.") % {"n": number}]
        else:
            _finish(ctx, row, reasons, SourceKey.Kind.INVOICE, Invoice, updatable=False,
                    locked_reason=_("Счёт уже выставлен — импорт его не меняет; исправьте его в Тандеме."))
        ctx.file_invoices[number] = row
        planned.append(row)
    return planned


def _apply_invoices(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    # Numbers follow dates (billing's series rule): the oldest invoice is written first.
    for row in sorted((r for r in rows if r.result.action == CREATE), key=lambda r: r.data["date"]):
        with _guard(row):
            _write_invoice(ctx, row, record)


def _write_invoice(ctx: _Ctx, row: _Row, record: ImportRecord) -> None:
    data, contract = row.data, row.refs["contract"]
    if contract is PENDING:
        contract = Contract.objects.get(agency_id=ctx.agency_id, number=data["contract"])
    on: date = data["date"]
    terms = (data["due_date"] - on).days if data["due_date"] else None
    invoice = billing_services.invoice_create(
        actor=ctx.actor, client=row.refs["client"], date=on, contract=contract, vat_mode=data["vat"],
        payment_terms_days=terms, discount_percent=Decimal("0"),
        lines=[billing_services.LineInput(name=data["name"], price=data["amount"])],
    )
    if data["vat_amount"] is not None and invoice.vat_amount != data["vat_amount"]:
        raise ValidationError(_("НДС в файле %(file)s, по ставке Тандема %(calc)s")
                              % {"file": data["vat_amount"], "calc": invoice.vat_amount})
    # Issued elsewhere under the agency's own number: see the module docstring.
    Invoice.objects.filter(pk=invoice.pk).update(
        number=row.key, status=InvoiceStatus.ISSUED,
        issued_at=timezone.make_aware(datetime.combine(on, time(12))), updated_at=timezone.now())
    _save_key(ctx, SourceKey.Kind.INVOICE, row, invoice.pk, record)


# ---------------------------------------------------------------- payments


def _plan_payments(ctx: _Ctx, sheet: Sheet | None) -> list[_Row]:
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    for line, v in _rows(ctx, sheet):
        reasons: list[str] = []
        on = parse_date(v("date"))
        if on is None or on > timezone.localdate():
            reasons.append(_("Дата «%(v)s»: нужна прошедшая дата ДД.ММ.ГГГГ.") % {"v": v("date")})
        amount = _parse_money(v("amount"))
        if amount is None or amount <= 0:
            reasons.append(_("Сумма «%(v)s»: нужно число больше нуля.") % {"v": v("amount")})
        inn = clean_inn(v("payer_inn"))
        if inn and (reason := inn_reason(inn)):
            reasons.append(reason)
        numbers = [n.strip().lstrip("№").strip() for n in re.split(r"[,;]", v("invoices")) if n.strip()]
        for n in numbers:
            in_file = ctx.file_invoices.get(n)
            if in_file is not None and in_file.result.action == ERROR:
                reasons.append(_("Счёт № %(n)s — строка с ошибкой.") % {"n": n})
            elif in_file is None and not Invoice.objects.filter(agency_id=ctx.agency_id, number=n).exists():
                reasons.append(_("Счёт № %(n)s не найден ни в файле, ни в Тандеме.") % {"n": n})
        key = v("key") or _hash(v("date"), v("number"), amount, inn)[:40]
        result = RowResult(PAYMENTS_SHEET, line, key, f"{v('date')} {v('amount')}", CREATE)
        if key in seen:
            reasons.append(_("Платёж уже встречается в строке %(line)s.") % {"line": seen[key]})
        seen.setdefault(key, line)
        purpose = v("purpose")
        if numbers and not all(n in purpose for n in numbers):
            purpose = (purpose + " " if purpose else "") + _("Оплата по счёту № %(n)s") % {"n": ", № ".join(numbers)}
        data = {"date": on, "amount": amount, "payer_inn": inn, "payer_name": v("payer_name"), "number": v("number"),
                "purpose": purpose}
        row = _Row(result, key, data, _hash(sorted(data.items())))
        _finish(ctx, row, reasons, SourceKey.Kind.PAYMENT, Payment, updatable=False,
                locked_reason=_("Платёж уже записан — импорт его не меняет; исправьте его в Тандеме."))
        planned.append(row)
    return planned


def _apply_payments(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    for row in sorted((r for r in rows if r.result.action == CREATE), key=lambda r: r.data["date"]):
        with _guard(row):
            payment = billing_services.payment_record(actor=ctx.actor, **row.data)
            _save_key(ctx, SourceKey.Kind.PAYMENT, row, payment.pk, record)


# ---------------------------------------------------------------- interactions


def _plan_interactions(ctx: _Ctx, sheet: Sheet | None) -> list[_Row]:
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    db_employees = {norm(e.full_name): e for e in Employee.objects.filter(agency_id=ctx.agency_id, is_active=True)}
    for line, v in _rows(ctx, sheet):
        reasons: list[str] = []
        client = ctx.client(v("client"))
        reason = _ref_reason(_("Клиент"), v("client"), client)
        if reason:
            reasons.append(reason)
        when = _parse_moment(v("when"))
        if when is None or when > timezone.now():
            reasons.append(_("«Когда» %(v)s: нужна прошедшая дата ДД.ММ.ГГГГ ЧЧ:ММ.") % {"v": v("when")})
        data: dict[str, Any] = {"occurred_at": when, "summary": v("summary"), "outcome": v("outcome")}
        if not v("summary"):
            reasons.append(_("Не указано, о чём."))
        for name, words, label in (("kind", _KINDS, _("Вид")), ("channel", _CHANNELS, _("Канал"))):
            raw = v(name)
            if raw and norm(raw) not in words:
                reasons.append(_("%(col)s «%(value)s»: нет такого значения.") % {"col": label, "value": raw})
            elif raw:
                data[name] = words[norm(raw)]
        author: Any = None
        if v("author"):
            author = db_employees.get(norm(v("author"))) or ctx.employees_by_name.get(norm(v("author")))
            if author is None:
                reasons.append(_("Автор «%(v)s» не найден среди сотрудников.") % {"v": v("author")})
        key = v("key") or _hash(v("client"), v("when"), v("summary"))[:40]
        if key in seen:
            reasons.append(_("Взаимодействие уже встречается в строке %(line)s.") % {"line": seen[key]})
        seen.setdefault(key, line)
        result = RowResult(INTERACTIONS_SHEET, line, key, v("summary")[:60] or "—", CREATE)
        row = _Row(result, key, data, _hash(sorted(data.items()), v("client"), v("contact"), v("author")),
                   refs={"client": v("client"), "contact": v("contact"), "author": v("author")})
        _finish(ctx, row, reasons, SourceKey.Kind.INTERACTION, Interaction, updatable=True)
        planned.append(row)
    return planned


def _apply_interactions(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    for row in rows:
        if row.result.action in (CREATE, UPDATE):
            with _guard(row):
                _write_interaction(ctx, row, record)


def _write_interaction(ctx: _Ctx, row: _Row, record: ImportRecord) -> None:
    client = ctx.client(row.refs["client"])
    contacts: list[Contact] = []
    if row.refs["contact"]:
        ref = row.refs["contact"]
        contact = Contact.objects.filter(client=client, full_name__iexact=ref).first() or Contact.objects.filter(
            client=client, email__iexact=ref).first()
        if contact is None:
            raise ValidationError(_("контакт «%(c)s» не найден у клиента") % {"c": ref})
        contacts = [contact]
    employees = None
    if row.refs["author"]:
        employees = list(Employee.objects.filter(agency_id=ctx.agency_id, full_name__iexact=row.refs["author"])[:1])
    if row.result.action == CREATE:
        interaction = comms_services.interaction_create(actor=ctx.actor, client=client, data=row.data,
                                                        contacts=contacts, employees=employees)
    else:
        interaction = comms_services.interaction_update(actor=ctx.actor, interaction=row.existing, data=row.data,
                                                        contacts=contacts, employees=employees)
    _save_key(ctx, SourceKey.Kind.INTERACTION, row, interaction.pk, record)


# ---------------------------------------------------------------- deals → growth opportunities


def _plan_deals(ctx: _Ctx, sheet: Sheet | None) -> list[_Row]:
    planned: list[_Row] = []
    seen: dict[str, int] = {}
    services = list(Service.objects.filter(agency_id=ctx.agency_id, is_active=True).order_by("name"))
    by_service_name = {norm(s.name): s for s in services}
    employees = {norm(e.full_name): e for e in Employee.objects.filter(agency_id=ctx.agency_id, is_active=True)}
    for line, v in _rows(ctx, sheet):
        reasons: list[str] = []
        notes: list[str] = []
        title = v("title")
        key = v("key") or _hash(title, v("client"))[:40]
        result = RowResult(DEALS_SHEET, line, key, title or "—", CREATE)
        if not title:
            reasons.append(_("Не указано название сделки."))
        client: Any = None
        if v("client_id"):
            client = ctx.client(v("client_id"))
        if client is None and v("client"):
            client = Client.objects.filter(agency_id=ctx.agency_id, legal_name__iexact=v("client")).first() or \
                Client.objects.filter(agency_id=ctx.agency_id, brand_name__iexact=v("client")).first()
        if client is None:
            reasons.append(_("Компания «%(v)s» не найдена в Тандеме — импортируйте сначала компании.")
                           % {"v": v("client") or v("client_id")})
        elif client is ERROR or client is PENDING:
            reasons.append(_("Компания «%(v)s» — импортируйте сначала компании.") % {"v": v("client_id")})
        stage = DEAL_STAGES.get(norm(v("stage")))
        if stage is None:
            stage = Stage.IDEA
            notes.append(_("Стадия «%(v)s» не из воронки по умолчанию — будет «Идея».") % {"v": v("stage")})
        amount = _parse_money(v("amount") or "0")
        if amount is None or amount < 0:
            reasons.append(_("Сумма «%(v)s»: нужно число не меньше нуля.") % {"v": v("amount")})
        service = by_service_name.get(norm(v("service"))) if v("service") else next(
            (s for s in services if norm(s.name) in norm(title)), None)
        if service is None and v("service"):
            reasons.append(_("Услуга «%(s)s» не найдена в справочнике услуг Тандема.") % {"s": v("service")})
        elif service is None and services:
            service = services[0]
            notes.append(_("Услуга не указана — будет «%(s)s»; поправьте в воронке.") % {"s": service.name})
        elif service is None:
            reasons.append(_("В справочнике услуг Тандема нет ни одной услуги."))
        owner = employees.get(norm(v("owner"))) if v("owner") else None
        if v("owner") and owner is None:
            notes.append(_("Ответственный «%(v)s» не найден среди сотрудников — будете вы.") % {"v": v("owner")})
        if key in seen:
            reasons.append(_("Сделка уже встречается в строке %(line)s.") % {"line": seen[key]})
        seen.setdefault(key, line)
        data: dict[str, Any] = {"monthly_value": amount, "service": service, "notes": "\n".join(
            p for p in (title, v("comment")) if p)}
        if owner is not None:
            data["owner"] = owner
        result.reasons = notes
        row = _Row(result, key, data, _hash(title, stage, amount, getattr(service, "pk", None),
                                            getattr(owner, "pk", None), v("comment"), v("client"), v("client_id")),
                   refs={"client": client, "stage": stage})
        _finish(ctx, row, reasons, SourceKey.Kind.OPPORTUNITY, Opportunity, updatable=True)
        if row.result.action == SKIP and not row.result.reasons:
            row.result.reasons = notes
        planned.append(row)
    return planned


def _apply_deals(ctx: _Ctx, rows: list[_Row], record: ImportRecord) -> None:
    for row in rows:
        if row.result.action in (CREATE, UPDATE):
            with _guard(row):
                _write_deal(ctx, row, record)


def _write_deal(ctx: _Ctx, row: _Row, record: ImportRecord) -> None:
    stage = row.refs["stage"]
    if row.result.action == CREATE:
        opportunity = growth_services.opportunity_create(actor=ctx.actor, client=row.refs["client"], data={
            **row.data, "stage": stage if stage not in (Stage.WON, Stage.LOST) else Stage.IDEA,
            "comment": _("Импорт из CRM")})
    else:
        opportunity = growth_services.opportunity_update(actor=ctx.actor, opportunity=row.existing, data=row.data)
    if opportunity.stage != stage:
        opportunity = growth_services.opportunity_move(
            actor=ctx.actor, opportunity=opportunity, stage=stage,
            lost_reason=LostReason.OTHER if stage == Stage.LOST else "", comment=_("Импорт из CRM"))
    _save_key(ctx, SourceKey.Kind.OPPORTUNITY, row, opportunity.pk, record)


# ---------------------------------------------------------------- the run


@contextmanager
def _guard(row: _Row) -> Iterator[None]:
    """A service refusing the row's write stops the run, naming the sheet and line."""
    try:
        yield
    except ValidationError as exc:
        raise ImportFailed(_("Лист «%(sheet)s», строка %(line)s: %(error)s — ничего не записано.") % {
            "sheet": row.result.sheet, "line": row.result.line, "error": "; ".join(exc.messages)}) from exc


def _save_key(ctx: _Ctx, kind: str, row: _Row, object_id: int, record: ImportRecord) -> None:
    SourceKey.objects.update_or_create(
        agency_id=ctx.agency_id, source=ctx.source, kind=kind, key=row.key,
        defaults={"object_id": object_id, "fingerprint": row.fingerprint, "import_record": record},
    )


def _by_name(sheets: list[Sheet]) -> dict[str, Sheet]:
    return {s.name: s for s in sheets}


def _extra_keys(agency_id: int, source: str) -> dict[tuple[str, str], SourceKey]:
    """The source keys of the sheets planned here; clients' and contacts' (most of a big file) are
    planned by tandem.clients.importing, and a client is looked up by its key one at a time."""
    return {(k.kind, k.key): k for k in SourceKey.objects.filter(agency_id=agency_id, source=source).exclude(
        kind__in=[SourceKey.Kind.CLIENT, SourceKey.Kind.CONTACT])}


def _start(actor: User, content: bytes, file_name: str, source: str | None,
           sheets: list[Sheet] | None = None) -> tuple[_Ctx, list[Sheet]]:
    employee = actor_employee(actor)
    if employee is None or not client_permissions.can_import_data(actor):
        raise PermissionDenied()
    if sheets is None:
        sheets = importing.parse(content, file_name)
    source = source or importing.detect_source(sheets)
    if source not in ImportSource.values:
        raise ImportFailed(_("Неизвестный источник."))
    report = ImportReport(source=source, file_name=file_name, file_hash=hashlib.sha256(content).hexdigest(),
                          dry_run=True)
    keys = _extra_keys(employee.agency_id, source)
    return _Ctx(actor, employee.agency_id, source, report, keys, sheets=sheets,
                overrides=importing.mapping_overrides(employee.agency_id, source)), sheets


def import_check(*, actor: User, content: bytes, file_name: str, source: str | None = None) -> ImportReport:
    """The dry run over every sheet: the report of what the import would do; nothing is written."""
    return _check(actor, content, file_name, source).report


def _check(actor: User, content: bytes, file_name: str, source: str | None) -> _Ctx:
    ctx, sheets = _start(actor, content, file_name, source)
    named = _by_name(sheets)
    employees = _plan_employees(ctx, named.get(EMPLOYEES_SHEET))
    ctx.clients = importing.plan(actor=actor, content=content, file_name=file_name, source=ctx.source,
                                 sheets=sheets, extra_employees=ctx.employees_by_name)
    report = ctx.report
    clients_report = ctx.clients.report
    report.rows = [e.result for e in employees] + clients_report.rows
    report.mapping = [m for m in report.mapping if m.sheet == EMPLOYEES_SHEET] + clients_report.mapping + [
        m for m in report.mapping if m.sheet != EMPLOYEES_SHEET]
    report.file_errors += clients_report.file_errors
    for planner in (lambda: _plan_contracts(ctx, named.get(CONTRACTS_SHEET), named.get(CONTRACT_LINES_SHEET)),
                    lambda: _plan_invoices(ctx, named.get(INVOICES_SHEET)),
                    lambda: _plan_payments(ctx, named.get(PAYMENTS_SHEET)),
                    lambda: _plan_interactions(ctx, named.get(INTERACTIONS_SHEET)),
                    lambda: _plan_deals(ctx, named.get(DEALS_SHEET))):
        before = len(report.rows)
        report.rows += [r.result for r in planner()]
        # Lines of «Строки договоров» with errors were appended during planning: keep them after.
        report.rows[before:] = sorted(report.rows[before:], key=lambda r: (r.sheet != CONTRACTS_SHEET, r.line))
    if not sheets or not any(s.rows for s in sheets):
        report.file_errors.append(_("В файле нет строк с данными."))
    return ctx


def _written(ctx: _Ctx, rows: list[_Row]) -> list[_Row]:
    """The rows planned again during the real run; an error now (the data changed since the dry
    run, or a row depends on what an earlier sheet wrote) stops the run."""
    for row in rows:
        if row.result.action == ERROR:
            raise ImportFailed(_("Лист «%(sheet)s», строка %(line)s: %(error)s — ничего не записано.") % {
                "sheet": row.result.sheet, "line": row.result.line, "error": " ".join(row.result.reasons)})
    return rows


def import_stage(*, actor: User, content: bytes, file_name: str, source: str | None = None) -> ImportRecord:
    """Dry run for the web wizard: the file and its report are kept until «Импортировать»."""
    report = import_check(actor=actor, content=content, file_name=file_name, source=source)
    employee = actor_employee(actor)
    assert employee is not None
    return ImportRecord.objects.create(
        agency_id=employee.agency_id, source=report.source, file_name=file_name[:255], file_hash=report.file_hash,
        content=content, created_by=actor, created_count=report.created, updated_count=report.updated,
        skipped_count=report.skipped, error_count=report.errors, report=report.to_dict(),
    )


def import_apply(
    *, actor: User, content: bytes, file_name: str, source: str | None = None, record: ImportRecord | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> ImportReport:
    """The real run, all-or-nothing: the dry run must be clean; then each sheet is planned again
    against what the sheets before it wrote, and written through the owning app's services."""
    step = progress or (lambda _percent, _what: None)
    step(5, _("Проверка файла"))
    checked = _check(actor, content, file_name, source)
    report = checked.report
    if report.has_errors:
        raise ImportFailed(_("В файле есть ошибки (%(n)s) — исправьте их и загрузите снова; ничего не записано.")
                           % {"n": report.errors})
    with transaction.atomic():
        ctx, sheets = _start(actor, content, file_name, report.source, sheets=checked.sheets)  # parsed once
        named = _by_name(sheets)
        if record is None:
            record = ImportRecord.objects.create(agency_id=ctx.agency_id, created_by=actor, source=ctx.source,
                                                 file_name=file_name[:255], file_hash=report.file_hash)
        step(20, EMPLOYEES_SHEET)
        employees = _written(ctx, _plan_employees(ctx, named.get(EMPLOYEES_SHEET)))
        _apply_employees(ctx, employees, record)
        step(25, importing.CLIENTS_SHEET)
        if named.keys() & {importing.CLIENTS_SHEET, importing.CONTACTS_SHEET}:
            # The dry run's plan holds unsaved employees as AMs when the file hires them: plan again then.
            hired = any(e.result.action in (CREATE, UPDATE) for e in employees)
            importing.import_apply(actor=actor, content=content, file_name=file_name, source=ctx.source,
                                   record=record, sheets=sheets, checked=None if hired else checked.clients)
        ctx.keys = _extra_keys(ctx.agency_id, ctx.source)
        ctx.clients = checked.clients  # its clients are in Tandem now, found by their keys
        step(60, CONTRACTS_SHEET)
        _apply_contracts(ctx, _written(ctx, _plan_contracts(
            ctx, named.get(CONTRACTS_SHEET), named.get(CONTRACT_LINES_SHEET))), record)
        step(70, INVOICES_SHEET)
        _apply_invoices(ctx, _written(ctx, _plan_invoices(ctx, named.get(INVOICES_SHEET))), record)
        step(80, PAYMENTS_SHEET)
        _apply_payments(ctx, _written(ctx, _plan_payments(ctx, named.get(PAYMENTS_SHEET))), record)
        step(90, INTERACTIONS_SHEET)
        _apply_interactions(ctx, _written(ctx, _plan_interactions(ctx, named.get(INTERACTIONS_SHEET))), record)
        step(95, DEALS_SHEET)
        _apply_deals(ctx, _written(ctx, _plan_deals(ctx, named.get(DEALS_SHEET))), record)
        if ctx.report.has_errors:  # something changed between the dry run and now
            raise ImportFailed(_("Данные изменились во время импорта — проверьте файл снова; ничего не записано."))
        report.dry_run, report.import_id = False, record.pk
        record.content = b""
        record.applied_at = timezone.now()
        record.created_count, record.updated_count = report.created, report.updated
        record.skipped_count, record.error_count = report.skipped, 0
        record.report = report.to_dict()
        record.save()
    return report


def import_apply_staged(
    *, actor: User, record: ImportRecord, progress: Callable[[int, str], None] | None = None,
) -> ImportReport:
    """Apply a file checked earlier in the web wizard (every row is planned again)."""
    if record.applied_at is not None:
        raise ImportFailed(_("Этот файл уже импортирован."))
    return import_apply(actor=actor, content=bytes(record.content), file_name=record.file_name,
                        source=record.source, record=record, progress=progress)


# The filled example the wizard offers (demo data: the service is in the demo agency's catalogue).
SAMPLE_ROWS: dict[str, list[list[str]]] = {
    EMPLOYEES_SHEET: [["ivanova", "Иванова Ольга", "Аккаунт-менеджер", "", "Middle", "", "160",
                       "ivanova@agency.example"]],
    importing.CLIENTS_SHEET: [["K-001", "ООО «Пример»", "Пример", "5001000002", "500101001", "", "", "", "", "", "",
                               "primer.example", "B2B", "Текущий", "Активный", "Иванова Ольга", "01.02.2024"]],
    importing.CONTACTS_SHEET: [["P-001", "K-001", "Смирнов Павел", "Маркетолог", "Маркетолог", "+7 916 000-00-01",
                                "pavel@primer.example", "", "", ""]],
    CONTRACTS_SHEET: [["Д-2024/01", "K-001", "01.02.2024", "01.02.2024", "", "Подписан", "С НДС", "10", ""]],
    CONTRACT_LINES_SHEET: [["Д-2024/01", "SEO-продвижение", "Ежемесячный абонемент", "90000", "40", ""]],
    INVOICES_SHEET: [["СЧ-0777", "01.11.2026", "11.11.2026", "K-001", "Д-2024/01", "SEO-продвижение, октябрь",
                      "90000", "", ""]],
    PAYMENTS_SHEET: [["PAY-1", "05.11.2026", "40000", "5001000002", "ООО «Пример»", "312", "СЧ-0777", ""]],
    INTERACTIONS_SHEET: [["I-1", "K-001", "Смирнов Павел", "Звонок", "Телефон", "03.11.2026 11:00",
                          "Обсудили план работ на квартал", "", "Иванова Ольга"]],
}


def template_xlsx(*, sample: bool = False) -> bytes:
    """The Tandem template: one sheet per kind of data, with its column headers; with `sample`,
    one example row on each sheet."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for sheet_name, columns in TEMPLATE_DOC.items():
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = sheet_name
        ws.append([name for name, _required, _hint in columns])
        for row in SAMPLE_ROWS.get(sheet_name, []) if sample else []:
            ws.append(row)
        first = False
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

