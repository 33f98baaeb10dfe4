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
