"""Production settings pass Django's deployment checklist; development defaults are safe."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_check_deploy_reports_nothing(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "tandem.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "TANDEM_VAR_DIR": str(tmp_path),
    }
    # Browser tests in the same worker set this for Playwright; production never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "TANDEM_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_defaults_from_environment(settings):
    assert settings.TIME_ZONE == os.environ.get("TIME_ZONE", "Europe/Moscow")
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "ru"


def _settings_with(env_extra: dict[str, str], tmp_path) -> dict:
    import json

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "TANDEM_VAR_DIR": str(tmp_path),
           **env_extra}
    for name in ("REDIS_URL", "DATABASE_REPLICA_URL", "AUTH_CACHE_SECONDS", "GZIP_RESPONSES"):
        if name not in env_extra:
            env.pop(name, None)
    code = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
            "'session': s.SESSION_ENGINE, 'auth_cache': s.AUTH_CACHE_SECONDS, 'replica': s.REPLICA_DATABASE, "
            "'aliases': sorted(s.DATABASES), 'mirror': s.DATABASES.get('replica', {}).get('TEST', {}).get('MIRROR'), "
            "'gzip': 'django.middleware.gzip.GZipMiddleware' in s.MIDDLEWARE}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_one_machine_defaults_keep_nothing_shared(tmp_path):
    values = _settings_with({}, tmp_path)
    assert values["session"] == "django.contrib.sessions.backends.db"
    assert values["auth_cache"] == 0  # no token cache in a per-process cache
    assert values["replica"] is None and values["aliases"] == ["default"]
    assert values["gzip"] is True


def test_redis_and_replica_settings(tmp_path):
    values = _settings_with({"REDIS_URL": "redis://127.0.0.1:6379/3",
                             "DATABASE_REPLICA_URL": "postgres://reader@replica.example:5432/tandem",
                             "GZIP_RESPONSES": "0"}, tmp_path)
    assert values["session"] == "tandem.core.sessions"
    assert values["auth_cache"] == 300
    assert values["replica"] == "replica" and values["aliases"] == ["default", "replica"]
    assert values["mirror"] == "default"
    assert values["gzip"] is False
