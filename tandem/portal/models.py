"""The client portal: a sign-in for a client's contact (separate from staff accounts), what that
contact may see, the contact's replies on requests and the portal activity the AM sees."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import TimeStampedModel


class Area(models.TextChoices):
    """What a contact may see in the portal; each is a flag on the account."""

    WORK = "work", _("Проекты и этапы")
    MONEY = "money", _("Счета и акты")
    HOURS = "hours", _("Часы по месяцам")
    REQUESTS = "requests", _("Обращения")
    REPORTS = "reports", _("Отчёты")


class PortalAccount(TimeStampedModel):
    """A client contact's portal sign-in. The User behind it never has an Employee, so no staff
    page or staff API lets it in; staff sign-in refuses it and portal sign-in refuses staff.

    The invitation is single-use: `invitation_nonce` is part of the signed token and is cleared
    on acceptance (and replaced on a new invitation, which voids the old link)."""

    contact = models.OneToOneField("clients.Contact", on_delete=models.CASCADE, related_name="portal_account",
                                   verbose_name=_("контакт"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account")
    can_see_work = models.BooleanField(_("проекты и этапы"), default=True)
    can_see_money = models.BooleanField(_("счета и акты"), default=False)
    can_see_hours = models.BooleanField(_("часы по месяцам"), default=True)
    can_see_requests = models.BooleanField(_("обращения"), default=True)
    # Off for accounts made before reports were shown in the portal: the AM turns it on.
    can_see_reports = models.BooleanField(_("отчёты"), default=False)
    is_active = models.BooleanField(_("доступ открыт"), default=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("пригласил"))
    invited_at = models.DateTimeField(_("приглашён"))
    invitation_nonce = models.CharField(max_length=32, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("принял приглашение"), null=True, blank=True)
    last_login_at = models.DateTimeField(_("последний вход"), null=True, blank=True)
    # The AM reset the contact's second factor (they lost the phone): kept in the history too.
    totp_reset_at = models.DateTimeField(_("двухфакторная аутентификация сброшена"), null=True, blank=True)
    totp_reset_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("сбросил"))
    history = HistoricalRecords(excluded_fields=["updated_at", "last_login_at", "invitation_nonce"])

    class Meta:
        verbose_name = _("доступ в кабинет клиента")
        verbose_name_plural = _("доступы в кабинет клиента")

    def __str__(self) -> str:
        return f"{self.contact_id}"

    def sees(self, area: str) -> bool:
        return self.is_active and bool(getattr(self, f"can_see_{area}"))

    @property
    def invitation_pending(self) -> bool:
        return self.accepted_at is None and bool(self.invitation_nonce)


class PortalEvent(models.Model):
    """Something a contact did in the portal that the AM should see: an answer on a stage, a new
    request, a reply on a request. Written by tandem.portal.services in the same transaction."""

    class Kind(models.TextChoices):
        STAGE_APPROVED = "stage_approved", _("Этап согласован")
        CHANGES_REQUESTED = "changes_requested", _("Замечания к этапу")
        REQUEST_FILED = "request_filed", _("Новое обращение")
        REQUEST_REPLIED = "request_replied", _("Ответ по обращению")

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="events")
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("что"), max_length=24, choices=Kind.choices)
    stage = models.ForeignKey("work.Stage", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    request = models.ForeignKey("comms.ClientRequest", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    text = models.TextField(_("комментарий"), blank=True)
    created_at = models.DateTimeField(_("когда"), db_index=True)

    class Meta:
        verbose_name = _("действие в кабинете клиента")
        verbose_name_plural = _("действия в кабинете клиента")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%d.%m.%Y}"


class RequestReply(models.Model):
    """A message in a request's portal thread: the contact's reply written in the portal
    (`account`), or a staff member's answer from the staff request page (`author`). Staff may
    also leave an internal note (`internal`), which the contact never sees."""

    request = models.ForeignKey("comms.ClientRequest", on_delete=models.CASCADE, related_name="portal_replies")
    account = models.ForeignKey(PortalAccount, on_delete=models.PROTECT, related_name="replies", null=True,
                                blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("сотрудник"))
    internal = models.BooleanField(_("внутренняя заметка"), default=False)
    text = models.TextField(_("текст"))
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("сообщение по обращению")
        verbose_name_plural = _("сообщения по обращениям")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(account__isnull=False, author__isnull=True, internal=False)
                           | models.Q(account__isnull=True, author__isnull=False)),
                name="portal_reply_contact_or_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} @ {self.created_at:%d.%m.%Y}"

    @property
    def from_staff(self) -> bool:
        return self.author_id is not None
