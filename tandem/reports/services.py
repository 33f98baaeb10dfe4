"""Flows of the reports app: the payment reminder letter and the analytics refresh.

Flows that span billing and comms, which are siblings and never import each other.

Sending a payment reminder to the client's accountant writes in both: the letter (billing:
template, invoice PDF, the reminder marked done) and the interaction in the communications log
(comms). STYLE.md puts a flow that spans two sibling apps in a service of a higher app rather
than in a view (so the web page and the API call the same one function) or in a signal; reports
is the app above both that already owns documents sent to clients.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.billing import documents
from tandem.billing import permissions as billing_permissions
from tandem.billing import services as billing_services
from tandem.billing.models import CollectionReminder, Invoice, InvoiceStatus
from tandem.clients.models import Client
from tandem.comms import services as comms_services
from tandem.comms.models import CommChannel, Direction, Interaction, InteractionKind
from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.core.secrets import SecretUnreadable, decrypt_secret, encrypt_secret
from tandem.integrations import metrica
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from .models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource, SyncStatus
from .permissions import can_manage_analytics

logger = logging.getLogger(__name__)

REMINDABLE_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


def payment_reminder_draft(*, actor: User, invoice: Invoice, today: date | None = None) -> documents.ReminderLetter:
    """The letter as the AM first sees it: to the client's accountant contact, subject and body
    from the agency's template. Who may: `can_collect` (the client's AM, its group head,
    finance and heads)."""
    if not billing_permissions.can_collect(actor, invoice):
        raise PermissionDenied()
    return documents.reminder_letter(invoice, today=today or timezone.localdate(), sender=actor_employee(actor))


@transaction.atomic
def payment_reminder_send(
    *, actor: User, invoice: Invoice, subject: str, body: str, reminder: CollectionReminder | None = None,
) -> Interaction:
    """Send the reviewed reminder (subject and body as the AM left them) to the client's
    accountant contact with the invoice PDF attached, log it as an outgoing e-mail in the
    communications log and, when sent for a planned `reminder`, mark that reminder done.

    Only for an issued, not fully paid invoice whose client has a contact with an e-mail. The
    letter leaves after the commit: if anything here fails, nothing is sent and nothing logged.
    Replies go to the sender's own address."""
    if not billing_permissions.can_collect(actor, invoice):
        raise PermissionDenied()
    if invoice.status not in REMINDABLE_STATUSES:
        raise ValidationError({"invoice": _("Счёт не ожидает оплаты.")})
    if reminder is not None and reminder.invoice_id != invoice.pk:
        raise ValidationError({"reminder": _("Напоминание относится к другому счёту.")})
    errors = {}
    if not subject.strip():
        errors["subject"] = _("Укажите тему письма.")
    if not body.strip():
        errors["body"] = _("Напишите текст письма.")
    letter = payment_reminder_draft(actor=actor, invoice=invoice)
    if letter.contact is None or not letter.to:
        errors["to"] = _("У бухгалтера клиента не указан e-mail: добавьте его в контакты клиента.")
    if errors:
        raise ValidationError(errors)
    assert letter.contact is not None
    interaction = comms_services.interaction_create(
        actor=actor, client=invoice.client, contacts=[letter.contact],
        data={
            "kind": InteractionKind.EMAIL, "direction": Direction.OUTGOING, "channel": CommChannel.EMAIL,
            "summary": _("Напоминание об оплате счёта № %(n)s: %(subject)s") % {"n": invoice.number, "subject": subject},
            "outcome": body.strip(),
        },
    )
    if reminder is not None:
        billing_services.reminder_complete(
            actor=actor, reminder=reminder, note=_("Письмо отправлено: %(to)s") % {"to": letter.to}
        )
    message = EmailMessage(
        subject=subject.strip(), body=body.strip(), to=[letter.to], reply_to=[actor.email] if actor.email else None,
    )
    message.attach(f"invoice-{invoice.number}.pdf", documents.invoice_pdf(invoice), "application/pdf")
    transaction.on_commit(lambda: _deliver(message, interaction_id=interaction.pk))
    return interaction


def _deliver(message: EmailMessage, *, interaction_id: int) -> None:
    """Runs after the commit. A mail server that refuses is logged, not raised: the letter is
    already in the communications log and the AM sees the failure in the server log."""
    try:
        message.send(fail_silently=False)
    except Exception:  # noqa: BLE001 — any SMTP/OS error; the request has already succeeded
        logger.exception("payment reminder (interaction %s) was not sent", interaction_id)


# --- analytics sources (issue #11) -------------------------------------------------------------

MetricaClientFactory = Callable[[str], metrica.MetricaClient]
MAX_REFRESH_DAYS = 366
SNAPSHOT_FIELDS = ["visits", "goal_conversions", "leads", "sampled", "fetched_at"]


class AnalyticsRefreshFailed(ApplicationError):
    """The outside service refused or failed; the message says why in plain words."""

    status_code = 502


@dataclass(frozen=True)
class RefreshResult:
    source_id: int
    days: int
    sampled: bool


def _default_metrica_client(token: str) -> metrica.MetricaClient:
    """The nightly job can wait: the client's full retries and time-outs."""
    return metrica.MetricaClient(token=token)


def _interactive_metrica_client(token: str) -> metrica.MetricaClient:
    """«Обновить сейчас» runs while someone waits for the page: fewer retries, shorter time-outs."""
    return metrica.MetricaClient(token=token, max_attempts=2, timeout=15.0)


@transaction.atomic
def analytics_source_connect(
    *, actor: User, client: Client, counter_id: str, token: str = "", goal_ids: list[int] | None = None,
) -> AnalyticsSource:
    """Connect the client's Yandex.Metrica counter or change it. A blank `token` keeps the stored
    one (forms never show it back); a new source needs one. The token is stored encrypted and a
    new token makes a demo source a real one. Who may: `can_manage_analytics`."""
    if not can_manage_analytics(actor, client):
        raise PermissionDenied()
    source = AnalyticsSource.objects.select_for_update().filter(client=client, kind=AnalyticsKind.METRICA).first()
    token = token.strip()
    if source is None:
        source = AnalyticsSource(client=client, kind=AnalyticsKind.METRICA)
    if not token and not source.has_token and not source.is_demo:
        raise ValidationError({"token": _("Укажите OAuth-токен доступа к Метрике.")})
    counter_id = counter_id.strip()
    if source.counter_id != counter_id:
        source.last_sync_status, source.last_sync_message, source.last_synced_at = SyncStatus.NEVER, "", None
    source.counter_id = counter_id
    source.goal_ids = sorted(set(goal_ids or []))
    if token:
        source.token_encrypted = encrypt_secret(token)
        source.is_demo = False
    source.full_clean(exclude=["client"])
    source.save()
    return source


def analytics_refresh(
    *, actor: User, source: AnalyticsSource, start: date, end: date,
    client_factory: MetricaClientFactory | None = None, now: datetime | None = None,
) -> RefreshResult:
    """«Обновить сейчас»: fetch daily visits and goal reaches of [start, end] from Metrica and
    upsert one snapshot per day (days Metrica leaves out had no visits: zero). Re-running the
    same period changes nothing but the figures. The outcome is recorded on the source; a
    failure is raised as AnalyticsRefreshFailed with the user's message. Demo sources are not
    refreshed. Who may: `can_manage_analytics`."""
    if not can_manage_analytics(actor, source.client):
        raise PermissionDenied()
    if start > end:
        raise ValidationError({"start": _("Начало периода позже его конца.")})
    if (end - start).days >= MAX_REFRESH_DAYS:
        raise ValidationError({"start": _("За один раз можно обновить не больше года.")})
    if source.is_demo:
        raise ValidationError({"source": _("Это демонстрационный источник: его данные не обновляются из Метрики.")})
    return _refresh_source(source, start, end, client_factory or _interactive_metrica_client, now or timezone.now())


def analytics_refresh_all(
    *, today: date, days: int, client_factory: MetricaClientFactory | None = None,
) -> dict[str, int]:
    """The nightly job: refresh the last `days` days (up to yesterday: Metrica adds late
    conversions) of every real source with a token; demo sources are skipped. One failing
    source is recorded on it and does not stop the others. Returns counts for the job log."""
    counts = {"ok": 0, "failed": 0}
    end = today - timedelta(days=1)
    start = end - timedelta(days=max(days, 1) - 1)
    sources = AnalyticsSource.objects.filter(is_demo=False).exclude(token_encrypted="").select_related("client")
    for source in sources.iterator():
        try:
            _refresh_source(source, start, end, client_factory or _default_metrica_client, timezone.now())
        except AnalyticsRefreshFailed:
            counts["failed"] += 1
        else:
            counts["ok"] += 1
    return counts


def _refresh_source(
    source: AnalyticsSource, start: date, end: date, client_factory: MetricaClientFactory, now: datetime,
) -> RefreshResult:
    try:
        token = decrypt_secret(source.token_encrypted)
    except SecretUnreadable:
        _record_failure(source, _("Сохранённый токен не читается (сменился ключ шифрования): сохраните токен заново."), now)
        raise AnalyticsRefreshFailed(source.last_sync_message) from None
    goal_metrics = [f"ym:s:goal{goal}reaches" for goal in source.goal_ids]
    try:
        report = client_factory(token).report(
            counter_id=source.counter_id, metrics=["ym:s:visits", "ym:s:sumGoalReachesAny", *goal_metrics],
            dimensions=["ym:s:date"], date1=start, date2=end,
        )
    except metrica.MetricaError as exc:
        # The token is not in the message or the log: only the source and the error type are.
        logger.warning("analytics source %s: refresh failed (%s, %s)", source.pk, exc.status, exc.error_type)
        _record_failure(source, exc.message, now)
        raise AnalyticsRefreshFailed(exc.message) from None
    by_day: dict[date, metrica.MetricaRow] = {}
    for row in report.rows:
        try:
            by_day[date.fromisoformat(row.dimensions[0])] = row
        except (IndexError, ValueError):
            continue
    snapshots = []
    day = start
    while day <= end:
        found = by_day.get(day)
        values = [int(m or 0) for m in found.metrics] if found else [0] * (2 + len(goal_metrics))
        snapshots.append(AnalyticsSnapshot(
            source=source, client_id=source.client_id, date=day, visits=values[0], goal_conversions=values[1],
            leads=sum(values[2:]) if goal_metrics else None, sampled=report.sampled, fetched_at=now,
        ))
        day += timedelta(days=1)
    with transaction.atomic():
        AnalyticsSnapshot.objects.bulk_create(
            snapshots, update_conflicts=True, unique_fields=["source", "date"], update_fields=SNAPSHOT_FIELDS,
        )
        message = (
            _("Данные по выборке (%(share)s %% визитов): цифры приблизительные.") % {"share": round(report.sample_share * 100)}
            if report.sampled else ""
        )
        _record(source, SyncStatus.OK, message, now)
    return RefreshResult(source_id=source.pk, days=len(snapshots), sampled=report.sampled)


def _record_failure(source: AnalyticsSource, message: str, now: datetime) -> None:
    _record(source, SyncStatus.ERROR, message, now)


def _record(source: AnalyticsSource, status: str, message: str, now: datetime) -> None:
    source.last_sync_status, source.last_sync_message, source.last_synced_at = status, message[:500], now
    source.save(update_fields=["last_sync_status", "last_sync_message", "last_synced_at", "updated_at"])


# --- client reports and documents (issue #11): their own modules, one import path -------------

from .client_report_services import (  # noqa: E402
    MonthCloseItem,
    MonthCloseResult,
    client_report_context,
    client_report_create,
    client_report_docx,
    client_report_email,
    client_report_html,
    client_report_pdf,
    client_report_rebuild,
    client_report_send,
    client_report_update,
    client_reports_prepare_due,
    month_close_documents,
    nth_working_day,
    previous_month,
)
from .document_services import (  # noqa: E402
    GeneratedDocument,
    ProposalLine,
    act_document,
    active_template,
    contract_document,
    document_template_deactivate,
    document_template_upload,
    proposal_document,
)

__all__ = [
    "GeneratedDocument", "MonthCloseItem", "MonthCloseResult", "ProposalLine", "act_document", "active_template",
    "client_report_context", "client_report_create", "client_report_docx", "client_report_email",
    "client_report_html", "client_report_pdf", "client_report_rebuild", "client_report_send",
    "client_report_update", "client_reports_prepare_due", "contract_document", "document_template_deactivate",
    "document_template_upload", "month_close_documents", "nth_working_day", "previous_month", "proposal_document",
]
