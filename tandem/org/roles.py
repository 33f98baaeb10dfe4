"""Roles, specialties and grades. Never compare roles with bare strings elsewhere."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HEAD_OF_ACCOUNTS = "head_of_accounts", _("Руководитель аккаунтинга")
    GROUP_HEAD = "group_head", _("Группхэд")
    ACCOUNT_MANAGER = "account_manager", _("Аккаунт-менеджер")
    SPECIALIST = "specialist", _("Специалист")
    FINANCE = "finance", _("Финансы")
    ADMIN = "admin", _("Администратор")


class Specialty(models.TextChoices):
    SEO = "seo", _("SEO")
    PPC = "ppc", _("Контекстная реклама")
    TARGETING = "targeting", _("Таргетированная реклама")
    SMM = "smm", _("SMM")
    DEVELOPER = "developer", _("Разработчик")
    DESIGNER = "designer", _("Дизайнер")
    EDITOR = "editor", _("Редактор")
    ANALYST = "analyst", _("Аналитик")


class Grade(models.TextChoices):
    JUNIOR = "junior", _("Junior")
    MIDDLE = "middle", _("Middle")
    SENIOR = "senior", _("Senior")


# Roles that see every client of the agency (DOMAIN "Who uses it").
ALL_CLIENTS_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.FINANCE, Role.ADMIN})
# Roles that manage the organisation (groups, employees, limits).
ORG_MANAGER_ROLES = frozenset({Role.HEAD_OF_ACCOUNTS, Role.ADMIN})
