"""Keys issued before by DRF's authtoken (one per user) keep working as ApiTokens.

Read with SQL: `rest_framework.authtoken` is no longer installed, its table may or may not exist.
"""

import hashlib
from datetime import datetime, timezone

from django.db import migrations
from django.utils.dateparse import parse_datetime


def _aware(value):
    """SQLite hands the timestamp back as text (UTC), PostgreSQL as an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def copy_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("org", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        digest = hashlib.sha256(key.encode()).hexdigest()
        if not ApiToken.objects.filter(key_hash=digest).exists():
            token = ApiToken.objects.create(user_id=user_id, name="API", key_hash=digest, prefix=key[:8])
            if created_at := _aware(created):
                ApiToken.objects.filter(pk=token.pk).update(created_at=created_at)


class Migration(migrations.Migration):
    dependencies = [("org", "0002_api_tokens")]

    operations = [migrations.RunPython(copy_drf_tokens, migrations.RunPython.noop)]
