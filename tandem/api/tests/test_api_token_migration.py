"""Keys issued before by DRF's authtoken keep working after the move to ApiToken (migration 0003)."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from tandem.org.models import ApiToken

migration = importlib.import_module("tandem.org.migrations.0003_api_tokens_from_drf_tokens")


def test_old_drf_token_keys_are_copied_and_still_sign_in(org):
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamp)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, org.am1.user.pk, "2026-01-05 10:00:00"])

    migration.copy_drf_tokens(apps, SimpleNamespace(connection=connection))
    migration.copy_drf_tokens(apps, SimpleNamespace(connection=connection))  # re-running copies nothing twice

    token = ApiToken.objects.get(user=org.am1.user)
    assert token.prefix == key[:8]
    assert token.created_at.year == 2026 and token.created_at.month == 1
    assert key not in token.key_hash
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/clients/").status_code == 200
