"""Answering a contact person's requests about their personal data (152-ФЗ ст. 14, 21).

Export: everything held about the person (tandem.privacy.selectors.contact_personal_data), as
JSON, a readable XLSX workbook or a readable PDF. Erasure (обезличивание), on the person's request:

- the contact's card keeps its place (interactions, requests and reminders still point to it)
  but loses everything that identifies the person: the name becomes «Контакт удалён (#id)»,
  position, phone, e-mail, messenger, birthday, quiet hours and notes are emptied; the contact
  is marked inactive and no longer the urgent contact. Role, channel and cadence stay (they
  describe the client's process, not the person);
- every stored version of the card (simple-history keeps copies) is anonymised the same way;
- business records stay: interactions keep their dates, kind, channel and the text of what was
  agreed, requests keep their times and SLA clocks, invoices, acts, payments and reminders are
  untouched (money documents must be kept, 402-ФЗ ст. 29). In the texts of the person's
  interactions and requests (and their stored versions), and of the agency's notifications that
  mention them, the person's identifiers — the full
  name, each word of it, e-mail, phone and messenger — are replaced by «[удалено]». Inflected
  forms («Ивановым») are not found: the export made before the erasure lists those texts for
  a person to review.

Both are recorded in PersonalDataAction (who, when, which contact, why), in the same transaction.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from tandem.clients.models import Contact
from tandem.comms.models import ClientRequest, Interaction
from tandem.core.errors import PermissionDenied
from tandem.notifications.models import Notification
from tandem.org.models import User

from .models import PersonalDataAction
from .permissions import can_handle_personal_data
from .selectors import PERSONAL_FIELDS, contact_personal_data

REDACTED = "[удалено]"
REASON_MAX = 2000


def _check(actor: User, contact: Contact, reason: str) -> str:
    if not can_handle_personal_data(actor, contact):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Укажите основание: чей запрос и когда получен.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Не больше %(n)s символов.") % {"n": REASON_MAX}})
    return reason


def _record(*, actor: User, contact: Contact, kind: str, reason: str) -> PersonalDataAction:
    return PersonalDataAction.objects.create(
        agency_id=contact.client.agency_id, client_id=contact.client_id, contact_id=contact.pk,
        kind=kind, actor=actor, reason=reason,
    )


@transaction.atomic
def contact_data_export(*, actor: User, contact: Contact, reason: str) -> dict[str, Any]:
    """Everything held about the contact person, recorded as an export. Administrators only."""
    reason = _check(actor, contact, reason)
    data = contact_personal_data(contact)
    _record(actor=actor, contact=contact, kind=PersonalDataAction.Kind.EXPORT, reason=reason)
    return data


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def export_xlsx(data: dict[str, Any]) -> bytes:
    """A readable workbook: one sheet per section, a header row, one row per record."""
    book = Workbook()
    card = book.active
    assert card is not None
    card.title = _("Контакт")[:31]
    for name, value in data["contact"].items():
        card.append([name, "" if value is None else str(value)])
    card.append(["client", data["client"]["name"]])
    for section in ("history", "interactions", "requests", "payment_reminders", "snoozes"):
        sheet = book.create_sheet(section[:31])
        rows = data[section]
        if not rows:
            sheet.append([_("нет записей")])
            continue
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append(["" if v is None else str(v) for v in row.values()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Readable names of the exported fields (the JSON keys stay as they are).
_LABELS = {
    "id": gettext_lazy("Номер"), "full_name": gettext_lazy("ФИО"), "position": gettext_lazy("Должность"),
    "phone": gettext_lazy("Телефон"), "email": gettext_lazy("E-mail"), "messenger": gettext_lazy("Мессенджер"),
    "birthday": gettext_lazy("День рождения"), "quiet_hours_start": gettext_lazy("Тихие часы с"),
    "quiet_hours_end": gettext_lazy("Тихие часы до"), "notes": gettext_lazy("Заметки"), "role": gettext_lazy("Роль"),
    "preferred_channel": gettext_lazy("Предпочтительный канал"), "cadence_days": gettext_lazy("Периодичность, дней"),
    "is_urgent_contact": gettext_lazy("Срочный контакт"), "is_active": gettext_lazy("Активен"),
    "last_interaction_at": gettext_lazy("Последнее взаимодействие"), "created_at": gettext_lazy("Создан"),
    "updated_at": gettext_lazy("Изменён"), "at": gettext_lazy("Когда"), "action": gettext_lazy("Действие"),
    "by": gettext_lazy("Кто"), "occurred_at": gettext_lazy("Когда"), "kind": gettext_lazy("Вид"),
    "channel": gettext_lazy("Канал"), "summary": gettext_lazy("Содержание"), "outcome": gettext_lazy("Итог"),
    "next_step": gettext_lazy("Следующий шаг"), "received_at": gettext_lazy("Получен"),
    "subject": gettext_lazy("Тема"), "text": gettext_lazy("Текст"), "invoice": gettext_lazy("Счёт"),
    "due_on": gettext_lazy("Срок"), "note": gettext_lazy("Заметка"), "until": gettext_lazy("До"),
}
_SECTIONS = (
    ("history", gettext_lazy("Сохранённые версии карточки")),
    ("interactions", gettext_lazy("Взаимодействия с участием контакта")),
    ("requests", gettext_lazy("Обращения контакта")),
    ("payment_reminders", gettext_lazy("Напоминания об оплате")),
    ("snoozes", gettext_lazy("Отметки «не сегодня»")),
)


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    return str(value)


def export_html(data: dict[str, Any]) -> str:
    """The export as a readable document: the card as label/value rows, then one table per section."""
    return render_to_string("privacy/personal_data_pdf.html", {
        "name": data["contact"]["full_name"],
        "client": data["client"]["name"],
        "made_at": timezone.localtime(),
        "card": [(_LABELS.get(k, k), _shown(v)) for k, v in data["contact"].items()],
        "sections": [
            {"title": title, "header": [_LABELS.get(k, k) for k in (data[key][0] if data[key] else [])],
             "rows": [[_shown(v) for v in row.values()] for row in data[key]]}
            for key, title in _SECTIONS
        ],
    })


def export_pdf(data: dict[str, Any]) -> bytes:
    """A readable PDF of the export (the same content as the JSON, with Russian labels)."""
    from weasyprint import HTML  # imported lazily: heavy, and only needed for PDFs

    return HTML(string=export_html(data)).write_pdf()  # type: ignore[no-any-return]


EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
}


def export_render(data: dict[str, Any], *, file_format: str) -> tuple[bytes, str, str]:
    """The export in one of EXPORT_FORMATS: (body, MIME type, file extension)."""
    render = {"json": export_json, "xlsx": export_xlsx, "pdf": export_pdf}[file_format]
    mime, ext = EXPORT_FORMATS[file_format]
    return render(data), mime, ext


def _identifiers(contact: Contact) -> list[str]:
    """What names the person in free text: longest first so the full name goes before its words."""
    values = {contact.full_name, contact.email, contact.phone, contact.messenger}
    values |= {word for word in re.split(r"\s+", contact.full_name) if len(word) >= 3}
    return sorted((v.strip() for v in values if v and len(v.strip()) >= 3), key=len, reverse=True)


def _redact(text: str, identifiers: list[str]) -> str:
    for ident in identifiers:
        text = re.sub(rf"(?<!\w){re.escape(ident)}(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text


def _redact_rows(rows: Any, fields: tuple[str, ...], identifiers: list[str]) -> None:
    for row in rows:
        changed = {f: _redact(getattr(row, f) or "", identifiers) for f in fields}
        if any(changed[f] != (getattr(row, f) or "") for f in fields):
            rows.filter(pk=row.pk).update(**changed)


@transaction.atomic
def contact_erase(*, actor: User, contact: Contact, reason: str) -> Contact:
    """Anonymise the contact person (see the module docstring for what changes and what stays).
    Administrators only; a reason is required. Idempotent for an already erased contact."""
    reason = _check(actor, contact, reason)
    contact = Contact.objects.select_for_update().select_related("client").get(pk=contact.pk)
    identifiers = _identifiers(contact)
    interaction_ids = list(Interaction.objects.filter(contacts=contact).values_list("id", flat=True))
    request_ids = list(ClientRequest.objects.filter(contact=contact).values_list("id", flat=True))
    text_fields_i = ("summary", "outcome", "next_step")
    text_fields_r = ("subject", "text")
    _redact_rows(Interaction.objects.filter(pk__in=interaction_ids), text_fields_i, identifiers)
    _redact_rows(Interaction.history.filter(id__in=interaction_ids), text_fields_i, identifiers)
    _redact_rows(ClientRequest.objects.filter(pk__in=request_ids), text_fields_r, identifiers)
    _redact_rows(ClientRequest.history.filter(id__in=request_ids), text_fields_r, identifiers)
    # Reminders and escalations sent to employees may name the person («Пора связаться: …»).
    mentions = Q()
    for ident in identifiers:
        mentions |= Q(title__icontains=ident) | Q(body__icontains=ident)
    if identifiers:
        _redact_rows(Notification.objects.filter(mentions, recipient__agency_id=contact.client.agency_id),
                     ("title", "body"), identifiers)

    blank: dict[str, Any] = {name: "" for name in PERSONAL_FIELDS}
    blank.update(full_name=_("Контакт удалён (#%(id)s)") % {"id": contact.pk},
                 birthday=None, quiet_hours_start=None, quiet_hours_end=None)
    for name, value in blank.items():
        setattr(contact, name, value)
    contact.is_active = False
    contact.is_urgent_contact = False
    contact._change_reason = "152-ФЗ"  # type: ignore[attr-defined]  # simple-history's reason
    contact._history_user = actor  # type: ignore[attr-defined]
    contact.save()
    # The stored versions are copies of the card: the same fields are emptied in every one.
    contact.history.all().update(**blank)
    _record(actor=actor, contact=contact, kind=PersonalDataAction.Kind.ERASURE, reason=reason)
    return contact


def personal_data_log(*, contact_id: int) -> list[PersonalDataAction]:
    return list(PersonalDataAction.objects.filter(contact_id=contact_id).select_related("actor"))
