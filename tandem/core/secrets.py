"""Credentials of outside services stored encrypted (Fernet) with a key from the environment.

`TANDEM_SECRETS_KEY` is either a Fernet key or any passphrase (a key is derived from it with
SHA-256); without it the key is derived from `SECRET_KEY`. Plain values never leave this module
except to the caller that needs them to call the service; they are never logged.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored value was encrypted with another key (the key was changed) or is damaged."""


def _fernet(key: str | None = None) -> Fernet:
    raw = key if key is not None else (settings.TANDEM_SECRETS_KEY or settings.SECRET_KEY)
    try:
        return Fernet(raw.encode())
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest()))


def encrypt_secret(plain: str, *, key: str | None = None) -> str:
    """The encrypted form to store; an empty value stays empty (nothing stored)."""
    if not plain:
        return ""
    return _fernet(key).encrypt(plain.encode()).decode()


def decrypt_secret(stored: str, *, key: str | None = None) -> str:
    """The plain value of a stored secret; SecretUnreadable when the key does not fit."""
    if not stored:
        return ""
    try:
        return _fernet(key).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable() from None
