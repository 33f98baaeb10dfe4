"""Notifications: created once, delivered with retries and backoff, failed never lost."""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from tandem.core.errors import PermissionDenied
from tandem.notifications import registry, tasks
from tandem.notifications.models import Channel, Notification, NotificationDelivery, NotificationSettings
from tandem.notifications.selectors import employee_by_calendar_token
from tandem.notifications.senders import DeliveryError, build_senders
from tandem.notifications.services import (
    calendar_token_regenerate,
    deliveries_retry_due,
    delivery_attempt,
    delivery_retry,
    notification_mark_read,
    notify,
    preferences_for,
    preferences_update,
    reminders_run,
)

MSK = ZoneInfo("Europe/Moscow")
TG_DATA = Path(__file__).resolve().parents[2] / "integrations" / "tests" / "data"
pytestmark = pytest.mark.django_db


FUTURE = (datetime.now(MSK) + timedelta(days=3)).date()


def at(_y, _m, day, hour, minute):
    """A moment a few days ahead (after the deliveries' creation), day 5 = FUTURE, 6 = next day."""
    return datetime.combine(FUTURE + timedelta(days=day - 5), time(hour, minute), MSK)


class Flaky:
    """A sender failing `fail` times (retryable), then succeeding."""

    def __init__(self, fail: int, retryable: bool = True) -> None:
        self.fail, self.retryable, self.calls = fail, retryable, 0

    def __call__(self, ctx) -> None:
        self.calls += 1
        if self.calls <= self.fail:
            raise DeliveryError("SMTP недоступен", retryable=self.retryable)


def test_notify_is_idempotent_by_dedupe_key(org):
    first, created = notify(recipient=org.am1, kind="x", title="Позвонить", dedupe_key="k1")
    again, created_again = notify(recipient=org.am1, kind="x", title="Позвонить", dedupe_key="k1")
    assert created and not created_again and first == again
    assert Notification.objects.count() == 1
    assert list(first.deliveries.values_list("channel", flat=True)) == [Channel.EMAIL]


def test_delivery_sent_after_commit(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=org.am1, kind="x", title="Позвонить Ивановой", dedupe_key="k2")
    assert NotificationDelivery.objects.get().status == "sent"
    assert mail.outbox[0].subject == "Позвонить Ивановой" and mail.outbox[0].to == ["am1@example.com"]


def test_email_links_are_absolute_with_the_base_url(org, settings, django_capture_on_commit_callbacks):
    settings.TANDEM_BASE_URL = "https://tandem.agency.example/"
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=org.am1, kind="x", title="Счёт просрочен", dedupe_key="k-url", url="/invoices/7/")
    assert "https://tandem.agency.example/invoices/7/" in mail.outbox[0].body


def test_retries_with_exponential_backoff_then_succeeds(org):
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="k3")
    d = n.deliveries.get()
    sender = Flaky(fail=2)
    now = at(2025, 11, 5, 12, 0)
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=now) == "retry"
    d.refresh_from_db()
    assert d.attempts == 1 and d.next_attempt_at == now + timedelta(seconds=60) and "SMTP" in d.last_error
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=now + timedelta(seconds=30)) == "waiting"
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=now + timedelta(seconds=60)) == "retry"
    d.refresh_from_db()
    assert d.next_attempt_at == now + timedelta(seconds=60 + 120)
    assert deliveries_retry_due(senders={"email": sender}, now=now + timedelta(seconds=180)) == {"sent": 1}
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 3 and sender.calls == 3
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=now + timedelta(hours=1)) == "sent"
    assert sender.calls == 3  # not sent twice


def test_gives_up_after_max_attempts_and_shows_failed(org):
    NotificationSettings.objects.create(agency=org.agency, max_attempts=3, retry_base_seconds=10)
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="k4")
    d = n.deliveries.get()
    sender = Flaky(fail=99)
    now = at(2025, 11, 5, 12, 0)
    results = [delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=now + timedelta(hours=h))
               for h in range(4)]
    assert results == ["retry", "retry", "failed", "failed"]
    d.refresh_from_db()
    assert d.status == "failed" and d.attempts == 3 and Notification.objects.filter(pk=n.pk).exists()
    delivery_retry(actor=org.am1.user, delivery=d)
    d.refresh_from_db()
    assert d.status == "pending" and d.attempts == 0
    with pytest.raises(PermissionDenied):
        delivery_retry(actor=org.am2.user, delivery=d)


def test_permanent_error_fails_at_once(org):
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="k5")
    d = n.deliveries.get()
    assert delivery_attempt(delivery_id=d.pk, senders={"email": Flaky(1, retryable=False)}) == "failed"


def test_quiet_hours_postpone_delivery(org):
    preferences_update(actor=org.am1.user, data={"quiet_hours_start": time(21, 0), "quiet_hours_end": time(9, 0)})
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="k6")
    d = n.deliveries.get()
    sender = Flaky(0)
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=at(2025, 11, 5, 23, 0)) == "quiet"
    d.refresh_from_db()
    assert d.next_attempt_at == at(2025, 11, 6, 9, 0) and sender.calls == 0
    assert delivery_attempt(delivery_id=d.pk, senders={"email": sender}, now=at(2025, 11, 6, 9, 0)) == "sent"


class _TgTransport:
    """A Telegram transport answering every call with one stored response; records the URLs."""

    def __init__(self, status: int, name: str) -> None:
        self.status, self.name = status, name
        self.calls: list[str] = []

    def __call__(self, method: str, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
        self.calls.append(url)
        return self.status, (TG_DATA / self.name).read_bytes()


def _tg_transport(status: int, name: str) -> _TgTransport:
    return _TgTransport(status, name)


def _telegram_setup(org):
    NotificationSettings.objects.create(agency=org.agency, telegram_bot_token="123:ABC")
    preferences_update(actor=org.am1.user, data={"email_enabled": False, "telegram_enabled": True,
                                                 "telegram_chat_id": "284611907"})


def test_telegram_delivery_with_recorded_responses(org):
    _telegram_setup(org)
    n, _ = notify(recipient=org.am1, kind="x", title="Просрочен первый ответ", dedupe_key="tg1")
    d = n.deliveries.get()
    assert d.channel == Channel.TELEGRAM
    flood = build_senders(from_email="t@x", telegram_enabled=True, telegram_transport=_tg_transport(429, "too_many_requests.json"))
    now = at(2025, 11, 5, 12, 0)
    assert delivery_attempt(delivery_id=d.pk, senders=flood, now=now) == "retry"
    d.refresh_from_db()
    assert d.next_attempt_at == now + timedelta(seconds=60)  # base 60 s > retry_after 14 s
    ok_transport = _tg_transport(200, "send_message_ok.json")
    ok = build_senders(from_email="t@x", telegram_enabled=True, telegram_transport=ok_transport)
    assert delivery_attempt(delivery_id=d.pk, senders=ok, now=now + timedelta(minutes=1)) == "sent"
    assert ok_transport.calls == ["https://api.telegram.org/bot123:ABC/sendMessage"]


def test_telegram_blocked_bot_fails_without_retry(org):
    _telegram_setup(org)
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="tg2")
    senders = build_senders(from_email="t@x", telegram_enabled=True, telegram_transport=_tg_transport(403, "bot_blocked.json"))
    assert delivery_attempt(delivery_id=n.deliveries.get().pk, senders=senders) == "failed"
    assert "blocked" in n.deliveries.get().last_error


def test_telegram_task_uses_injectable_transport(org, monkeypatch, settings):
    settings.USE_TELEGRAM = True
    _telegram_setup(org)
    monkeypatch.setattr(tasks, "TELEGRAM_TRANSPORT", _tg_transport(502, "bad_gateway.html"))
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="tg3")
    assert tasks.deliver_notification_task(n.deliveries.get().pk) == "retry"


def test_reminder_sources_run_once_and_survive_a_broken_source(org):
    registry.register_reminder_source("test.ok", lambda now: [registry.Reminder(org.am1.pk, "t", "Напоминание", "test:1")])

    def broken(now):
        raise RuntimeError("boom")

    registry.register_reminder_source("test.broken", broken)
    try:
        first = reminders_run(now=at(2025, 11, 5, 9, 0))
        second = reminders_run(now=at(2025, 11, 5, 9, 15))
    finally:
        registry.unregister_reminder_source("test.ok")
        registry.unregister_reminder_source("test.broken")
    assert first.created >= 1 and "test.broken" in first.errors
    assert second.created == 0
    assert Notification.objects.filter(dedupe_key="test:1").count() == 1


def test_mark_read_only_own(org):
    n, _ = notify(recipient=org.am1, kind="x", title="t", dedupe_key="r1")
    with pytest.raises(PermissionDenied):
        notification_mark_read(actor=org.am2.user, notification=n)
    assert Notification.objects.get(pk=n.pk).read_at is None
    notification_mark_read(actor=org.am1.user, notification=n)
    assert Notification.objects.get(pk=n.pk).read_at is not None


def test_calendar_token_regenerate(org):
    old = preferences_for(org.am1).calendar_token
    assert employee_by_calendar_token(old) == org.am1
    calendar_token_regenerate(actor=org.am1.user)
    assert employee_by_calendar_token(old) is None


def test_telegram_needs_chat_id(org):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        preferences_update(actor=org.am1.user, data={"telegram_enabled": True})
    assert "telegram_chat_id" in info.value.message_dict
