"""Two-factor sign-in (TOTP): setup, recovery codes, verification, lockout, disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from django.core.exceptions import ValidationError

from tandem.org import services
from tandem.org.models import RecoveryCode, TotpDevice
from tandem.org.roles import Role

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
# The factories' password (tandem.testing.fixtures.PASSWORD; that module imports DRF, which domain tests may not).
PASSWORD = "pass12345"


def code_at(device: TotpDevice, when: datetime) -> str:
    return pyotp.TOTP(services.totp_secret(device)).at(when)


@pytest.fixture
def enabled(org):
    device = services.totp_setup_start(user=org.head.user)
    codes = services.totp_enable(user=org.head.user, code=code_at(device, NOW), now=NOW)
    return device, codes


def test_setup_stores_the_secret_encrypted_and_is_not_in_force_until_confirmed(org):
    device = services.totp_setup_start(user=org.am1.user)

    secret = services.totp_secret(device)
    assert len(secret) == 32
    assert secret not in device.secret_encrypted
    assert not services.totp_enabled(org.am1.user)
    assert services.totp_verify(user=org.am1.user, code="000000")  # nothing in force yet
    assert "otpauth://totp/Tandem:am1?secret=" in services.totp_provisioning_uri(device)


def test_a_wrong_code_does_not_enable(org):
    services.totp_setup_start(user=org.am1.user)

    with pytest.raises(ValidationError) as exc:
        services.totp_enable(user=org.am1.user, code="123456", now=NOW)

    assert "code" in exc.value.message_dict
    assert not services.totp_enabled(org.am1.user)
    assert not RecoveryCode.objects.exists()


def test_enabling_gives_ten_hashed_single_use_recovery_codes(org, enabled):
    _device, codes = enabled

    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=org.head.user).values_list("code_hash", flat=True))
    assert not stored & set(codes)  # only digests are kept
    assert services.totp_verify(user=org.head.user, code=codes[0].upper(), now=NOW + timedelta(minutes=5))
    assert not services.totp_verify(user=org.head.user, code=codes[0], now=NOW + timedelta(minutes=6))
    assert services.recovery_codes_left(org.head.user) == 9


def test_a_code_is_accepted_once_and_within_one_step_of_drift(org, enabled):
    device, _codes = enabled
    later = NOW + timedelta(minutes=2)
    code = code_at(device, later)

    assert services.totp_verify(user=org.head.user, code=code, now=later + timedelta(seconds=25))
    assert not services.totp_verify(user=org.head.user, code=code, now=later + timedelta(seconds=25))
    assert not services.totp_verify(user=org.head.user, code=code_at(device, later + timedelta(minutes=3)), now=later)


def test_wrong_codes_lock_the_second_step_even_for_the_right_code(org, enabled):
    device, _codes = enabled
    later = NOW + timedelta(minutes=10)
    for _ in range(services.TOTP_FAILURE_LIMIT):
        assert not services.totp_verify(user=org.head.user, code="000000", now=later)

    with pytest.raises(services.TotpLocked):
        services.totp_verify(user=org.head.user, code=code_at(device, later), now=later)

    after = later + services.TOTP_LOCKOUT + timedelta(seconds=1)
    assert services.totp_verify(user=org.head.user, code=code_at(device, after), now=after)


def test_disable_needs_the_password_and_a_code(org, enabled):
    device, codes = enabled

    with pytest.raises(ValidationError) as wrong_password:
        services.totp_disable(user=org.head.user, password="wrong", code=codes[1])
    with pytest.raises(ValidationError) as wrong_code:
        services.totp_disable(user=org.head.user, password=PASSWORD, code="000000")
    assert "password" in wrong_password.value.message_dict
    assert "code" in wrong_code.value.message_dict
    assert services.totp_enabled(org.head.user)

    services.totp_disable(user=org.head.user, password=PASSWORD, code=codes[1])

    assert not services.totp_enabled(org.head.user)
    assert not RecoveryCode.objects.filter(user=org.head.user).exists()


def test_enabled_twice_is_refused(org, enabled):
    with pytest.raises(ValidationError):
        services.totp_setup_start(user=org.head.user)


def test_agency_chooses_the_roles_that_must_use_a_second_factor(org):
    services.agency_update(actor=org.head.user, agency=org.agency, data={"two_factor_roles": [Role.FINANCE]})

    assert services.totp_required(org.finance.user)
    assert not services.totp_required(org.am1.user)
    with pytest.raises(ValidationError) as exc:
        services.agency_update(actor=org.head.user, agency=org.agency, data={"two_factor_roles": ["boss"]})
    assert "two_factor_roles" in exc.value.message_dict
