"""1CClientBankExchange bank statements: a plain-Python parser (no Django, no database).

The format (1C ↔ bank client exchange, versions 1.02/1.03):

    1CClientBankExchange
    ВерсияФормата=1.03
    Кодировка=Windows          <- not to be trusted: real files lie
    РасчСчет=40702810...
    СекцияРасчСчет ... КонецРасчСчет
    СекцияДокумент=Платежное поручение
    Номер=1
    Дата=09.01.2024
    Сумма=13056.00
    ...
    КонецДокумента
    КонецФайла

Rules kept here (DOMAIN.md, "Facts worth knowing"):
- decode by content: UTF-8 first, then cp1251, whatever `Кодировка` says;
- every document section is parsed; the direction comes from comparing the payer's and the
  recipient's accounts with the agency's own accounts, then from ДатаПоступило/ДатаСписано;
- bank fees are `Банковский ордер` with `ВидОплаты=17`;
- a payer INN that is malformed or fails its checksum is a warning on the document, never a
  reason to reject the file;
- anything structurally wrong (no header, a section that never ends, an unreadable amount or
  date) raises `StatementFormatError` naming the line; so do bytes that are no text in either
  encoding (binary garbage, a UTF-8 file cut in the middle of a character), a NUL character, an
  amount beyond what a money column holds and a date outside 2000–2099.

Purposes cite invoices in many ways («№ 198 от 01.02.2026», «сч.198, 199», «N198», «INV-2026-7»);
`extract_invoice_refs` finds those tokens, and `parse_amount` reads «3 416.95» or «25000-00».
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

HEADER = "1CClientBankExchange"
BANK_ORDER = "банковский ордер"
BANK_FEE_PAYMENT_KIND = "17"

INCOMING = "incoming"
OUTGOING = "outgoing"
INTERNAL = "internal"
UNKNOWN = "unknown"


class StatementFormatError(ValueError):
    """The file is not a readable 1CClientBankExchange statement. `line` is 1-based (0: whole file)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"Строка {line}: {message}" if line else message)


# --- small value parsers ----------------------------------------------------------------------

MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount the books hold (money columns are max_digits=14, decimal_places=2)."""
FIRST_YEAR, LAST_YEAR = 2000, 2099

_AMOUNT_RE = re.compile(r"^\d{1,15}(?:[.,]\d{1,2}|-\d{2})?$")


def parse_amount(raw: str) -> Decimal:
    """Read a ruble amount as it appears in statements and purposes.

    Accepts «40000.00», «40000», «3 416.95» (spaces, incl. non-breaking, as thousands
    separators), «25000-00» (kopecks after a dash) and «1234,5». Raises ValueError otherwise.
    """
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ").replace(" ", "")
    if not _AMOUNT_RE.match(text):
        raise ValueError(f"not an amount: {raw!r}")
    text = text.replace(",", ".")
    if "-" in text:
        rubles, kopecks = text.split("-")
        text = f"{rubles}.{kopecks}"
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise ValueError(f"not an amount: {raw!r}") from None


def parse_date(raw: str) -> date | None:
    """DD.MM.YYYY (the format's only date form); empty → None; anything else → ValueError."""
    text = raw.strip()
    if not text:
        return None
    return datetime.strptime(text, "%d.%m.%Y").date()


_INN10_W = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_W1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_W2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_problem(inn: str) -> str | None:
    """Why `inn` is not a valid Russian INN (10 or 12 digits with check digits), or None if it is.

    Kept here rather than imported from tandem.core: integrations sit beside core, not above it.
    """
    if not inn:
        return None
    if not inn.isdigit() or len(inn) not in (10, 12):
        return f"ИНН {inn} должен состоять из 10 или 12 цифр (в нём {len(inn)} симв.)"
    if len(inn) == 10:
        ok = _check(inn, _INN10_W) == int(inn[9])
    else:
        ok = _check(inn, _INN12_W1) == int(inn[10]) and _check(inn, _INN12_W2) == int(inn[11])
    return None if ok else f"ИНН {inn} не проходит проверку контрольного числа"


# --- invoice references in the payment purpose ------------------------------------------------

_TOKEN = r"(?:[A-Za-zА-Яа-я]{1,6}-)*\d[\w/-]*"
_LIST = rf"{_TOKEN}(?:\s*(?:,|;|\bи\b)\s*{_TOKEN})*"
_MARKER = (
    r"(?:№|(?<![A-Za-zА-Яа-я])N(?=\s*\d)|(?<![A-Za-zА-Яа-я])сч(?:ет|ёт)?(?:ам|ах|ов|у|а|ом)?\.?"
    r"(?:\s+на\s+оплату)?)"
)
_REF_RE = re.compile(rf"{_MARKER}\s*[:.]?\s*(?:№\s*)?({_LIST})", re.IGNORECASE)
_INV_RE = re.compile(r"\bINV-[A-Za-z0-9][A-Za-z0-9/-]*", re.IGNORECASE)
_SPLIT_RE = re.compile(r"\s*(?:,|;|\bи\b)\s*", re.IGNORECASE)
# «по договору № 15», «дог. N 15»: the number of a contract, not of an invoice.
_CONTRACT_BEFORE_RE = re.compile(r"(?:договор\w*|дог\.?)\s*$", re.IGNORECASE)
_SEQ_RE = re.compile(r"^(?:[A-ZА-Я]{1,6}-)*(?:(\d{4}|\d{2})[-/])?0*(\d+)$", re.IGNORECASE)


def join_purpose(parts: list[str]) -> str:
    """One purpose from the lines it was split over (НазначениеПлатежа, …1…6, or the lines of
    a multi-line text): joined with a space, except that a number broken after a dash or a
    slash («№ 2026-» / «0012») is glued back."""
    text = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if text and text[-1] in "-/" and part[0].isdigit():
            text += part
        else:
            text = f"{text} {part}" if text else part
    return text


def invoice_seq(number: str) -> tuple[int, str] | None:
    """(sequence number, year) of an invoice number or a cited token, for matching a number
    cited without its year prefix: «2026-0012» → (12, "2026"), «26-12» → (12, "26"), «0012» →
    (12, ""), «INV-2026-7» → (7, "2026"); None when the token is not of that shape."""
    match = _SEQ_RE.match(number.strip())
    if not match:
        return None
    return int(match.group(2)), match.group(1) or ""


def extract_invoice_refs(purpose: str) -> list[str]:
    """Invoice numbers cited in a payment purpose, in order of appearance, without duplicates.

    «Оплата по счету № 198 от 01.02.2026» → ["198"]; «сч.198, 199» → ["198", "199"];
    «N198» → ["198"]; «по INV-2026-0012» → ["INV-2026-0012"]. Dates after «от» and amounts
    are not taken: only tokens right after a marker (№, N, сч., счет, счету…) or INV-… count,
    and a «№»/«N» right after «договор»/«дог.» is a contract number, not an invoice.
    Callers keep only the tokens that are real invoice numbers of the agency.
    """
    purpose = join_purpose(purpose.splitlines())  # a purpose typed over several lines reads as one
    found: list[str] = []
    for match in _INV_RE.finditer(purpose):
        found.append(match.group(0).rstrip("-/.").upper())
    for match in _REF_RE.finditer(purpose):
        if _CONTRACT_BEFORE_RE.search(purpose[: match.start()]) and not match.group(0).lower().startswith("сч"):
            continue
        for token in _SPLIT_RE.split(match.group(1)):
            token = token.strip().rstrip("-/.")
            if token and any(ch.isdigit() for ch in token):
                found.append(token.upper() if token.upper().startswith("INV-") else token)
    seen: set[str] = set()
    ordered = []
    for token in found:
        key = token.upper()
        if key not in seen:
            seen.add(key)
            ordered.append(token)
    return ordered


# --- the statement --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountSection:
    account: str
    start: date | None
    end: date | None
    opening_balance: Decimal | None
    total_in: Decimal | None
    total_out: Decimal | None
    closing_balance: Decimal | None


@dataclass(frozen=True)
class StatementDocument:
    """One СекцияДокумент. `line` is where the section starts (1-based)."""

    line: int
    kind: str
    number: str
    date: date | None
    amount: Decimal
    payer_name: str
    payer_inn: str
    payer_kpp: str
    payer_account: str
    payer_bik: str
    recipient_name: str
    recipient_inn: str
    recipient_account: str
    purpose: str
    payment_kind: str
    # `dt.date`: inside this class `date` is the field above.
    date_received: dt.date | None
    date_debited: dt.date | None
    fields: dict[str, str] = field(repr=False, compare=False, default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def is_bank_fee(self) -> bool:
        """Bank fees come as «Банковский ордер» with ВидОплаты=17."""
        return self.payment_kind == BANK_FEE_PAYMENT_KIND and (
            self.kind.lower() == BANK_ORDER or not self.kind
        )

    def direction(self, own_accounts: set[str] | frozenset[str]) -> str:
        """incoming / outgoing / internal (both accounts ours) / unknown, from the agency's view.

        Accounts decide; when neither account is ours the dates ДатаПоступило/ДатаСписано do.
        """
        to_us = self.recipient_account in own_accounts
        from_us = self.payer_account in own_accounts
        if to_us and from_us:
            return INTERNAL
        if to_us:
            return INCOMING
        if from_us:
            return OUTGOING
        if self.date_received and not self.date_debited:
            return INCOMING
        if self.date_debited and not self.date_received:
            return OUTGOING
        return UNKNOWN

    @property
    def key(self) -> str:
        """A stable identity of the document across files (for idempotent import)."""
        parts = [
            self.kind.lower(), self.number, self.date.isoformat() if self.date else "", str(self.amount),
            self.payer_account, self.payer_inn, self.recipient_account, " ".join(self.purpose.split()),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()

    @property
    def invoice_refs(self) -> list[str]:
        return extract_invoice_refs(self.purpose)


@dataclass(frozen=True)
class Statement:
    encoding: str
    version: str
    sender: str
    created: date | None
    start: date | None
    end: date | None
    accounts: tuple[str, ...]
    sections: tuple[AccountSection, ...]
    documents: tuple[StatementDocument, ...]
    header: dict[str, str] = field(repr=False, default_factory=dict)

    def own_accounts(self) -> frozenset[str]:
        """Accounts the statement is for: header РасчСчет lines plus the balance sections."""
        return frozenset(self.accounts) | frozenset(s.account for s in self.sections if s.account)

    @property
    def warnings(self) -> list[str]:
        return [f"Строка {d.line}: {w}" for d in self.documents for w in d.warnings]


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_statement(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 if the bytes are valid UTF-8, else cp1251. The label is ignored.
    A UTF-8 file cut in the middle of a character, bytes that are text in neither encoding and
    a NUL character raise StatementFormatError naming the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data:
        raise StatementFormatError(_line_of(data, data.index(b"\x00")),
                                   "нулевой байт: это не текстовая выписка (двоичный файл?)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(data):
            raise StatementFormatError(_line_of(data, exc.start),
                                       "файл оборван посреди символа: загрузите выписку целиком") from None
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError as exc:
        raise StatementFormatError(_line_of(data, exc.start),
                                   "байты, не являющиеся текстом ни в UTF-8, ни в Windows-1251") from None


def _split(line_no: int, line: str) -> tuple[str, str]:
    if "=" not in line:
        raise StatementFormatError(line_no, f"ожидалась строка «Ключ=Значение», получено «{line[:60]}»")
    key, value = line.split("=", 1)
    return key.strip(), value.strip()


def _date_field(fields: dict[str, str], lines: dict[str, int], key: str) -> date | None:
    try:
        value = parse_date(fields.get(key, ""))
    except ValueError:
        raise StatementFormatError(
            lines.get(key, 0), f"{key}: «{fields.get(key)}» — не дата в формате ДД.ММ.ГГГГ"
        ) from None
    _check_year(value, lines.get(key, 0), key)
    return value


def _check_year(value: date | None, line: int, key: str) -> None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise StatementFormatError(line, f"{key}: {value:%d.%m.%Y} — дата вне {FIRST_YEAR}–{LAST_YEAR} годов")


def _amount_field(fields: dict[str, str], lines: dict[str, int], key: str) -> Decimal:
    try:
        amount = parse_amount(fields[key])
    except ValueError:
        raise StatementFormatError(lines[key], f"{key}: «{fields[key]}» — не сумма") from None
    if amount > MAX_AMOUNT:
        raise StatementFormatError(lines[key], f"{key}: «{fields[key]}» — больше допустимой суммы {MAX_AMOUNT}")
    return amount


def _glued_inn(value: str) -> tuple[str, str]:
    """«7123456789, ООО "Рога и копыта"» → ("7123456789", 'ООО "Рога и копыта"')."""
    match = re.match(r"^\s*(\d{10}|\d{12}|\d{13}|\d{9}|\d{11})\s*[,;]?\s*(.*)$", value)
    if match:
        return match.group(1), match.group(2).strip()
    return "", value.strip()


def _document(start_line: int, kind: str, fields: dict[str, str], lines: dict[str, int]) -> StatementDocument:
    if "Сумма" not in fields:
        raise StatementFormatError(start_line, f"в документе «{kind}» нет поля Сумма")
    amount = _amount_field(fields, lines, "Сумма")
    doc_date = _date_field(fields, lines, "Дата")
    received = _date_field(fields, lines, "ДатаПоступило")
    debited = _date_field(fields, lines, "ДатаСписано")

    glued_payer_inn, glued_payer_name = _glued_inn(fields.get("Плательщик", ""))
    payer_inn = fields.get("ПлательщикИНН", "") or glued_payer_inn
    payer_name = fields.get("Плательщик1", "") or glued_payer_name
    glued_rec_inn, glued_rec_name = _glued_inn(fields.get("Получатель", ""))
    recipient_inn = fields.get("ПолучательИНН", "") or glued_rec_inn
    recipient_name = fields.get("Получатель1", "") or glued_rec_name
    purpose_parts = [fields.get("НазначениеПлатежа", "")] + [
        fields.get(f"НазначениеПлатежа{i}", "") for i in range(1, 7)
    ]
    purpose = join_purpose(purpose_parts)

    warnings = []
    payment_kind = fields.get("ВидОплаты", "")
    for role, inn in (("плательщика", payer_inn), ("получателя", recipient_inn)):
        problem = inn_problem(inn)
        if problem:
            warnings.append(f"ИНН {role}: {problem}")
    return StatementDocument(
        line=start_line,
        kind=kind,
        number=fields.get("Номер", ""),
        date=doc_date,
        amount=amount,
        payer_name=payer_name,
        payer_inn=payer_inn,
        payer_kpp=fields.get("ПлательщикКПП", ""),
        payer_account=fields.get("ПлательщикСчет", "") or fields.get("ПлательщикРасчСчет", ""),
        payer_bik=fields.get("ПлательщикБИК", ""),
        recipient_name=recipient_name,
        recipient_inn=recipient_inn,
        recipient_account=fields.get("ПолучательСчет", "") or fields.get("ПолучательРасчСчет", ""),
        purpose=purpose,
        payment_kind=payment_kind,
        date_received=received,
        date_debited=debited,
        fields=dict(fields),
        warnings=tuple(warnings),
    )


def _optional_amount(fields: dict[str, str], lines: dict[str, int], key: str) -> Decimal | None:
    if not fields.get(key):
        return None
    return _amount_field(fields, lines, key)


def parse_statement(data: bytes) -> Statement:
    """Parse a whole statement. Raises StatementFormatError (with the line) when it is malformed."""
    text, encoding = decode_statement(data)
    raw_lines = text.splitlines()
    if not raw_lines or raw_lines[0].strip() != HEADER:
        first = raw_lines[0].strip()[:60] if raw_lines else ""
        raise StatementFormatError(1, f"файл должен начинаться с «{HEADER}», а начинается с «{first}»")

    header: dict[str, str] = {}
    header_lines: dict[str, int] = {}
    accounts: list[str] = []
    sections: list[AccountSection] = []
    documents: list[StatementDocument] = []
    ended = False
    current: str | None = None  # None, "account" or "document"
    doc_kind = ""
    start_line = 0
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}

    for index, raw in enumerate(raw_lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if ended:
            raise StatementFormatError(index, "данные после «КонецФайла»")
        if line == "КонецФайла":
            if current is not None:
                raise StatementFormatError(start_line, "секция не закрыта до «КонецФайла»")
            ended = True
            continue
        if line == "СекцияРасчСчет" or line.startswith("СекцияДокумент"):
            if current is not None:
                raise StatementFormatError(
                    index, f"новая секция, а секция со строки {start_line} не закрыта"
                )
            current = "account" if line == "СекцияРасчСчет" else "document"
            doc_kind = _split(index, line)[1] if current == "document" else ""
            start_line, fields, lines = index, {}, {}
            continue
        if line == "КонецРасчСчет":
            if current != "account":
                raise StatementFormatError(index, "«КонецРасчСчет» без «СекцияРасчСчет»")
            sections.append(
                AccountSection(
                    account=fields.get("РасчСчет", ""),
                    start=_date_field(fields, lines, "ДатаНачала"),
                    end=_date_field(fields, lines, "ДатаКонца"),
                    opening_balance=_optional_amount(fields, lines, "НачальныйОстаток"),
                    total_in=_optional_amount(fields, lines, "ВсегоПоступило"),
                    total_out=_optional_amount(fields, lines, "ВсегоСписано"),
                    closing_balance=_optional_amount(fields, lines, "КонечныйОстаток"),
                )
            )
            current = None
            continue
        if line == "КонецДокумента":
            if current != "document":
                raise StatementFormatError(index, "«КонецДокумента» без «СекцияДокумент»")
            documents.append(_document(start_line, doc_kind, fields, lines))
            current = None
            continue
        key, value = _split(index, line)
        if current is None:
            if key == "РасчСчет":
                accounts.append(value)
            header[key] = value
            header_lines[key] = index
        else:
            fields[key] = value
            lines[key] = index
    if current is not None:
        raise StatementFormatError(start_line, "секция не закрыта: файл оборвался")
    if not ended:
        raise StatementFormatError(len(raw_lines), "нет строки «КонецФайла»: файл неполный")

    def header_date(key: str) -> date | None:
        try:
            value = parse_date(header.get(key, ""))
        except ValueError:
            raise StatementFormatError(header_lines.get(key, 0), f"{key}: «{header.get(key)}» — не дата") from None
        _check_year(value, header_lines.get(key, 0), key)
        return value

    return Statement(
        encoding=encoding,
        version=header.get("ВерсияФормата", ""),
        sender=header.get("Отправитель", ""),
        created=header_date("ДатаСоздания"),
        start=header_date("ДатаНачала"),
        end=header_date("ДатаКонца"),
        accounts=tuple(accounts),
        sections=tuple(sections),
        documents=tuple(documents),
        header=header,
    )


# --- writing (for practice statements and tests) ------------------------------------------------


@dataclass(frozen=True)
class OutgoingDocument:
    """One document to write: a payment order to (or from) `account`'s owner."""

    kind: str  # «Платежное поручение» or «Банковский ордер»
    number: str
    date: date
    amount: Decimal
    payer_account: str
    payer_inn: str
    payer_name: str
    recipient_account: str
    recipient_inn: str
    recipient_name: str
    purpose: str
    payment_kind: str = "01"


def write_statement(
    *, account: str, start: date, end: date, documents: list[OutgoingDocument], sender: str = "Тандем",
    opening_balance: Decimal = Decimal("0.00"),
) -> bytes:
    """A 1CClientBankExchange 1.03 file as banks send it: windows-1251, CRLF, a balance section
    for `account`, then the documents (incoming when the recipient is `account`)."""
    def day(d: date) -> str:
        return d.strftime("%d.%m.%Y")

    incoming = sum((d.amount for d in documents if d.recipient_account == account), Decimal("0.00"))
    outgoing = sum((d.amount for d in documents if d.payer_account == account), Decimal("0.00"))
    lines = [
        HEADER, "ВерсияФормата=1.03", "Кодировка=Windows", f"Отправитель={sender}", "Получатель=1С:Предприятие",
        f"ДатаСоздания={day(end)}", f"ДатаНачала={day(start)}", f"ДатаКонца={day(end)}", f"РасчСчет={account}",
        "СекцияРасчСчет", f"ДатаНачала={day(start)}", f"ДатаКонца={day(end)}", f"РасчСчет={account}",
        f"НачальныйОстаток={opening_balance:.2f}", f"ВсегоПоступило={incoming:.2f}", f"ВсегоСписано={outgoing:.2f}",
        f"КонечныйОстаток={opening_balance + incoming - outgoing:.2f}", "КонецРасчСчет",
    ]
    for d in documents:
        moved = "ДатаПоступило" if d.recipient_account == account else "ДатаСписано"
        lines += [
            f"СекцияДокумент={d.kind}", f"Номер={d.number}", f"Дата={day(d.date)}", f"Сумма={d.amount:.2f}",
            f"ПлательщикСчет={d.payer_account}", f"ПлательщикИНН={d.payer_inn}", f"Плательщик1={d.payer_name}",
            f"ПолучательСчет={d.recipient_account}", f"{moved}={day(d.date)}", f"ПолучательИНН={d.recipient_inn}",
            f"Получатель1={d.recipient_name}", f"ВидОплаты={d.payment_kind}", f"НазначениеПлатежа={d.purpose}",
            "КонецДокумента",
        ]
    lines.append("КонецФайла")
    return ("\r\n".join(lines) + "\r\n").encode("cp1251", errors="replace")
