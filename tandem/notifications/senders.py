"""Channel senders: one function per outside channel, raising DeliveryError on failure.

Configuration (Telegram API base, the on/off flag, a test transport) is passed in by the
caller; nothing here reads settings.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from tandem.integrations.telegram import (
    DEFAULT_API_BASE,
    TelegramClient,
    TelegramError,
    TelegramRetryAfter,
    Transport,
)

from .models import Channel, Notification, NotificationPreferences, NotificationSettings


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class SendContext:
    notification: Notification
    preferences: NotificationPreferences
    agency_settings: NotificationSettings | None


Sender = Callable[[SendContext], None]


def _text(notification: Notification, base_url: str) -> str:
    parts = [notification.title]
    if notification.body:
        parts.append(notification.body)
    if notification.url:
        parts.append(f"{base_url.rstrip('/')}{notification.url}" if notification.url.startswith("/") else notification.url)
    return "\n\n".join(parts)


def email_sender(*, from_email: str, base_url: str = "") -> Sender:
    def send(ctx: SendContext) -> None:
        address = ctx.notification.recipient.user.email
        if not address:
            raise DeliveryError(_("У сотрудника не указан e-mail."), retryable=False)
        try:
            send_mail(
                subject=ctx.notification.title[:200], message=_text(ctx.notification, base_url),
                from_email=from_email, recipient_list=[address], fail_silently=False,
            )
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryError(_("SMTP отказал: %(error)s") % {"error": exc}, retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_("SMTP недоступен: %(error)s") % {"error": exc}, retryable=True) from exc

    return send


def telegram_sender(
    *, enabled: bool, api_base: str = DEFAULT_API_BASE, transport: Transport | None = None, base_url: str = ""
) -> Sender:
    def send(ctx: SendContext) -> None:
        if not enabled:
            raise DeliveryError(_("Telegram выключен (USE_TELEGRAM)."), retryable=False)
        token = ctx.agency_settings.telegram_bot_token if ctx.agency_settings else ""
        if not token:
            raise DeliveryError(_("Агентство не указало токен Telegram-бота."), retryable=False)
        if not ctx.preferences.telegram_chat_id:
            raise DeliveryError(_("Не указан Telegram chat id."), retryable=False)
        client = TelegramClient(token, api_base=api_base, transport=transport)
        try:
            client.send_message(ctx.preferences.telegram_chat_id, _text(ctx.notification, base_url))
        except TelegramRetryAfter as exc:
            raise DeliveryError(str(exc), retryable=True, retry_after=exc.retry_after) from exc
        except TelegramError as exc:
            raise DeliveryError(str(exc), retryable=exc.retryable) from exc

    return send


def build_senders(
    *,
    from_email: str,
    telegram_enabled: bool,
    telegram_api_base: str = DEFAULT_API_BASE,
    telegram_transport: Transport | None = None,
    base_url: str = "",
) -> dict[str, Sender]:
    return {
        Channel.EMAIL: email_sender(from_email=from_email, base_url=base_url),
        Channel.TELEGRAM: telegram_sender(
            enabled=telegram_enabled, api_base=telegram_api_base, transport=telegram_transport, base_url=base_url
        ),
    }
