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
from decimal import Decimal

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
from tandem.integrations import ga4, metrica
from tandem.org.models import User
from tandem.org.permissions import actor_employee

from .models import API_KINDS, AnalyticsKind, AnalyticsSnapshot, AnalyticsSource, SyncStatus
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
Ga4ClientFactory = Callable[[str], ga4.Ga4Client]
MAX_REFRESH_DAYS = 366
SNAPSHOT_FIELDS = {
    AnalyticsKind.METRICA: ["visits", "goal_conversions", "leads", "sampled", "fetched_at"],
    AnalyticsKind.GA4: ["visits", "goal_conversions", "revenue", "sampled", "fetched_at"],
}
GA4_METRICS = ["sessions", "keyEvents", "totalRevenue"]


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


def _default_ga4_client(credentials: str) -> ga4.Ga4Client:
    return ga4.Ga4Client(credentials=credentials)


def _interactive_ga4_client(credentials: str) -> ga4.Ga4Client:
    return ga4.Ga4Client(credentials=credentials, max_attempts=2, timeout=15.0)


@dataclass(frozen=True)
class Factories:
    metrica: MetricaClientFactory
    ga4: Ga4ClientFactory


@transaction.atomic
def analytics_source_connect(
    *, actor: User, client: Client, counter_id: str, token: str = "", goal_ids: list[int] | None = None,
    kind: str = AnalyticsKind.METRICA,
) -> AnalyticsSource:
    """Connect the client's Yandex.Metrica counter (`token`: an OAuth token) or GA4 property
    (`counter_id`: the property id, `token`: the service account's JSON key) or change it. A
    blank `token` keeps the stored one (forms never show it back); a new source needs one. The
    credentials are stored encrypted and new ones make a demo source a real one. A GA4 key is
    checked (JSON with an RSA private key) before it is stored. Who may: `can_manage_analytics`."""
    if not can_manage_analytics(actor, client):
        raise PermissionDenied()
    if kind not in API_KINDS:
        raise ValidationError({"kind": _("Неизвестный сервис аналитики.")})
    if not counter_id.strip():
        raise ValidationError({"counter_id": _("Укажите номер счётчика или ресурса.")})
    source = AnalyticsSource.objects.select_for_update().filter(client=client, kind=kind).first()
    token = token.strip()
    if source is None:
        source = AnalyticsSource(client=client, kind=kind)
    if not token and not source.has_token and not source.is_demo:
        raise ValidationError({"token": _("Укажите OAuth-токен доступа к Метрике.") if kind == AnalyticsKind.METRICA
                               else _("Загрузите JSON-ключ сервисного аккаунта Google.")})
    if token and kind == AnalyticsKind.GA4:
        try:
            ga4.ServiceAccountKey.from_json(token)
        except ga4.Ga4Error as exc:
            raise ValidationError({"token": exc.message}) from None
    counter_id = counter_id.strip()
    if source.counter_id != counter_id:
        source.last_sync_status, source.last_sync_message, source.last_synced_at = SyncStatus.NEVER, "", None
    source.counter_id = counter_id
    source.goal_ids = sorted(set(goal_ids or [])) if kind == AnalyticsKind.METRICA else []
    if token:
        source.token_encrypted = encrypt_secret(token)
        source.is_demo = False
    source.full_clean(exclude=["client"])
    source.save()
    return source


def analytics_refresh(
    *, actor: User, source: AnalyticsSource, start: date, end: date,
    client_factory: MetricaClientFactory | None = None, ga4_client_factory: Ga4ClientFactory | None = None,
    now: datetime | None = None,
) -> RefreshResult:
    """«Обновить сейчас»: fetch daily visits (GA4: sessions), goal reaches (GA4: key events) and,
    from GA4, revenue of [start, end] and upsert one snapshot per day (days the service leaves
    out had no visits: zero). Re-running the same period changes nothing but the figures. The
    outcome is recorded on the source; a failure is raised as AnalyticsRefreshFailed with the
    user's message. Demo sources are not refreshed. Who may: `can_manage_analytics`."""
    if not can_manage_analytics(actor, source.client):
        raise PermissionDenied()
    if start > end:
        raise ValidationError({"start": _("Начало периода позже его конца.")})
    if (end - start).days >= MAX_REFRESH_DAYS:
        raise ValidationError({"start": _("За один раз можно обновить не больше года.")})
    if source.is_demo:
        raise ValidationError({"source": _("Это демонстрационный источник: его данные не обновляются из сервиса аналитики.")})
    if source.kind not in API_KINDS:
        raise ValidationError({"source": _("Данные этого источника загружаются файлом, а не обновляются.")})
    factories = Factories(
        metrica=client_factory or _interactive_metrica_client, ga4=ga4_client_factory or _interactive_ga4_client,
    )
    return _refresh_source(source, start, end, factories, now or timezone.now())


def analytics_refresh_all(
    *, today: date, days: int, client_factory: MetricaClientFactory | None = None,
    ga4_client_factory: Ga4ClientFactory | None = None,
) -> dict[str, int]:
    """The nightly job: refresh the last `days` days (up to yesterday: both services add late
    conversions) of every real source with credentials; demo sources are skipped. One failing
    source is recorded on it and does not stop the others. Returns counts for the job log."""
    counts = {"ok": 0, "failed": 0}
    end = today - timedelta(days=1)
    start = end - timedelta(days=max(days, 1) - 1)
    factories = Factories(metrica=client_factory or _default_metrica_client, ga4=ga4_client_factory or _default_ga4_client)
    sources = (AnalyticsSource.objects.filter(is_demo=False, kind__in=API_KINDS).exclude(token_encrypted="")
               .select_related("client"))
    for source in sources.iterator():
        try:
            _refresh_source(source, start, end, factories, timezone.now())
        except AnalyticsRefreshFailed:
            counts["failed"] += 1
        else:
            counts["ok"] += 1
    return counts


@dataclass
class _Day:
    visits: int = 0
    conversions: int = 0
    leads: int | None = None
    revenue: Decimal | None = None


@dataclass
class _Fetched:
    days: dict[date, _Day]
    sampled: bool
    message: str
    empty: _Day


def _fetch_metrica(source: AnalyticsSource, secret: str, start: date, end: date, factories: Factories) -> _Fetched:
    goal_metrics = [f"ym:s:goal{goal}reaches" for goal in source.goal_ids]
    report = factories.metrica(secret).report(
        counter_id=source.counter_id, metrics=["ym:s:visits", "ym:s:sumGoalReachesAny", *goal_metrics],
        dimensions=["ym:s:date"], date1=start, date2=end,
    )
    days: dict[date, _Day] = {}
    for row in report.rows:
        try:
            day = date.fromisoformat(row.dimensions[0])
        except (IndexError, ValueError):
            continue
        values = [int(m or 0) for m in row.metrics]
        values += [0] * (2 + len(goal_metrics) - len(values))
        days[day] = _Day(values[0], values[1], sum(values[2:]) if goal_metrics else None)
    message = (
        _("Данные по выборке (%(share)s %% визитов): цифры приблизительные.") % {"share": round(report.sample_share * 100)}
        if report.sampled else ""
    )
    return _Fetched(days, report.sampled, message, _Day(0, 0, 0 if goal_metrics else None))


def _fetch_ga4(source: AnalyticsSource, secret: str, start: date, end: date, factories: Factories) -> _Fetched:
    report = factories.ga4(secret).report(
        property_id=source.counter_id, metrics=GA4_METRICS, dimensions=["date"], start=start, end=end,
    )
    days: dict[date, _Day] = {}
    for row in report.rows:
        try:
            day = ga4.parse_date(row.dimensions[0])
        except (IndexError, ValueError):
            continue
        days[day] = _Day(
            int(row.metric(0)), int(row.metric(1)), None, row.metric(2).quantize(Decimal("0.01")),
        )
    message = _("Google Analytics скрыл или оценил часть данных (пороговые значения): цифры приблизительные.") \
        if report.approximate else ""
    return _Fetched(days, report.approximate, message, _Day(0, 0, None, Decimal("0.00")))


def _refresh_source(source: AnalyticsSource, start: date, end: date, factories: Factories, now: datetime) -> RefreshResult:
    try:
        secret = decrypt_secret(source.token_encrypted)
    except SecretUnreadable:
        _record_failure(source, _("Сохранённый ключ доступа не читается (сменился ключ шифрования): сохраните его заново."), now)
        raise AnalyticsRefreshFailed(source.last_sync_message) from None
    fetch = _fetch_ga4 if source.kind == AnalyticsKind.GA4 else _fetch_metrica
    try:
        fetched = fetch(source, secret, start, end, factories)
    except (metrica.MetricaError, ga4.Ga4Error) as exc:
        # The credentials are not in the message or the log: only the source and the error type are.
        logger.warning("analytics source %s: refresh failed (%s, %s)", source.pk, exc.status, exc.error_type)
        _record_failure(source, exc.message, now)
        raise AnalyticsRefreshFailed(exc.message) from None
    snapshots = []
    day = start
    while day <= end:
        found = fetched.days.get(day, fetched.empty)
        snapshots.append(AnalyticsSnapshot(
            source=source, client_id=source.client_id, date=day, visits=found.visits,
            goal_conversions=found.conversions, leads=found.leads, revenue=found.revenue,
            sampled=fetched.sampled, fetched_at=now,
        ))
        day += timedelta(days=1)
    with transaction.atomic():
        AnalyticsSnapshot.objects.bulk_create(
            snapshots, update_conflicts=True, unique_fields=["source", "date"],
            update_fields=SNAPSHOT_FIELDS[AnalyticsKind(source.kind)],
        )
        _record(source, SyncStatus.OK, fetched.message, now)
    return RefreshResult(source_id=source.pk, days=len(snapshots), sampled=fetched.sampled)


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
from .upload_services import UploadResult, analytics_upload  # noqa: E402
from .upload_services import mapping_fields as upload_mapping_fields  # noqa: E402

__all__ = [
    "GeneratedDocument", "MonthCloseItem", "MonthCloseResult", "ProposalLine", "act_document", "active_template",
    "client_report_context", "client_report_create", "client_report_docx", "client_report_email",
    "client_report_html", "client_report_pdf", "client_report_rebuild", "client_report_send",
    "client_report_update", "client_reports_prepare_due", "contract_document", "document_template_deactivate",
    "document_template_upload", "month_close_documents", "UploadResult", "analytics_upload", "upload_mapping_fields", "nth_working_day", "previous_month", "proposal_document",
]
