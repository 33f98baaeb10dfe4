"""Stored credentials: encrypted with the configured key, unreadable with another one."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tandem.core.secrets import SecretUnreadable, decrypt_secret, encrypt_secret


def test_round_trip_with_a_fernet_key_or_a_passphrase(settings) -> None:
    for key in (Fernet.generate_key().decode(), "any passphrase"):
        settings.TANDEM_SECRETS_KEY = key
        stored = encrypt_secret("y0_TOKEN")
        assert "y0_TOKEN" not in stored and decrypt_secret(stored) == "y0_TOKEN"


def test_another_key_cannot_read_it(settings) -> None:
    settings.TANDEM_SECRETS_KEY = "first"
    stored = encrypt_secret("y0_TOKEN")
    settings.TANDEM_SECRETS_KEY = "second"
    with pytest.raises(SecretUnreadable):
        decrypt_secret(stored)


def test_empty_stays_empty() -> None:
    assert encrypt_secret("") == "" and decrypt_secret("") == ""
