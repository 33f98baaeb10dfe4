"""/healthz and /readyz for load balancers; malformed DATABASE_URL / REDIS_URL stop start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError

from config import health
from config.settings.base import check_redis_url, database_from_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_redis(settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""


def test_healthz_answers_without_sign_in_or_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ok_when_the_database_answers(client, db, no_redis):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}, "failed": []}


def test_readyz_503_names_the_database_when_it_fails(client, db, no_redis, monkeypatch):
    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": Broken()})

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "refused" not in response.content.decode()  # details go to the log only


def test_readyz_503_names_redis_when_configured_and_unreachable(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "failed"}
    assert response.json()["failed"] == ["redis"]


def test_readyz_checks_a_redis_broker_too(settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    assert health.redis_url_to_check() == "redis://127.0.0.1:1/0"


def test_probes_only_answer_get(client, db):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.parametrize("url", ["postgress://u:p@h/db", "postgres://u:p@h:port/db", "postgres://h", "garbage"])
def test_a_malformed_database_url_is_refused_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="^DATABASE_URL "):
        database_from_url("DATABASE_URL", url, conn_max_age=0)


def test_database_url_message_does_not_show_the_password():
    with pytest.raises(ImproperlyConfigured) as caught:
        database_from_url("DATABASE_URL", "postgres://u:s3cr3t@h:port/db", conn_max_age=0)

    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize("url", ["redis://h:xx/0", "http://h:6379", "redis://", "localhost:6379"])
def test_a_malformed_redis_url_is_refused_naming_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="^REDIS_URL "):
        check_redis_url("REDIS_URL", url)


@pytest.mark.parametrize("url", ["", "redis://127.0.0.1:6379/0", "rediss://user:pw@cache.example:6380/1", "unix:///run/redis.sock"])
def test_good_redis_urls_pass(url):
    assert check_redis_url("REDIS_URL", url) == url


def test_start_up_stops_on_a_malformed_database_url(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgress://u:p@h/db", "TANDEM_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    assert "DATABASE_URL is malformed" in result.stderr
