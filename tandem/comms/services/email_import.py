"""Import of e-mail (.eml or mbox) into the communications log.

Each message becomes an interaction of kind "email" for every visible client one of whose
contacts is among its From/To/Cc addresses. Import is idempotent by Message-ID (a message
without one gets a digest of its bytes). Nothing is imported for unmatched messages.
"""

from __future__ import annotations

import email
import hashlib
import mailbox
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.clients.models import Client, Contact
from tandem.clients.permissions import clients_visible_to
from tandem.core.errors import PermissionDenied
from tandem.org.models import Employee, User
from tandem.org.permissions import actor_employee

from ..models import CommChannel, Direction, Interaction, InteractionKind
from .interactions import interaction_create

MAX_BYTES = 20 * 1024 * 1024
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class ImportedMessage:
    message_id: str
    subject: str
    client: str = ""
    reason: str = ""
    addresses: list[str] = field(default_factory=list)


@dataclass
class EmailImportReport:
    imported: list[ImportedMessage] = field(default_factory=list)
    skipped: list[ImportedMessage] = field(default_factory=list)
    unmatched: list[ImportedMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_messages(data: bytes, filename: str = "") -> list[tuple[EmailMessage, bytes]]:
    """Messages of an .eml (one) or an mbox (many: detected by name or the leading "From " line)."""
    if filename.lower().endswith((".mbox", ".mbx")) or data.startswith(b"From "):
        with tempfile.NamedTemporaryFile(suffix=".mbox") as handle:
            handle.write(data)
            handle.flush()
            box = mailbox.mbox(handle.name, create=False)
            raws = [box.get_bytes(key) for key in box.iterkeys()]
            box.close()
    else:
        raws = [data]
    return [(email.message_from_bytes(raw, policy=policy.default), raw) for raw in raws]  # type: ignore[misc]


def _addresses(msg: EmailMessage, *names: str) -> list[str]:
    values = [str(v) for name in names for v in (msg.get_all(name) or [])]
    return [addr.strip().lower() for _n, addr in getaddresses(values) if addr and "@" in addr]


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        return ""
    if part.get_content_type() == "text/html":
        content = _TAGS.sub(" ", content)
    return re.sub(r"\n{3,}", "\n\n", content).strip()


def _when(msg: EmailMessage) -> datetime:
    try:
        moment = parsedate_to_datetime(str(msg["date"]))
    except (TypeError, ValueError, IndexError):
        return timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def email_import(*, actor: User, data: bytes, filename: str = "") -> EmailImportReport:
    """Import the messages of an uploaded file for the clients the actor sees; report what happened."""
    employee = actor_employee(actor)
    if employee is None:
        raise PermissionDenied()
    report = EmailImportReport()
    if len(data) > MAX_BYTES:
        report.errors.append(_("Файл больше 20 МБ."))
        return report
    try:
        messages = parse_messages(data, filename)
    except Exception as exc:  # a broken mailbox is reported, not raised
        report.errors.append(_("Не удалось прочитать файл: %(error)s") % {"error": exc})
        return report
    visible = clients_visible_to(actor)
    by_email: dict[str, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(client__in=visible).exclude(email="").select_related("client"):
        by_email[contact.email.strip().lower()].append(contact)
    colleagues = {
        e.user.email.lower(): e
        for e in Employee.objects.filter(agency=employee.agency, is_active=True).exclude(user__email="")
        .select_related("user")
    }
    for msg, raw in messages:
        subject = str(msg["subject"] or "").strip()
        message_id = str(msg["message-id"] or "").strip() or f"<{hashlib.sha1(raw).hexdigest()}@import.tandem>"
        senders = _addresses(msg, "from")
        everyone = senders + _addresses(msg, "to", "cc")
        matched: dict[int, list[Contact]] = defaultdict(list)
        clients: dict[int, Client] = {}
        for address in everyone:
            for contact in by_email.get(address, []):
                if contact not in matched[contact.client_id]:
                    matched[contact.client_id].append(contact)
                clients[contact.client_id] = contact.client
        if not matched:
            report.unmatched.append(ImportedMessage(message_id, subject, addresses=everyone))
            continue
        incoming = any(address in by_email for address in senders)
        staff = [colleagues[a] for a in dict.fromkeys(everyone) if a in colleagues] or [employee]
        text = _text(msg)
        for client_id, contacts in matched.items():
            client = clients[client_id]
            if Interaction.objects.filter(client=client, message_id=message_id).exists():
                report.skipped.append(ImportedMessage(message_id, subject, client.display_name, _("уже загружено")))
                continue
            summary = (subject or "(без темы)") + ("\n\n" + text[:4000] if text else "")
            with transaction.atomic():
                interaction_create(
                    actor=actor, client=client, contacts=contacts, employees=staff, message_id=message_id[:255],
                    data={
                        "kind": InteractionKind.EMAIL, "channel": CommChannel.EMAIL, "occurred_at": _when(msg),
                        "direction": Direction.INCOMING if incoming else Direction.OUTGOING, "summary": summary,
                    },
                )
            report.imported.append(ImportedMessage(message_id, subject, client.display_name))
    return report
