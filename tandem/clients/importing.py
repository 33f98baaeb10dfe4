"""Moving an agency in from spreadsheets: parse → validate → plan → apply.

Sources: Tandem's own template (XLSX with sheets «Клиенты» and «Контакты», or one CSV per
sheet) and the standard CSV/XLSX exports of Bitrix24 and amoCRM companies and contacts. Column
names are mapped to Tandem fields by the alias lists below; the mapping is part of the report.

Rules:
- Every run is planned first (a dry run is only the plan). A row is created, updated (its
  source key is known and its values changed), skipped (unchanged, or a duplicate of a client or
  contact already in Tandem) or an error. A file with any error is never applied.
- The real run is all-or-nothing: one transaction, through client_create / client_update /
  contact_create / contact_update, so history and permission rules apply.
- Idempotency: each row's source key (the row's ID in the outside system, the template's «Код»,
  else the INN / e-mail / name) is stored in SourceKey with a fingerprint of its values.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.core.errors import PermissionDenied
from tandem.core.validators import is_valid_bik, is_valid_inn, is_valid_kpp, is_valid_ogrn, is_valid_ogrnip
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from . import permissions, services
from .models import (
    Client,
    ClientKind,
    ClientTier,
    Contact,
    ImportMapping,
    ImportRecord,
    ImportSource,
    LifecycleStatus,
    SourceKey,
)

MAX_IMPORT_BYTES = 10 * 1024 * 1024
CLIENTS_SHEET = "Клиенты"
CONTACTS_SHEET = "Контакты"
# The template's other sheets: read here, planned and applied by tandem.imports (they write
# contracts, invoices, payments and interactions, which live above this app).
EMPLOYEES_SHEET = "Сотрудники"
CONTRACTS_SHEET = "Договоры"
CONTRACT_LINES_SHEET = "Строки договоров"
INVOICES_SHEET = "Счета"
PAYMENTS_SHEET = "Платежи"
INTERACTIONS_SHEET = "Взаимодействия"
# Bitrix24 deals and amoCRM leads become growth opportunities (tandem.imports).
DEALS_SHEET = "Сделки"
EXTRA_SHEETS = (EMPLOYEES_SHEET, CONTRACTS_SHEET, CONTRACT_LINES_SHEET, INVOICES_SHEET, PAYMENTS_SHEET,
                INTERACTIONS_SHEET, DEALS_SHEET)

CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"
ACTION_LABELS = {
    CREATE: gettext_lazy("будет создан"), UPDATE: gettext_lazy("будет обновлён"),
    SKIP: gettext_lazy("пропущен"), ERROR: gettext_lazy("ошибка"),
}

# Tandem field → column names that mean it (compared lower-case, «ё» as «е», spaces collapsed).
# The first alias of each field is the Tandem template's own column.
CLIENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("Код", "ID"),
    "legal_name": ("Юридическое название", "Название компании", "Название", "Наименование", "Компания"),
    "brand_name": ("Бренд",),
    "inn": ("ИНН", "Реквизит: ИНН", "ИНН (компания)"),
    "kpp": ("КПП", "Реквизит: КПП", "КПП (компания)"),
    "ogrn": ("ОГРН", "Реквизит: ОГРН", "ОГРНИП", "ОГРН (компания)"),
    "legal_address": ("Юридический адрес", "Адрес", "Юридический адрес компании"),
    "bank_name": ("Банк", "Реквизит: Наименование банка"),
    "bik": ("БИК", "Реквизит: БИК"),
    "bank_account": ("Расчётный счёт", "Реквизит: Расчётный счёт"),
    "correspondent_account": ("Корр. счёт", "Реквизит: Корр. счёт"),
    "website": ("Сайт", "Корпоративный сайт", "Web"),
    "kind": ("Тип",),
    "tier": ("Категория",),
    "status": ("Статус",),
    "account_manager": ("Аккаунт-менеджер", "Ответственный"),
    "served_since": ("В работе с",),
    "phone": ("Телефон", "Рабочий телефон", "Рабочий телефон (компания)"),
    "email": ("E-mail", "Email", "Рабочий e-mail", "Рабочий email (компания)"),
}
CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("Код", "ID"),
    "client_ref": ("Код клиента", "Компания", "Название компании", "Компания контакта"),
    "client_inn": ("ИНН клиента",),
    "full_name": ("ФИО", "Полное имя", "Контакт"),
    "last_name": ("Фамилия",),
    "first_name": ("Имя",),
    "middle_name": ("Отчество",),
    "position": ("Должность",),
    "role": ("Роль",),
    "phone": ("Телефон", "Рабочий телефон", "Мобильный телефон", "Телефон (контакт)", "Рабочий телефон (контакт)",
              "Мобильный телефон (контакт)"),
    "email": ("E-mail", "Email", "Рабочий e-mail", "Частный e-mail", "Email (контакт)", "Рабочий email (контакт)"),
    "messenger": ("Мессенджер", "Telegram"),
    "birthday": ("День рождения", "Дата рождения"),
    "notes": ("Заметки", "Комментарий", "Примечание"),
}
# Columns that only ever appear in a contacts export: a CSV with one of them is a contacts sheet.
_CONTACT_MARKERS = ("фио", "фамилия", "имя", "полное имя", "код клиента", "должность")
# Columns of a Bitrix24 deals or amoCRM leads export: such a CSV is a deals sheet.
_DEAL_MARKERS = ("название сделки", "стадия сделки", "этап сделки", "бюджет", "бюджет ₽")


def _single_sheet_name(headers: list[str]) -> str:
    normalized = {norm(h) for h in headers}
    if normalized & set(_DEAL_MARKERS):
        return DEALS_SHEET
    return CONTACTS_SHEET if normalized & set(_CONTACT_MARKERS) else CLIENTS_SHEET

# What the page documents about the template (column, required, what it holds).
TEMPLATE_DOC: dict[str, list[tuple[str, bool, Any]]] = {
    CLIENTS_SHEET: [
        ("Код", False, gettext_lazy("ваш код клиента; по нему повторный импорт обновляет, а не дублирует")),
        ("Юридическое название", True, gettext_lazy("ООО «Ромашка»")),
        ("Бренд", False, ""), ("ИНН", False, gettext_lazy("10 или 12 цифр, проверяется контрольная сумма")),
        ("КПП", False, ""), ("ОГРН", False, gettext_lazy("ОГРН или ОГРНИП")), ("Юридический адрес", False, ""),
        ("Банк", False, ""), ("БИК", False, ""), ("Расчётный счёт", False, ""), ("Корр. счёт", False, ""),
        ("Сайт", False, ""), ("Тип", False, gettext_lazy("B2B, B2C или «Продавец на маркетплейсе»")),
        ("Категория", False, gettext_lazy("Ключевой, Текущий или Новый")),
        ("Статус", False, gettext_lazy("Лид, Онбординг или Активный")),
        ("Аккаунт-менеджер", False, gettext_lazy("ФИО сотрудника, как в Тандеме")),
        ("В работе с", False, gettext_lazy("дата начала работы с клиентом, ДД.ММ.ГГГГ")),
    ],
    CONTACTS_SHEET: [
        ("Код", False, gettext_lazy("ваш код контакта")),
        ("Код клиента", True, gettext_lazy("«Код» или название клиента с листа «Клиенты» либо из Тандема")),
        ("ФИО", True, ""), ("Должность", False, ""),
        ("Роль", False, gettext_lazy("ЛПР, Маркетолог, Юрист, Бухгалтер или Другое")),
        ("Телефон", False, ""), ("E-mail", False, ""), ("Мессенджер", False, ""),
        ("День рождения", False, gettext_lazy("ДД.ММ.ГГГГ")), ("Заметки", False, ""),
    ],
}


class ImportFailed(ValidationError):
    """The file cannot be read or applied; the message says why."""


# ---------------------------------------------------------------- report


@dataclass
class RowResult:
    sheet: str
    line: int
    key: str
    label: str
    action: str
    reasons: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


@dataclass
class ColumnMapping:
    sheet: str
    column: str
    field: str  # "" when the column is ignored


@dataclass
class ImportReport:
    source: str
    file_name: str
    file_hash: str
    dry_run: bool
    mapping: list[ColumnMapping] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    import_id: int | None = None

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def skipped(self) -> int:
        return self.count(SKIP)

    @property
    def errors(self) -> int:
        return self.count(ERROR) + len(self.file_errors)

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def to_dict(self) -> dict[str, Any]:
        # By hand, not dataclasses.asdict: its deep copy took seconds on a 40,000-row report.
        data: dict[str, Any] = {
            "source": self.source, "file_name": self.file_name, "file_hash": self.file_hash, "dry_run": self.dry_run,
            "import_id": self.import_id, "file_errors": [str(e) for e in self.file_errors],
            "mapping": [{"sheet": m.sheet, "column": m.column, "field": m.field} for m in self.mapping],
            "rows": [{"sheet": r.sheet, "line": r.line, "key": r.key, "label": r.label, "action": r.action,
                      "reasons": [str(x) for x in r.reasons], "changed": list(r.changed)} for r in self.rows],
        }
        data.update(created=self.created, updated=self.updated, skipped=self.skipped, errors=self.errors)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            source=data["source"], file_name=data["file_name"], file_hash=data["file_hash"],
            dry_run=data["dry_run"], import_id=data.get("import_id"),
            mapping=[ColumnMapping(**m) for m in data.get("mapping", [])],
            rows=[RowResult(**r) for r in data.get("rows", [])], file_errors=list(data.get("file_errors", [])),
        )


# ---------------------------------------------------------------- parse


@dataclass
class Sheet:
    name: str  # CLIENTS_SHEET or CONTACTS_SHEET
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


def norm(text: str) -> str:
    """A header or a word as compared: lower case, ё → е, single spaces (shared with tandem.imports)."""
    return re.sub(r"\s+", " ", str(text).strip().lower().replace("ё", "е"))


def choice_words(choices: Any) -> dict[str, str]:
    """Both a choice's label (normalised) and its value → the value."""
    return {norm(str(label)): value for value, label in choices} | {value: value for value, _label in choices}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(_("Не удалось прочитать файл: кодировка не UTF-8 и не Windows-1251."))


def _csv_sheet(content: bytes) -> Sheet:
    text = _decode(content)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    if "\x00" in text:
        raise ImportFailed(_("Не удалось прочитать файл: это не таблица CSV или XLSX."))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFailed(_("Не удалось прочитать файл CSV: %(error)s.") % {"error": exc}) from exc
    if not rows:
        raise ImportFailed(_("Файл пуст."))
    headers = [_cell(h) for h in rows[0]]
    name = _single_sheet_name(headers)
    body = [(i + 1, [_cell(c) for c in row]) for i, row in enumerate(rows) if i and any(c.strip() for c in row)]
    return Sheet(name, headers, body)


def _xlsx_sheets(content: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportFailed(_("Не удалось прочитать файл XLSX.")) from exc
    sheets: list[Sheet] = []
    by_name = {norm(ws.title): ws for ws in book.worksheets}
    for sheet_name in (CLIENTS_SHEET, CONTACTS_SHEET, *EXTRA_SHEETS):
        ws = by_name.get(norm(sheet_name))
        if ws is None:
            continue
        sheets.append(_ws_sheet(ws, sheet_name))
    if not sheets and book.worksheets:
        # A CRM export saved as XLSX: one sheet, recognised by its columns.
        probe = _ws_sheet(book.worksheets[0], CLIENTS_SHEET)
        probe.name = _single_sheet_name(probe.headers)
        sheets.append(probe)
    book.close()
    return sheets


def _ws_sheet(ws: Any, name: str) -> Sheet:
    rows = list(ws.iter_rows(values_only=True))
    headers = [_cell(h) for h in rows[0]] if rows else []
    body = [(i + 1, [_cell(c) for c in row]) for i, row in enumerate(rows)
            if i and any(_cell(c) for c in row)]
    return Sheet(name, headers, body)


def parse(content: bytes, file_name: str) -> list[Sheet]:
    """The file's sheets: XLSX by its «Клиенты»/«Контакты» sheets (or its only sheet), CSV as one sheet."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed(_("Файл больше 10 МБ."))
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        return _xlsx_sheets(content)
    return [_csv_sheet(content)]


def detect_source(sheets: list[Sheet]) -> str:
    """Bitrix24 names its columns «Название компании», «Рабочий e-mail»…; amoCRM «Название», «Email»,
    «Полное имя»; anything else is read as Tandem's template."""
    headers = {norm(h) for s in sheets for h in s.headers}
    if headers & {"название компании", "рабочий e-mail", "частный e-mail", "корпоративный сайт", "стадия сделки"}:
        return ImportSource.BITRIX24
    if headers & {"полное имя", "web", "ответственный", "этап сделки", "бюджет", "бюджет ₽"} or (
            "название" in headers and "id" in headers):
        return ImportSource.AMOCRM
    return ImportSource.TANDEM


def sheet_fields(sheet_name: str) -> tuple[str, ...]:
    """The Tandem fields a column of this sheet can be mapped to (clients and contacts sheets)."""
    return tuple(CONTACT_COLUMNS if sheet_name == CONTACTS_SHEET else CLIENT_COLUMNS)


def apply_overrides(headers: list[str], overrides: dict[str, str] | None, fields: tuple[str, ...] | Any,
                    result: dict[str, list[int]], taken: set[int]) -> None:
    """The agency's saved choices (ImportMapping) go first: a column mapped to a field holds it,
    a column mapped to "" is not imported."""
    wanted = {norm(column): name for column, name in (overrides or {}).items()}
    for index, header in enumerate(headers):
        name = wanted.get(norm(header))
        if name is None or (name and name not in fields):
            continue
        taken.add(index)
        if name:
            result.setdefault(name, []).append(index)


def mapping_overrides(agency_id: int, source: str) -> dict[str, dict[str, str]]:
    """The agency's saved column mapping for `source`: {sheet: {column: field}}."""
    found = ImportMapping.objects.filter(agency_id=agency_id, source=source).values_list("columns", flat=True).first()
    return found if isinstance(found, dict) else {}


def import_mapping_save(
    *, actor: User, source: str, columns: dict[str, dict[str, str]],
    extra_fields: dict[str, tuple[str, ...]] | None = None,
) -> ImportMapping:
    """Save the agency's column mapping for `source` ({sheet: {column: field or ""}}), merged into
    what was saved before; every later import from that source applies it. Fields are checked
    against the sheet's fields (clients and contacts here, the other sheets' from `extra_fields`
    given by tandem.imports). Heads of accounts and admins only."""
    employee = actor_employee(actor)
    if employee is None or not permissions.can_import_data(actor):
        raise PermissionDenied()
    if source not in ImportSource.values:
        raise ValidationError({"source": _("Неизвестный источник.")})
    allowed = {CLIENTS_SHEET: sheet_fields(CLIENTS_SHEET), CONTACTS_SHEET: sheet_fields(CONTACTS_SHEET),
               **(extra_fields or {})}
    for sheet_name, mapping in columns.items():
        if sheet_name not in allowed:
            raise ValidationError({"columns": _("Неизвестный лист «%(s)s».") % {"s": sheet_name}})
        for column, name in mapping.items():
            if name and name not in allowed[sheet_name]:
                raise ValidationError({"columns": _("Столбец «%(c)s»: нет поля «%(f)s».") % {"c": column, "f": name}})
    saved, _created = ImportMapping.objects.get_or_create(
        agency_id=employee.agency_id, source=source, defaults={"updated_by": actor})
    merged = dict(saved.columns) if isinstance(saved.columns, dict) else {}
    for sheet_name, mapping in columns.items():
        merged[sheet_name] = {**merged.get(sheet_name, {}), **mapping}
    saved.columns, saved.updated_by = merged, actor
    saved.save()
    return saved


def map_columns(sheet: Sheet, overrides: dict[str, str] | None = None) -> dict[str, list[int]]:
    """Tandem field → indexes of the columns holding it: the saved overrides first, then the
    aliases (in their order)."""
    columns = CONTACT_COLUMNS if sheet.name == CONTACTS_SHEET else CLIENT_COLUMNS
    normalized = [norm(h) for h in sheet.headers]
    result: dict[str, list[int]] = {}
    taken: set[int] = set()
    apply_overrides(sheet.headers, overrides, tuple(columns), result, taken)
    for name, aliases in columns.items():
        for alias in aliases:
            for index, header in enumerate(normalized):
                if header == norm(alias) and index not in taken:
                    result.setdefault(name, []).append(index)
                    taken.add(index)
    return result


def _value(cells: list[str], mapping: dict[str, list[int]], name: str) -> str:
    """The first non-empty cell among the field's columns; of a multi-value cell («a, b») the first value."""
    for index in mapping.get(name, []):
        if index < len(cells) and cells[index]:
            value = cells[index]
            if name in ("phone", "email"):
                value = re.split(r"[,;]", value)[0].strip()
            return value
    return ""


# ---------------------------------------------------------------- validate and plan

_KIND_WORDS, _TIER_WORDS = choice_words(ClientKind.choices), choice_words(ClientTier.choices)
_STATUS_WORDS, _ROLE_WORDS = choice_words(LifecycleStatus.choices), choice_words(Contact.Role.choices)


# Lazy: translated only when a reason is written (a gettext call per row was a tenth of planning).
_EMAIL_LABEL, _PHONE_LABEL = gettext_lazy("E-mail"), gettext_lazy("Телефон")
_KIND_LABEL, _TIER_LABEL = gettext_lazy("Тип"), gettext_lazy("Категория")


def normalize_phone(raw: str) -> str | None:
    """+7XXXXXXXXXX for Russian numbers (8…, 7…, or 10 digits), +digits for others; None if not a phone."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10:
        return "+7" + digits
    if 11 <= len(digits) <= 15 and raw.strip().startswith("+"):
        return "+" + digits
    return None


def parse_date(raw: str) -> date | None:
    """ДД.ММ.ГГГГ, ГГГГ-ММ-ДД or ДД.ММ.ГГ (the first ten characters); None if none of them."""
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(raw.strip()[:10], fmt).date()
        except ValueError:
            continue
    return None


def clean_inn(raw: str) -> str:
    """An ИНН as typed, without the spaces spreadsheets put into long numbers."""
    return re.sub(r"\s", "", raw)


def inn_reason(inn: str) -> str | None:
    """Why a (non-empty) ИНН is refused, or None when it is valid."""
    if is_valid_inn(inn):
        return None
    return _("ИНН %(inn)s: неверная контрольная сумма или длина.") % {"inn": inn}


def email_reason(email: str) -> str | None:
    """Why a (non-empty) e-mail is refused, or None when it is valid."""
    try:
        validate_email(email)
    except ValidationError:
        return _("E-mail «%(value)s» с ошибкой.") % {"value": email}
    return None


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


@dataclass
class _PlannedClient:
    result: RowResult
    key: str
    data: dict[str, Any]
    manager: Employee | None
    status: str
    fingerprint: str
    existing: Client | None


@dataclass
class _PlannedContact:
    result: RowResult
    key: str
    data: dict[str, Any]
    client_key: str | None  # a client planned in this file
    client: Client | None  # a client already in Tandem
    fingerprint: str
    existing: Contact | None


@dataclass
class _Plan:
    report: ImportReport
    clients: list[_PlannedClient] = field(default_factory=list)
    contacts: list[_PlannedContact] = field(default_factory=list)


class _Lookup:
    """What planning asks of the database, fetched once per file, not once per row (row by row,
    10,000 clients with 30,000 contacts took minutes), and the file's clients indexed by «Код»,
    name and INN for the contacts."""

    def __init__(self, agency_id: int, keys: dict[tuple[str, str], SourceKey]) -> None:
        self.agency_id = agency_id
        ids = {kind: [k.object_id for (kk, _key), k in keys.items() if kk == kind]
               for kind in (SourceKey.Kind.CLIENT, SourceKey.Kind.CONTACT)}
        self.clients: dict[int, Client] = Client.objects.filter(agency_id=agency_id).in_bulk(
            ids[SourceKey.Kind.CLIENT])
        self.contacts: dict[int, Contact] = Contact.objects.filter(client__agency_id=agency_id).in_bulk(
            ids[SourceKey.Kind.CONTACT])
        self._by_inn: dict[str, Client] | None = None
        self._by_ref: dict[tuple[str, str], Client | None] = {}
        self._contacts_of: dict[int, list[Contact]] = {}
        self.file_by_ref: dict[str, _PlannedClient] = {}
        self.file_by_inn: dict[str, _PlannedClient] = {}

    def client_with_inn(self, inn: str) -> Client | None:
        if self._by_inn is None:
            self._by_inn = {}
            for client in Client.objects.filter(agency_id=self.agency_id).exclude(inn="").order_by("-pk"):
                self._by_inn[client.inn] = client  # the oldest client wins, as .first() did
        return self._by_inn.get(inn)

    def client_by_ref(self, ref: str, inn: str) -> Client | None:
        if (ref, inn) not in self._by_ref:
            lookup = Q(inn=inn) if inn else Q(legal_name__iexact=ref) | Q(brand_name__iexact=ref) | Q(inn=ref)
            self._by_ref[(ref, inn)] = Client.objects.filter(agency_id=self.agency_id).filter(lookup).first()
        return self._by_ref[(ref, inn)]

    def contact_twin(self, client: Client, email: str, phone: str) -> Contact | None:
        if client.pk not in self._contacts_of:
            self._contacts_of[client.pk] = list(Contact.objects.filter(client=client).order_by("pk"))
        return next((c for c in self._contacts_of[client.pk]
                     if (email and c.email.lower() == email) or (phone and c.phone == phone)), None)

    def add_file_client(self, planned: _PlannedClient) -> None:
        for ref in (planned.key, norm(planned.data["legal_name"]), norm(planned.data["brand_name"] or "")):
            if ref:
                self.file_by_ref.setdefault(ref, planned)
        if planned.data["inn"]:
            self.file_by_inn.setdefault(planned.data["inn"], planned)

    def file_client(self, ref: str, inn: str) -> _PlannedClient | None:
        found = (self.file_by_ref.get(ref) or self.file_by_ref.get(norm(ref))) if ref else None
        return found or (self.file_by_inn.get(inn) if inn else None)


def _client_row(
    cells: list[str], line: int, mapping: dict[str, list[int]], *, source: str, agency_id: int,
    employees: dict[str, Employee], seen_inn: dict[str, int], seen_keys: dict[str, int],
    keys: dict[str, SourceKey], lookup: _Lookup,
) -> _PlannedClient:
    def v(name: str) -> str:
        return _value(cells, mapping, name)

    reasons: list[str] = []
    notes: list[str] = []
    legal_name = v("legal_name")
    inn = clean_inn(v("inn"))
    key = v("key") or inn or norm(legal_name)
    result = RowResult(CLIENTS_SHEET, line, key, legal_name or v("brand_name") or "—", CREATE)
    if not legal_name:
        reasons.append(_("Не указано название клиента."))
    data: dict[str, Any] = {"legal_name": legal_name, "brand_name": v("brand_name"), "inn": inn}
    if inn and (reason := inn_reason(inn)):
        reasons.append(reason)
    kpp = v("kpp").upper()
    if kpp and not is_valid_kpp(kpp):
        reasons.append(_("КПП %(kpp)s: должен быть 9 знаков.") % {"kpp": kpp})
    ogrn = re.sub(r"\s", "", v("ogrn"))
    if ogrn and not (is_valid_ogrn(ogrn) or is_valid_ogrnip(ogrn)):
        reasons.append(_("ОГРН %(ogrn)s: неверная контрольная сумма или длина.") % {"ogrn": ogrn})
    bik = re.sub(r"\s", "", v("bik"))
    if bik and not is_valid_bik(bik):
        reasons.append(_("БИК %(bik)s: должен быть 9 цифр.") % {"bik": bik})
    data.update(kpp=kpp, ogrn=ogrn, bik=bik, legal_address=v("legal_address"), bank_name=v("bank_name"),
                bank_account=re.sub(r"\s", "", v("bank_account")),
                correspondent_account=re.sub(r"\s", "", v("correspondent_account")))
    website = v("website")
    if website and "://" not in website:
        website = "https://" + website
    data["website"] = website
    for name, words, label in (("kind", _KIND_WORDS, _KIND_LABEL), ("tier", _TIER_WORDS, _TIER_LABEL)):
        raw = v(name)
        if raw:
            if norm(raw) in words:
                data[name] = words[norm(raw)]
            else:
                reasons.append(_("%(col)s «%(value)s»: нет такого значения.") % {"col": label, "value": raw})
    status: str = LifecycleStatus.LEAD
    raw_status = v("status")
    if raw_status and source == ImportSource.TANDEM:
        status = _STATUS_WORDS.get(norm(raw_status), "")
        if status not in (LifecycleStatus.LEAD, LifecycleStatus.ONBOARDING, LifecycleStatus.ACTIVE):
            reasons.append(_("Статус «%(value)s»: при импорте — Лид, Онбординг или Активный.") % {"value": raw_status})
    manager = None
    raw_manager = v("account_manager")
    if raw_manager:
        manager = employees.get(norm(raw_manager))
        if manager is None and source == ImportSource.TANDEM:
            reasons.append(_("Аккаунт-менеджер «%(name)s» не найден среди сотрудников.") % {"name": raw_manager})
        elif manager is None:
            # A CRM's «Ответственный» is a CRM user, often not (yet) an employee: not a reason to stop.
            notes.append(_("Ответственный «%(name)s» не найден среди сотрудников — клиент будет без аккаунта.")
                         % {"name": raw_manager})
    raw_since = v("served_since")
    if raw_since:
        since = parse_date(raw_since)
        if since is None or since > timezone.localdate():
            reasons.append(_("«В работе с» %(value)s: нужна прошедшая дата ДД.ММ.ГГГГ.") % {"value": raw_since})
        else:
            data["served_since"] = since
    if inn and inn in seen_inn:
        reasons.append(_("ИНН %(inn)s уже встречается в строке %(line)s.") % {"inn": inn, "line": seen_inn[inn]})
    if key in seen_keys:
        reasons.append(_("Код %(key)s уже встречается в строке %(line)s.") % {"key": key, "line": seen_keys[key]})
    if inn:
        seen_inn.setdefault(inn, line)
    seen_keys.setdefault(key, line)
    fingerprint = _fingerprint({**data, "status": status, "manager": manager.pk if manager else None})
    planned = _PlannedClient(result, key, data, manager, status, fingerprint, None)
    if reasons:
        result.action, result.reasons = ERROR, reasons
        return planned
    known = keys.get(key)
    if known is not None:
        planned.existing = lookup.clients.get(known.object_id)
    if planned.existing is not None:
        assert known is not None
        if known.fingerprint == fingerprint:
            result.action, result.reasons = SKIP, [_("Не изменился с прошлого импорта.")]
        else:
            result.action = UPDATE
            result.changed = [name for name, value in data.items() if getattr(planned.existing, name) != value]
        return planned
    if inn:
        twin = lookup.client_with_inn(inn)
        if twin is not None:
            result.action = SKIP
            result.reasons = [_("Клиент с ИНН %(inn)s уже есть в Тандеме: «%(name)s».")
                              % {"inn": inn, "name": twin.display_name}]
            return planned
    result.reasons = notes
    return planned


def _contact_row(
    cells: list[str], line: int, mapping: dict[str, list[int]], *, agency_id: int,
    lookup: _Lookup, seen: dict[str, int], keys: dict[str, SourceKey],
) -> _PlannedContact:
    def v(name: str) -> str:
        return _value(cells, mapping, name)

    reasons: list[str] = []
    full_name = v("full_name") or " ".join(p for p in (v("last_name"), v("first_name"), v("middle_name")) if p)
    email = v("email").lower()
    raw_phone = v("phone")
    phone = ""
    if raw_phone:
        phone = normalize_phone(raw_phone) or ""
        if not phone:
            reasons.append(_("Телефон «%(value)s» не похож на номер.") % {"value": raw_phone})
    if email and (reason := email_reason(email)):
        reasons.append(reason)
    ref = v("client_ref")
    key = v("key") or email or phone or norm(f"{full_name}|{ref}")
    result = RowResult(CONTACTS_SHEET, line, key, full_name or "—", CREATE)
    if not full_name:
        reasons.append(_("Не указано ФИО контакта."))
    # The company: a client of this file (by «Код», INN or name), else one already in Tandem.
    client_key: str | None = None
    client: Client | None = None
    inn = v("client_inn")
    fc = lookup.file_client(ref, inn)
    if fc is not None:
        client_key = fc.key
        if fc.result.action == SKIP and fc.existing is None:
            # A duplicate of a client already in Tandem: the contact goes to that client.
            client_key = None
            client = lookup.client_with_inn(fc.data["inn"])
        elif fc.existing is not None:
            client_key, client = None, fc.existing
    if client_key is None and client is None and (ref or inn):
        client = lookup.client_by_ref(ref, inn)
    if client_key is None and client is None:
        if ref or inn:
            reasons.append(_("Компания «%(ref)s» не найдена ни в файле, ни в Тандеме.") % {"ref": ref or inn})
        else:
            reasons.append(_("Не указана компания контакта."))
    elif fc is not None and client_key is not None and fc.result.action == ERROR:
        reasons.append(_("Компания «%(ref)s» — строка с ошибкой.") % {"ref": ref or inn})
    for label, value in ((_EMAIL_LABEL, email), (_PHONE_LABEL, phone)):
        if value and value in seen:
            reasons.append(_("%(what)s %(value)s уже встречается в строке %(line)s.")
                           % {"what": label, "value": value, "line": seen[value]})
        elif value:
            seen[value] = line
    data: dict[str, Any] = {"full_name": full_name, "position": v("position"), "phone": phone, "email": email,
                            "messenger": v("messenger"), "notes": v("notes")}
    raw_role = v("role")
    if raw_role:
        if norm(raw_role) in _ROLE_WORDS:
            data["role"] = _ROLE_WORDS[norm(raw_role)]
        else:
            reasons.append(_("Роль «%(value)s»: нет такой роли.") % {"value": raw_role})
    raw_birthday = v("birthday")
    if raw_birthday:
        birthday = parse_date(raw_birthday)
        if birthday is None:
            reasons.append(_("День рождения «%(value)s»: нужна дата ДД.ММ.ГГГГ.") % {"value": raw_birthday})
        data["birthday"] = birthday
    fingerprint = _fingerprint({**data, "client_ref": ref, "client_inn": inn})
    planned = _PlannedContact(result, key, data, client_key, client, fingerprint, None)
    if reasons:
        result.action, result.reasons = ERROR, reasons
        return planned
    known = keys.get(key)
    if known is not None:
        planned.existing = lookup.contacts.get(known.object_id)
    if planned.existing is not None:
        assert known is not None
        if known.fingerprint == fingerprint:
            result.action, result.reasons = SKIP, [_("Не изменился с прошлого импорта.")]
        else:
            result.action = UPDATE
            result.changed = [name for name, value in data.items() if getattr(planned.existing, name) != value]
        return planned
    if client is not None and (email or phone):
        twin = lookup.contact_twin(client, email, phone)
        if twin is not None:
            result.action = SKIP
            result.reasons = [_("Контакт «%(name)s» с этим e-mail или телефоном уже есть у клиента.")
                              % {"name": twin.full_name}]
    return planned


def plan(
    *, actor: User, content: bytes, file_name: str, source: str | None = None, dry_run: bool = True,
    sheets: list[Sheet] | None = None, extra_employees: dict[str, Employee] | None = None,
) -> _Plan:
    """Read and validate every row of the clients and contacts sheets; decide for each what the
    real run would do and why. `sheets` are the already parsed file (tandem.imports passes them, and
    checks itself that the file has rows); `extra_employees` (normalised full name → employee, unsaved
    when only planned) are the employees of the file's «Сотрудники» sheet, valid as AMs."""
    employee = actor_employee(actor)
    if employee is None or not permissions.can_import_data(actor):
        raise PermissionDenied()
    file_hash = hashlib.sha256(content).hexdigest()
    whole_file = sheets is None
    if sheets is None:
        sheets = parse(content, file_name)
    source = source or detect_source(sheets)
    if source not in ImportSource.values:
        raise ImportFailed(_("Неизвестный источник."))
    report = ImportReport(source=source, file_name=file_name, file_hash=file_hash, dry_run=dry_run)
    result = _Plan(report)
    agency_id = employee.agency_id
    keys = {(k.kind, k.key): k for k in SourceKey.objects.filter(agency_id=agency_id, source=source)}
    employees = {norm(e.full_name): e for e in Employee.objects.filter(agency_id=agency_id, is_active=True)}
    for name, planned_employee in (extra_employees or {}).items():
        employees.setdefault(name, planned_employee)
    lookup = _Lookup(agency_id, keys)
    overrides = mapping_overrides(agency_id, source)
    for sheet in sorted(sheets, key=lambda s: s.name != CLIENTS_SHEET):
        if sheet.name not in (CLIENTS_SHEET, CONTACTS_SHEET):
            continue
        mapping = map_columns(sheet, overrides.get(sheet.name))
        used = {i: name for name, indexes in mapping.items() for i in indexes}
        report.mapping += [ColumnMapping(sheet.name, h, used.get(i, "")) for i, h in enumerate(sheet.headers) if h]
        if sheet.name == CLIENTS_SHEET:
            if "legal_name" not in mapping:
                report.file_errors.append(_("Лист «%(sheet)s»: нет столбца с названием клиента.")
                                          % {"sheet": sheet.name})
                continue
            seen_inn: dict[str, int] = {}
            seen_keys: dict[str, int] = {}
            client_keys = {k: v for (kind, k), v in keys.items() if kind == SourceKey.Kind.CLIENT}
            for line, cells in sheet.rows:
                planned = _client_row(cells, line, mapping, source=source, agency_id=agency_id, employees=employees,
                                      seen_inn=seen_inn, seen_keys=seen_keys, keys=client_keys, lookup=lookup)
                result.clients.append(planned)
                report.rows.append(planned.result)
                lookup.add_file_client(planned)
        else:
            if "full_name" not in mapping and "first_name" not in mapping:
                report.file_errors.append(_("Лист «%(sheet)s»: нет столбца с ФИО.") % {"sheet": sheet.name})
                continue
            seen: dict[str, int] = {}
            contact_keys = {k: v for (kind, k), v in keys.items() if kind == SourceKey.Kind.CONTACT}
            for line, cells in sheet.rows:
                contact = _contact_row(cells, line, mapping, agency_id=agency_id, lookup=lookup,
                                       seen=seen, keys=contact_keys)
                result.contacts.append(contact)
                report.rows.append(contact.result)
    if whole_file and (not sheets or not any(s.rows for s in sheets)):
        report.file_errors.append(_("В файле нет строк с данными."))
    return result


def import_check(*, actor: User, content: bytes, file_name: str, source: str | None = None) -> ImportReport:
    """The dry run: the report of what the import would do; nothing is written."""
    return plan(actor=actor, content=content, file_name=file_name, source=source, dry_run=True).report


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
    sheets: list[Sheet] | None = None, checked: _Plan | None = None,
) -> ImportReport:
    """The real run: re-plan, refuse if any row has an error, then create and update everything in
    one transaction through the clients services. A service refusing a row rolls the whole file back."""
    with transaction.atomic():
        # `checked`: the caller's dry run of this very file in this transaction (tandem.imports), so a
        # 40,000-row file is not planned twice.
        result = checked or plan(actor=actor, content=content, file_name=file_name, source=source, dry_run=False,
                                 sheets=sheets)
        report = result.report
        if report.has_errors:
            raise ImportFailed(_("В файле есть ошибки (%(n)s) — исправьте их и загрузите снова; ничего не записано.")
                               % {"n": report.errors})
        employee = actor_employee(actor)
        assert employee is not None
        agency_id = employee.agency_id
        if record is None:
            record = ImportRecord(agency_id=agency_id, created_by=actor)
        record.source, record.file_name, record.file_hash = report.source, file_name[:255], report.file_hash
        record.content = b""
        record.applied_at = timezone.now()
        record.save()
        report.import_id = record.pk
        reason = _("Импорт из файла %(name)s") % {"name": file_name}
        key_rows: list[SourceKey] = []

        def key_of(kind: str, key: str, object_id: int, fingerprint: str) -> None:
            key_rows.append(SourceKey(agency_id=agency_id, source=report.source, kind=kind, key=key,
                                      object_id=object_id, fingerprint=fingerprint, import_record=record))

        created: dict[str, Client] = {}
        row: RowResult | None = None
        try:
            # New clients without an AM in bulk (services.clients_create_bulk, the same rows as
            # client_create); an AM's assignment, updates and contacts' updates one by one.
            bulk = [p for p in result.clients if p.result.action == CREATE and p.manager is None]
            try:
                made = services.clients_create_bulk(
                    actor=actor, items=[({**p.data}, p.status) for p in bulk], reason=reason)
            except services.BulkRowInvalid as exc:
                row = bulk[exc.index].result
                raise
            for planned, client in zip(bulk, made, strict=True):
                created[planned.key] = client
                key_of(SourceKey.Kind.CLIENT, planned.key, client.pk, planned.fingerprint)
            for planned in result.clients:
                row = planned.result
                if row.action == CREATE and planned.manager is not None:
                    client = services.client_create(
                        actor=actor, data={**planned.data, "status": planned.status},
                        account_manager=planned.manager, reason=reason,
                    ).client
                    created[planned.key] = client
                elif row.action == UPDATE:
                    assert planned.existing is not None
                    client = services.client_update(actor=actor, client=planned.existing, data=planned.data)
                    if planned.manager is not None and client.account_manager_id != planned.manager.pk:
                        services.client_assign_account_manager(actor=actor, client=client, manager=planned.manager,
                                                               reason=_("Импорт из файла"))
                else:
                    continue
                key_of(SourceKey.Kind.CLIENT, planned.key, client.pk, planned.fingerprint)
            new_contacts: list[tuple[_PlannedContact, Client]] = []
            for contact_plan in result.contacts:
                row = contact_plan.result
                if row.action == CREATE:
                    client_obj = contact_plan.client or created.get(contact_plan.client_key or "")
                    if client_obj is None and contact_plan.client_key:
                        known = SourceKey.objects.get(agency_id=agency_id, source=report.source,
                                                      kind=SourceKey.Kind.CLIENT, key=contact_plan.client_key)
                        client_obj = Client.objects.get(agency_id=agency_id, pk=known.object_id)
                    assert client_obj is not None
                    new_contacts.append((contact_plan, client_obj))
                elif row.action == UPDATE:
                    assert contact_plan.existing is not None
                    contact = services.contact_update(actor=actor, contact=contact_plan.existing,
                                                      data=contact_plan.data)
                    key_of(SourceKey.Kind.CONTACT, contact_plan.key, contact.pk, contact_plan.fingerprint)
            try:
                contacts = services.contacts_create_bulk(
                    actor=actor, items=[(client_obj, p.data) for p, client_obj in new_contacts])
            except services.BulkRowInvalid as exc:
                row = new_contacts[exc.index][0].result
                raise
            for (contact_plan, _client), contact in zip(new_contacts, contacts, strict=True):
                key_of(SourceKey.Kind.CONTACT, contact_plan.key, contact.pk, contact_plan.fingerprint)
            SourceKey.objects.bulk_create(
                key_rows, batch_size=1000, update_conflicts=True, unique_fields=["agency", "source", "kind", "key"],
                update_fields=["object_id", "fingerprint", "import_record"])
        except ValidationError as exc:
            where = {"sheet": row.sheet, "line": row.line} if row else {"sheet": CLIENTS_SHEET, "line": "—"}
            raise ImportFailed(_("Лист «%(sheet)s», строка %(line)s: %(error)s — ничего не записано.") % {
                **where, "error": "; ".join(exc.messages)}) from exc
        record.created_count, record.updated_count = report.created, report.updated
        record.skipped_count, record.error_count = report.skipped, 0
        record.report = report.to_dict()
        record.save()
    return report


def import_apply_staged(*, actor: User, record: ImportRecord) -> ImportReport:
    """Apply a file checked earlier in the web wizard (the rows are planned again)."""
    if record.applied_at is not None:
        raise ImportFailed(_("Этот файл уже импортирован."))
    return import_apply(actor=actor, content=bytes(record.content), file_name=record.file_name,
                        source=record.source, record=record)


def template_xlsx() -> bytes:
    """The empty Tandem template: sheets «Клиенты» and «Контакты» with their column headers."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for sheet_name, columns in TEMPLATE_DOC.items():
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = sheet_name
        ws.append([name for name, _required, _hint in columns])
        first = False
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
