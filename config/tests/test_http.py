"""HTTP behaviour for throughput (issue 16): gzip for HTML and JSON, ETag and 304 on GET,
static files with far-future caching in production."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tandem.org.services import api_token_issue

ROOT = Path(__file__).resolve().parents[2]


def test_html_page_is_gzipped_for_a_browser_that_accepts_it(client):
    response = client.get(reverse("web:login"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<form" in gzip.decompress(response.content)


def test_html_page_is_plain_without_accept_encoding(client):
    response = client.get(reverse("web:login"))
    assert not response.has_header("Content-Encoding")
    assert b"<form" in response.content


def test_api_json_is_gzipped(org):
    _token, key = api_token_issue(user=org.head.user)
    response = Client().get(reverse("api:client-list"), HTTP_AUTHORIZATION=f"Token {key}",
                            HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["count"] == 2


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_repeated_api_get_with_the_etag_is_304(org, encoding):
    _token, key = api_token_issue(user=org.head.user)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_ENCODING=encoding)
    url = reverse("api:client-detail", args=[org.client_a.pk])
    first = api.get(url)
    etag = first["ETag"]
    assert first.status_code == 200 and etag
    again = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # a change to the client changes the body, so the old tag no longer matches
    org.client_a.brand_name = "Renamed"
    org.client_a.save()
    changed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_list_answers_304_too_and_writes_are_untouched(org):
    _token, key = api_token_issue(user=org.head.user)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    url = reverse("api:client-list")
    etag = api.get(url)["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # a POST with a matching If-None-Match is not turned into a 304/412 by the ETag middleware
    response = api.post(url, data={}, content_type="application/json", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 400


STATIC_CHECK = """
import django; django.setup()
from django.core.management import call_command
# the big vendored bundles only make the compression step slow; they are collected the same way
call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["drf_spectacular_sidecar", "chart-*"])
from django.templatetags.static import static
from django.test import Client
url = static("web/tandem.css")
r = Client().get(url, secure=True, HTTP_HOST="tandem.example.com", HTTP_ACCEPT_ENCODING="gzip")
print(url, r.status_code, r["Cache-Control"], r.get("Content-Encoding"))
"""


def test_production_serves_hashed_static_names_cached_for_years(tmp_path):
    """collectstatic with the production storage names files by content hash; WhiteNoise answers
    them `immutable` with a far-future max-age (its default for hashed names: 10 years) and gzip."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": "x" * 60,
           "ALLOWED_HOSTS": "tandem.example.com", "TANDEM_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", STATIC_CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    url, status, cache_control = result.stdout.strip().split(" ", 2)
    assert url.startswith("/static/web/tandem.") and url != "/static/web/tandem.css"
    assert status == "200"
    assert "immutable" in cache_control and "max-age=315360000" in cache_control
    assert cache_control.endswith("gzip")
