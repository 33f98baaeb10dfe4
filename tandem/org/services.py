"""Writes for the organisation: groups, employees and agency-wide limits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyotp
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.core.errors import ApplicationError, PermissionDenied
from tandem.core.secrets import decrypt_secret, encrypt_secret
from tandem.core.validators import check_sensible_date

from . import auth_cache
from .deactivation import deactivation_blockers
from .models import Agency, ApiToken, Employee, Group, RecoveryCode, TotpDevice, User
from .permissions import actor_employee, can_manage_org, can_revoke_api_token
from .roles import Role

GROUP_FIELDS = ("name", "kind", "head")
EMPLOYEE_FIELDS = (
    "full_name", "role", "specialty", "grade", "group", "hourly_cost_rate", "monthly_capacity_hours",
    "soft_client_limit", "hard_client_limit", "is_active",
)
AGENCY_FIELDS = (
    "name", "legal_name", "started_on", "am_soft_client_limit", "am_hard_client_limit", "two_factor_roles",
)


def _require_org_manager(actor: User) -> Employee:
    employee = actor_employee(actor)
    if employee is None or not can_manage_org(actor):
        raise PermissionDenied()
    return employee


def _apply(instance: Any, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise ValidationError({name: _("Это поле нельзя изменить здесь.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(instance, name, value)


def _check_same_agency(agency: Agency, **objects: Employee | Group | None) -> None:
    for name, obj in objects.items():
        if obj is not None and obj.agency_id != agency.pk:
            raise ValidationError({name: _("Объект из другого агентства.")})


def agency_update(*, actor: User, agency: Agency, data: dict[str, Any]) -> Agency:
    """Heads of accounts and admins change the agency name and the AM workload limits."""
    employee = _require_org_manager(actor)
    if employee.agency_id != agency.pk:
        raise PermissionDenied()
    _apply(agency, data, AGENCY_FIELDS)
    check_sensible_date(agency.started_on, field="started_on", today=timezone.localdate(), days_ahead=0)
    roles = agency.two_factor_roles
    if not isinstance(roles, list) or not set(roles) <= set(Role.values):
        raise ValidationError({"two_factor_roles": _("Укажите роли из списка.")})
    if agency.am_hard_client_limit < agency.am_soft_client_limit:
        raise ValidationError({"am_hard_client_limit": _("Жёсткий лимит не может быть меньше мягкого.")})
    agency.full_clean()
    agency.save()
    return agency


def group_create(*, actor: User, data: dict[str, Any]) -> Group:
    employee = _require_org_manager(actor)
    group = Group(agency=employee.agency)
    _apply(group, data, GROUP_FIELDS)
    _check_same_agency(employee.agency, head=group.head)
    group.full_clean()
    group.save()
    return group


def group_update(*, actor: User, group: Group, data: dict[str, Any]) -> Group:
    employee = _require_org_manager(actor)
    if group.agency_id != employee.agency_id:
        raise PermissionDenied()
    _apply(group, data, GROUP_FIELDS)
    _check_same_agency(employee.agency, head=group.head)
    group.full_clean()
    group.save()
    return group


def _validate_employee(employee: Employee) -> None:
    if employee.role == Role.SPECIALIST and not employee.specialty:
        raise ValidationError({"specialty": _("Укажите специализацию специалиста.")})
    soft, hard = employee.soft_client_limit, employee.hard_client_limit
    if soft is not None and hard is not None and hard < soft:
        raise ValidationError({"hard_client_limit": _("Жёсткий лимит не может быть меньше мягкого.")})
    if employee.hourly_cost_rate is not None and Decimal(employee.hourly_cost_rate) < 0:
        raise ValidationError({"hourly_cost_rate": _("Ставка не может быть отрицательной.")})


@transaction.atomic
def employee_create(
    *, actor: User, username: str, email: str = "", password: str | None = None, data: dict[str, Any]
) -> Employee:
    """Hire an employee: creates their login and their place in the actor's agency.

    An initial password, when given, must pass the project's password validators
    (AUTH_PASSWORD_VALIDATORS); failures are a ValidationError on "password".
    """
    manager = _require_org_manager(actor)
    if password:
        try:
            password_validation.validate_password(password, user=User(username=username, email=email))
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    return employee_create_in_agency(
        agency=manager.agency, username=username, email=email, password=password, data=data
    )


def employee_create_in_agency(
    *, agency: Agency, username: str, email: str = "", password: str | None = None, data: dict[str, Any]
) -> Employee:
    """Create a user and employee without a permission check: for set-up and demo data only."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("Такой логин уже есть.")})
    user = User(username=username, email=email)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    employee = Employee(agency=agency, user=user)
    _apply(employee, data, EMPLOYEE_FIELDS)
    _check_same_agency(agency, group=employee.group)
    _validate_employee(employee)
    employee.full_clean()
    employee.save()
    return employee


@transaction.atomic
def employee_update(*, actor: User, employee: Employee, data: dict[str, Any]) -> Employee:
    """Change an employee. Deactivating (is_active false) is refused while a registered check
    (tandem.org.deactivation) says they still carry work, e.g. served clients as AM."""
    manager = _require_org_manager(actor)
    if employee.agency_id != manager.agency_id:
        raise PermissionDenied()
    if employee.is_active and data.get("is_active") is False:
        _check_can_deactivate(employee)
    _apply(employee, data, EMPLOYEE_FIELDS)
    _check_same_agency(manager.agency, group=employee.group)
    _validate_employee(employee)
    employee.full_clean()
    employee.save(update_fields=[*EMPLOYEE_FIELDS, "updated_at"])  # a stale copy writes nothing else back
    _login_follows_employee(employee)
    return employee


def _login_follows_employee(employee: Employee) -> None:
    """A deactivated employee cannot sign in at all: the login is switched off (sessions then end,
    password and token sign-in are refused) and every API token revoked. Reactivation restores it."""
    user = employee.user
    if user.is_active != employee.is_active:
        user.is_active = employee.is_active
        user.save(update_fields=["is_active"])
    if not employee.is_active:
        api_tokens_revoke_all(user=user)


def _check_can_deactivate(employee: Employee) -> None:
    # Lock the row so that a concurrent client assignment (which locks it too) cannot slip in.
    Employee.objects.select_for_update().filter(pk=employee.pk).first()
    blockers = deactivation_blockers(employee)
    if blockers:
        raise ValidationError({"is_active": blockers})


def employee_deactivate(*, actor: User, employee: Employee) -> Employee:
    """Mark the employee as no longer working (they lose access; history stays).

    Refused with a ValidationError on "is_active" while they still carry work (see employee_update).
    Idempotent for an already inactive employee.
    """
    return employee_update(actor=actor, employee=employee, data={"is_active": False})


# --- API tokens -------------------------------------------------------------------------------

# A token's last use is written at most this often (not on every request).
API_TOKEN_TOUCH_EVERY = timedelta(minutes=5)


def _api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "", lifetime: timedelta | None = None) -> tuple[ApiToken, str]:
    """A new token for a signed-in user; returns it and its key (shown once, stored only as a digest).

    `lifetime` None: valid until revoked."""
    key = secrets.token_hex(20)
    token = ApiToken(
        user=user, name=name.strip()[:100], key_hash=_api_token_digest(key), prefix=key[:8],
        expires_at=timezone.now() + lifetime if lifetime else None,
    )
    token.full_clean(exclude=["key_hash", "prefix"])
    token.save()
    return token, key


def api_token_use(*, key: str) -> ApiToken | None:
    """The token with this key, if it may be used now (not expired, its user and employee active);
    records when it was last used. None for an unknown, expired or inactive one."""
    token = auth_cache.token_load(_api_token_digest(key))
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > API_TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        auth_cache.token_store(token)
    return token


def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if not can_revoke_api_token(actor, token):
        raise PermissionDenied()
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Every token of the user (password changed, employee deactivated); returns how many."""
    deleted, _by_model = ApiToken.objects.filter(user=user).delete()
    return deleted


# --- Two-factor sign-in (TOTP) ----------------------------------------------------------------

TOTP_ISSUER = "Tandem"
TOTP_FAILURE_LIMIT = 5
TOTP_LOCKOUT = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10


class TotpLocked(ApplicationError):
    """Too many wrong codes in a row: the second step is closed for a while."""

    status_code = 429

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(_("Слишком много неверных кодов. Попробуйте снова после %(time)s.") % {
            "time": timezone.localtime(until).strftime("%H:%M")
        })


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def totp_setup_start(*, user: User) -> TotpDevice:
    """A new secret for a user who has no second factor in force yet (an unconfirmed one is
    replaced). Refused while one is in force: disable it first."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise ValidationError({"code": _("Двухфакторная аутентификация уже включена.")})
    secret = pyotp.random_base32()
    if device is None:
        device = TotpDevice(user=user)
    device.secret_encrypted = encrypt_secret(secret)
    device.last_step = 0
    device.failed_attempts = 0
    device.locked_until = None
    device.save()
    return device


def totp_secret(device: TotpDevice) -> str:
    """The base32 secret (for the QR code and the manual key while setting up)."""
    return decrypt_secret(device.secret_encrypted)


def totp_provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(totp_secret(device)).provisioning_uri(name=device.user.username, issuer_name=TOTP_ISSUER)


def _recovery_digest(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _recovery_codes_new(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789") for _c in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_recovery_digest(c)) for c in codes])
    return codes


def _totp_step_matching(device: TotpDevice, code: str, *, now: datetime) -> int | None:
    """The time step (now or ±1 for clock drift) whose code this is, if it is newer than the last used."""
    digits = _normalise_code(code)
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(totp_secret(device))
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > device.last_step and secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


@transaction.atomic
def totp_enable(*, user: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the second factor with a code from the app; returns the recovery codes (shown once).

    ValidationError on "code" when there is no setup in progress or the code is wrong."""
    now = now or timezone.now()
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.is_confirmed:
        raise ValidationError({"code": _("Сначала начните настройку.")})
    step = _totp_step_matching(device, code, now=now)
    if step is None:
        raise ValidationError({"code": _("Неверный код. Проверьте время на телефоне и введите новый код.")})
    device.last_step = step
    device.confirmed_at = now
    device.save(update_fields=["last_step", "confirmed_at"])
    return _recovery_codes_new(user)


def totp_enabled(user: User) -> bool:
    """Whether the user signs in with a second factor."""
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_required(user: User) -> bool:
    """Whether the agency requires a second factor for this user's role (Agency.two_factor_roles)."""
    employee = Employee.objects.select_related("agency").filter(user=user).first()
    return employee is not None and employee.role in (employee.agency.two_factor_roles or [])


@transaction.atomic
def totp_verify(*, user: User, code: str, now: datetime | None = None) -> bool:
    """Check the second step of a sign-in: a current code from the app (each accepted once) or an
    unused recovery code (then spent). Wrong codes count; after TOTP_FAILURE_LIMIT in a row the
    step is closed for TOTP_LOCKOUT (TotpLocked), even for a right code. A user without a
    second factor in force passes."""
    now = now or timezone.now()
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return True
    if device.locked_until is not None and device.locked_until > now:
        raise TotpLocked(device.locked_until)
    step = _totp_step_matching(device, code, now=now)
    if step is not None:
        device.last_step = step
    else:
        spent = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_digest(code), used_at__isnull=True
        ).update(used_at=now)
        if not spent:
            device.failed_attempts += 1
            if device.failed_attempts >= TOTP_FAILURE_LIMIT:
                device.locked_until = now + TOTP_LOCKOUT
                device.failed_attempts = 0
            device.save(update_fields=["failed_attempts", "locked_until"])
            return False  # the count must be kept: callers do not wrap this in their own transaction
    device.failed_attempts = 0
    device.locked_until = None
    device.save(update_fields=["last_step", "failed_attempts", "locked_until"])
    return True


def totp_disable(*, user: User, password: str, code: str) -> None:
    """Switch the second factor off: the password and a current code (or a recovery code) are both
    needed. Recovery codes are deleted. ValidationError names the wrong field."""
    if not user.check_password(password):
        raise ValidationError({"password": _("Неверный пароль.")})
    if not totp_enabled(user):
        raise ValidationError({"code": _("Двухфакторная аутентификация не включена.")})
    if not totp_verify(user=user, code=code):
        raise ValidationError({"code": _("Неверный код.")})
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def totp_reset(*, user: User) -> None:
    """Remove the user's second factor and recovery codes without a code (a recovery done by
    someone else: the caller checks who may do it and records it)."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working) after a current code from the app."""
    if not totp_enabled(user):
        raise ValidationError({"code": _("Двухфакторная аутентификация не включена.")})
    if not totp_verify(user=user, code=code):
        raise ValidationError({"code": _("Неверный код.")})
    with transaction.atomic():
        return _recovery_codes_new(user)
