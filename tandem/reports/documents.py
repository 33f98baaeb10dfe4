"""Documents from the agency's DOCX templates (docxtpl), and their PDF.

- Each kind (contract, act, КП, client report) has a documented set of placeholders
  (`FIELDS`): top-level names (`agency`, `client`, `contract`, `lines`…) with their attributes.
  A template may use only those; anything else, and broken Jinja syntax, is refused on upload
  (`validate_template`: docxtpl renders it with `sample_context` under StrictUndefined).
- Built-in defaults for each kind are built here with python-docx (`default_template`), so no
  binary template ships in the repository.
- PDF: the rendered DOCX is turned into simple HTML (headings, paragraphs with bold runs,
  tables) and printed by WeasyPrint, which needs no office suite on a fresh machine. When
  `use_libreoffice` is set and `soffice` is on the PATH, LibreOffice converts the DOCX
  instead (exact layout).
"""

from __future__ import annotations

import html
import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError

from tandem.billing.documents import amount_in_words, vat_label, vat_line
from tandem.core.money import format_money, format_quantity

from .models import DocumentKind

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class TemplateInvalid(Exception):
    """The template cannot be rendered; the message names the problem (and the line)."""


@dataclass(frozen=True)
class Field:
    name: str
    description: str


AGENCY_FIELDS = [
    Field("agency.name", "Юридическое название агентства"),
    Field("agency.inn", "ИНН агентства"),
    Field("agency.kpp", "КПП агентства"),
    Field("agency.ogrn", "ОГРН агентства"),
    Field("agency.address", "Адрес агентства"),
    Field("agency.bank_name", "Банк агентства"),
    Field("agency.bik", "БИК"),
    Field("agency.bank_account", "Расчётный счёт"),
    Field("agency.correspondent_account", "Корр. счёт"),
    Field("agency.director_name", "Руководитель (подписант)"),
    Field("agency.director_position", "Должность руководителя"),
]
CLIENT_FIELDS = [
    Field("client.name", "Юридическое название клиента"),
    Field("client.brand", "Бренд клиента"),
    Field("client.inn", "ИНН клиента"),
    Field("client.kpp", "КПП клиента"),
    Field("client.ogrn", "ОГРН/ОГРНИП клиента"),
    Field("client.address", "Юридический адрес клиента"),
    Field("client.bank_name", "Банк клиента"),
    Field("client.bik", "БИК банка клиента"),
    Field("client.bank_account", "Расчётный счёт клиента"),
]
COMMON_FIELDS = [Field("today", "Дата составления, «03.12.2026»"), *AGENCY_FIELDS, *CLIENT_FIELDS]
MONEY_FIELDS = [
    Field("total", "Итого, «122 000,00»"),
    Field("amount_words", "Сумма прописью: «Сто двадцать две тысячи рублей 00 копеек»"),
    Field("vat_label", "«В том числе НДС 22 %» или «Без налога (НДС)»"),
    Field("vat_text", "Строка НДС с суммой: «В том числе НДС 22 %: 22 000,00» или «Без налога (НДС)»"),
]

FIELDS: dict[str, list[Field]] = {
    DocumentKind.CONTRACT: [
        *COMMON_FIELDS,
        Field("contract.number", "Номер договора"), Field("contract.date", "Дата договора"),
        Field("contract.start_date", "Начало действия"), Field("contract.end_date", "Окончание (или пусто)"),
        Field("contract.payment_terms_days", "Срок оплаты, дней"),
        Field("lines", "Услуги: {%tr for line in lines %} … {%tr endfor %}"),
        Field("line.service", "Услуга"), Field("line.billing_model", "Модель оплаты"),
        Field("line.description", "Описание"), Field("line.amount", "Стоимость, «90 000,00»"),
        *MONEY_FIELDS,
    ],
    DocumentKind.ACT: [
        *COMMON_FIELDS,
        Field("act.number", "Номер акта"), Field("act.date", "Дата акта"),
        Field("act.period", "Период оказания услуг, «01.11.2026 – 30.11.2026»"),
        Field("act.invoice_number", "Номер счёта"), Field("act.contract", "Договор: «№ 12 от 10.01.2026»"),
        Field("act.supplier_signer", "Подписант исполнителя"), Field("act.supplier_signer_position", "Его должность"),
        Field("act.client_signer", "Подписант заказчика"), Field("act.client_signer_position", "Его должность"),
        Field("lines", "Строки: {%tr for line in lines %} … {%tr endfor %}"),
        Field("line.name", "Наименование"), Field("line.quantity", "Количество"), Field("line.unit", "Ед. изм."),
        Field("line.price", "Цена"), Field("line.amount", "Сумма"),
        *MONEY_FIELDS,
    ],
    DocumentKind.PROPOSAL: [
        *COMMON_FIELDS,
        Field("proposal.number", "Номер КП"), Field("proposal.date", "Дата КП"),
        Field("proposal.valid_until", "Действительно до"), Field("proposal.discount_percent", "Скидка, %"),
        Field("proposal.subtotal", "Сумма до скидки"), Field("proposal.discount", "Сумма скидки"),
        Field("proposal.discount_reason", "Основание скидки (правило лояльности)"),
        Field("proposal.author", "Кто подготовил"),
        Field("lines", "Услуги: {%tr for line in lines %} … {%tr endfor %}"),
        Field("line.name", "Услуга"), Field("line.description", "Описание услуги из каталога"),
        Field("line.quantity", "Количество"), Field("line.price", "Цена"), Field("line.amount", "Сумма"),
        *MONEY_FIELDS,
    ],
    DocumentKind.CLIENT_REPORT: [
        *COMMON_FIELDS,
        Field("report.period", "Период, «01.11.2026 – 30.11.2026»"),
        Field("report.previous_period", "Предыдущий период для сравнения"),
        Field("report.year_ago_period", "Тот же период год назад, «01.11.2025 – 30.11.2025»"),
        Field("report.summary", "Итоги периода (текст аккаунта)"), Field("report.next_plan", "План на следующий период"),
        Field("report.author", "Аккаунт-менеджер"), Field("report.hours_total", "Всего часов"),
        Field("report.issued", "Выставлено счетов, ₽"), Field("report.paid", "Оплачено, ₽"),
        Field("report.outstanding", "Задолженность, ₽"),
        Field("tasks", "Выполненные задачи: {% for t in tasks %} t.title, t.project, t.closed"),
        Field("stages", "Согласованные этапы: {% for s in stages %} s.title, s.project, s.approved"),
        Field("hours", "Часы по проектам: {%tr for h in hours %} h.project, h.service, h.hours, h.planned"),
        Field("results", "Результаты: {%tr for r in results %} r.name, r.current, r.previous, r.change, "
                         "r.year_ago, r.year_change, r.source"),
        Field("r.year_ago", "Значение за тот же период год назад («—», если данных нет)"),
        Field("r.year_change", "Изменение к прошлому году, «+12 %» («—», если сравнивать не с чем)"),
        Field("r.source", "Откуда взята цифра: «Яндекс Метрика», «Google Analytics 4», …"),
    ],
}

ROOTS: dict[str, set[str]] = {
    kind: {f.name.split(".")[0] for f in fields if not f.name.startswith(("line.", "r."))} for kind, fields in FIELDS.items()
}


def fmt_date(value: date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def money_fields(total: Decimal, vat_rate: Decimal | None, vat_amount: Decimal) -> dict[str, str]:
    return {
        "total": format_money(total), "amount_words": amount_in_words(total),
        "vat_label": vat_label(vat_rate), "vat_text": vat_line(vat_rate, vat_amount),
    }


# --- sample data: the upload check and the placeholder page -----------------------------------

_SAMPLE_AGENCY = {
    "name": 'ООО "Тандем"', "inn": "7707083893", "kpp": "770701001", "ogrn": "1027700132195",
    "address": "г. Москва, ул. Примерная, д. 1", "bank_name": "ПАО Сбербанк", "bik": "044525225",
    "bank_account": "40702810200000000001", "correspondent_account": "30101810400000000225",
    "director_name": "Иванов И. И.", "director_position": "Генеральный директор",
}
_SAMPLE_CLIENT = {
    "name": 'ООО "Альфа"', "brand": "Альфа", "inn": "7702070139", "kpp": "770201001", "ogrn": "1027739609391",
    "address": "г. Москва, ул. Клиентская, д. 2", "bank_name": "АО Банк", "bik": "044525225",
    "bank_account": "40702810900000000002",
}


def sample_context(kind: str) -> dict[str, Any]:
    """Made-up data with every documented placeholder, for the upload check."""
    base: dict[str, Any] = {"today": "03.12.2026", "agency": dict(_SAMPLE_AGENCY), "client": dict(_SAMPLE_CLIENT)}
    totals = money_fields(Decimal("122000.00"), Decimal("22"), Decimal("22000.00"))
    if kind == DocumentKind.CONTRACT:
        base["contract"] = {"number": "12/2026", "date": "10.01.2026", "start_date": "15.01.2026", "end_date": "",
                            "payment_terms_days": 5}
        base["lines"] = [{"service": "SEO-продвижение", "billing_model": "Ежемесячный абонемент",
                          "description": "", "amount": "122 000,00"}]
        base.update(totals)
    elif kind == DocumentKind.ACT:
        base["act"] = {"number": "41", "date": "30.11.2026", "period": "01.11.2026 – 30.11.2026",
                       "invoice_number": "198", "contract": "№ 12/2026 от 10.01.2026",
                       "supplier_signer": "Иванов И. И.", "supplier_signer_position": "Генеральный директор",
                       "client_signer": "", "client_signer_position": ""}
        base["lines"] = [{"name": "SEO-продвижение за ноябрь 2026", "quantity": "1", "unit": "усл.",
                          "price": "122 000,00", "amount": "122 000,00"}]
        base.update(totals)
    elif kind == DocumentKind.PROPOSAL:
        base["proposal"] = {"number": "КП-1", "date": "03.12.2026", "valid_until": "31.12.2026",
                            "discount_percent": "0", "subtotal": "122 000,00", "discount": "0,00",
                            "discount_reason": "", "author": "Петров П. П."}
        base["lines"] = [{"name": "SEO-продвижение", "description": "", "quantity": "1", "price": "122 000,00",
                          "amount": "122 000,00"}]
        base.update(totals)
    elif kind == DocumentKind.CLIENT_REPORT:
        base["report"] = {"period": "01.11.2026 – 30.11.2026", "previous_period": "01.10.2026 – 31.10.2026",
                          "year_ago_period": "01.11.2025 – 30.11.2025",
                          "summary": "Итоги", "next_plan": "План", "author": "Петров П. П.", "hours_total": "12,5",
                          "issued": "122 000,00", "paid": "122 000,00", "outstanding": "0,00"}
        base["tasks"] = [{"title": "Аудит сайта", "project": "SEO", "closed": "10.11.2026"}]
        base["stages"] = [{"title": "Стратегия", "project": "SEO", "approved": "12.11.2026"}]
        base["hours"] = [{"project": "SEO", "service": "SEO-продвижение", "hours": "12,5", "planned": "20"}]
        base["results"] = [{"name": "Визиты", "current": "1 200", "previous": "1 000", "change": "+20 %",
                            "year_ago": "800", "year_change": "+50 %", "source": "Яндекс Метрика"}]
    return base


# --- default templates (python-docx) ----------------------------------------------------------


def _table(doc: Any, header: list[str], loop: str, cells: list[str]) -> None:
    """A table with a header row and one row repeated by docxtpl's {%tr for %}."""
    table = doc.add_table(rows=4, cols=len(header))
    table.style = "Table Grid"
    for i, title in enumerate(header):
        table.rows[0].cells[i].text = title
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for i, cell in enumerate(cells):
        table.rows[2].cells[i].text = "{{ " + cell + " }}"
    table.rows[3].cells[0].text = "{%tr endfor %}"


def _requisites(doc: Any) -> None:
    doc.add_paragraph("Исполнитель: {{ agency.name }}, ИНН {{ agency.inn }}, {{ agency.address }}, "
                      "р/с {{ agency.bank_account }} в {{ agency.bank_name }}, БИК {{ agency.bik }}")
    doc.add_paragraph("Заказчик: {{ client.name }}, ИНН {{ client.inn }}, {{ client.address }}")


def _signatures(doc: Any) -> None:
    doc.add_paragraph("Исполнитель: {{ agency.director_position }} ____________ {{ agency.director_name }}")
    doc.add_paragraph("Заказчик: ____________")


def default_template(kind: str) -> bytes:
    """The built-in template of `kind`, made with python-docx (every placeholder it uses is documented)."""
    doc = Document()
    if kind == DocumentKind.CONTRACT:
        doc.add_heading("Договор № {{ contract.number }}", level=1)
        doc.add_paragraph("от {{ contract.date }}, действует с {{ contract.start_date }}")
        _requisites(doc)
        doc.add_paragraph("1. Исполнитель оказывает Заказчику услуги:")
        _table(doc, ["Услуга", "Модель оплаты", "Стоимость, ₽"], "line in lines",
               ["line.service", "line.billing_model", "line.amount"])
        doc.add_paragraph("Итого: {{ total }} ({{ amount_words }}). {{ vat_label }}.")
        doc.add_paragraph("2. Заказчик оплачивает счёт в течение {{ contract.payment_terms_days }} дней.")
        _signatures(doc)
    elif kind == DocumentKind.ACT:
        doc.add_heading("Акт № {{ act.number }} от {{ act.date }}", level=1)
        doc.add_paragraph("об оказании услуг за период {{ act.period }} по договору {{ act.contract }}")
        _requisites(doc)
        _table(doc, ["Наименование", "Кол-во", "Ед.", "Цена", "Сумма"], "line in lines",
               ["line.name", "line.quantity", "line.unit", "line.price", "line.amount"])
        doc.add_paragraph("Итого: {{ total }}. {{ vat_text }}.")
        doc.add_paragraph("Всего оказано услуг на сумму: {{ amount_words }}.")
        doc.add_paragraph("Услуги оказаны полностью и в срок. Заказчик претензий по объёму, качеству и срокам не имеет.")
        doc.add_paragraph("Исполнитель: {{ act.supplier_signer_position }} ____________ {{ act.supplier_signer }}")
        doc.add_paragraph("Заказчик: {{ act.client_signer_position }} ____________ {{ act.client_signer }}")
    elif kind == DocumentKind.PROPOSAL:
        doc.add_heading("Коммерческое предложение № {{ proposal.number }}", level=1)
        doc.add_paragraph("для {{ client.name }} от {{ proposal.date }}, действительно до {{ proposal.valid_until }}")
        _table(doc, ["Услуга", "Кол-во", "Цена, ₽", "Сумма, ₽"], "line in lines",
               ["line.name", "line.quantity", "line.price", "line.amount"])
        doc.add_paragraph("Сумма: {{ proposal.subtotal }}; скидка {{ proposal.discount_percent }} %: {{ proposal.discount }}")
        doc.add_paragraph("{{ proposal.discount_reason }}")
        doc.add_paragraph("Итого: {{ total }} ({{ amount_words }}). {{ vat_label }}.")
        doc.add_paragraph("Подготовил: {{ proposal.author }}. {{ agency.name }}, ИНН {{ agency.inn }}")
    elif kind == DocumentKind.CLIENT_REPORT:
        doc.add_heading("Отчёт для {{ client.brand }} за {{ report.period }}", level=1)
        doc.add_heading("Итоги периода", level=2)
        doc.add_paragraph("{{ report.summary }}")
        doc.add_heading("Результаты", level=2)
        doc.add_paragraph("Сравнение с периодом {{ report.previous_period }} и с тем же периодом год назад "
                          "({{ report.year_ago_period }})")
        _table(doc, ["Показатель", "Период", "Предыдущий", "Изменение", "Год назад", "К прошлому году", "Источник"],
               "r in results", ["r.name", "r.current", "r.previous", "r.change", "r.year_ago", "r.year_change",
                                "r.source"])
        doc.add_heading("Выполненные работы", level=2)
        doc.add_paragraph("{% for t in tasks %}{{ t.closed }} — {{ t.title }} ({{ t.project }}); {% endfor %}")
        doc.add_paragraph("Согласованные этапы: {% for s in stages %}{{ s.title }} ({{ s.approved }}); {% endfor %}")
        doc.add_heading("Часы", level=2)
        _table(doc, ["Проект", "Услуга", "Часы", "План"], "h in hours", ["h.project", "h.service", "h.hours", "h.planned"])
        doc.add_paragraph("Всего часов: {{ report.hours_total }}")
        doc.add_heading("Финансы", level=2)
        doc.add_paragraph("Выставлено: {{ report.issued }} ₽; оплачено: {{ report.paid }} ₽; "
                          "задолженность: {{ report.outstanding }} ₽")
        doc.add_heading("План на следующий период", level=2)
        doc.add_paragraph("{{ report.next_plan }}")
        doc.add_paragraph("Аккаунт-менеджер: {{ report.author }}. {{ agency.name }}")
    else:
        raise ValueError(kind)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- rendering and checking -------------------------------------------------------------------


def _env() -> Environment:
    return Environment(undefined=StrictUndefined, autoescape=True)


def render_docx(template: bytes, context: dict[str, Any]) -> bytes:
    """The DOCX of `template` filled with `context`; TemplateInvalid with the reason otherwise."""
    try:
        tpl = DocxTemplate(io.BytesIO(template))
        tpl.render(context, _env())
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (строка {line})" if line else ""
        raise TemplateInvalid(f"{exc.message or exc}{where}") from None
    except Exception as exc:  # noqa: BLE001 — a DOCX that is not a DOCX (zip, XML errors)
        raise TemplateInvalid(f"Файл не читается как DOCX: {exc}") from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def validate_template(kind: str, template: bytes) -> None:
    """Refuse a template with unknown placeholders, broken syntax or one that fails on sample data."""
    if len(template) > MAX_TEMPLATE_BYTES:
        raise TemplateInvalid("Файл больше 5 МБ.")
    try:
        names = DocxTemplate(io.BytesIO(template)).get_undeclared_template_variables(_env())
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateInvalid(f"{exc.message or exc}" + (f" (строка {line})" if line else "")) from None
    except Exception as exc:  # noqa: BLE001
        raise TemplateInvalid(f"Файл не читается как DOCX: {exc}") from None
    unknown = sorted(set(names) - ROOTS[kind])
    if unknown:
        raise TemplateInvalid("Неизвестные поля: " + ", ".join(unknown))
    render_docx(template, sample_context(kind))


def docx_paragraphs(data: bytes) -> list[str]:
    """Every paragraph's text, table cells included (for tests and the PDF)."""
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return texts


def docx_to_html(data: bytes, *, title: str = "") -> str:
    """A plain HTML rendering of a DOCX: headings, paragraphs (bold runs kept) and tables."""
    doc = Document(io.BytesIO(data))
    parts = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            style = (block.style.name if block.style is not None else "") or ""
            inner = "".join(
                f"<b>{html.escape(r.text)}</b>" if r.bold else html.escape(r.text) for r in block.runs
            ) or html.escape(block.text)
            if style.startswith("Heading 1") or style == "Title":
                parts.append(f"<h1>{inner}</h1>")
            elif style.startswith("Heading"):
                parts.append(f"<h2>{inner}</h2>")
            elif inner.strip():
                parts.append(f"<p>{inner}</p>")
        elif isinstance(block, Table):
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c.text)}</td>" for c in row.cells) + "</tr>" for row in block.rows
            )
            parts.append(f"<table>{rows}</table>")
    style = (
        "@page{size:A4;margin:18mm}body{font-family:'DejaVu Sans',sans-serif;font-size:10pt}"
        "h1{font-size:14pt}h2{font-size:12pt}table{border-collapse:collapse;width:100%}"
        "td{border:1px solid #444;padding:3px 5px;vertical-align:top}"
    )
    return (f"<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def html_to_pdf(markup: str) -> bytes:
    from weasyprint import HTML  # heavy: only when a PDF is asked for

    return bytes(HTML(string=markup).write_pdf())


def docx_to_pdf(data: bytes, *, title: str = "", use_libreoffice: bool = False) -> bytes:
    """PDF of a DOCX: LibreOffice when asked for and installed, WeasyPrint over `docx_to_html` otherwise."""
    soffice = shutil.which("soffice") if use_libreoffice else None
    if soffice:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "document.docx"
            source.write_bytes(data)
            subprocess.run(  # noqa: S603 — fixed arguments, our own temporary file
                [soffice, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                check=True, capture_output=True, timeout=120,
            )
            return (Path(tmp) / "document.pdf").read_bytes()
    return html_to_pdf(docx_to_html(data, title=title))


def qty(value: Decimal) -> str:
    return format_quantity(value)
