"""Past one machine (issue 16): two web servers — separate processes, as on two hosts behind a
load balancer — against one database; a browser signs in on one, goes on on the other, signs out
on the first, and the second knows. Nothing a request needs is kept in a process's memory.

Runs on SQLite (the in-memory test database is copied to a file both servers open) and on
PostgreSQL (both servers open the test database); with Redis reachable, once more with REDIS_URL
set (sessions in Redis with the database behind: cached_db).
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from tandem.testing.org import PASSWORD, make_org

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/14"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _redis_up() -> bool:
    try:
        with socket.create_connection((HOST, 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _database_url(tmp_path: Path) -> str:
    """A URL other processes can open for the test database (committed data only)."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(settings["USER"] or "") + (f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else "")
        return f"postgres://{auth}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    assert connection.vendor == "sqlite"
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


@pytest.fixture
def committed_org(transactional_db: None) -> None:
    make_org()


@pytest.fixture
def two_servers(committed_org: None, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    url = _database_url(tmp_path)  # after the data is committed (SQLite: a copy of it)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url,
           "TANDEM_VAR_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    # The servers are not pytest workers: without this they would take the worker's own Redis
    # database (config.settings.test) instead of the one named here.
    env.pop("PYTEST_XDIST_WORKER", None)
    if request.param == "redis":
        env["REDIS_URL"] = REDIS_URL
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"{HOST}:{port}", "-w", "1",
                                 "--log-level", "warning"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for port in ports]
    probe = requests.Session()
    probe.trust_env = False  # no proxy for loopback
    try:
        for port, server in zip(ports, servers, strict=True):
            deadline = time.time() + 120
            while True:
                try:
                    probe.get(f"http://{HOST}:{port}/healthz", timeout=60)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    if server.poll() is not None or time.time() > deadline:
                        raise RuntimeError(server.stderr.read().decode() if server.stderr else "no server") from None
                    time.sleep(0.3)
        yield f"http://{HOST}:{ports[0]}", f"http://{HOST}:{ports[1]}"
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


def _csrf(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("two_servers", [
    "database",
    pytest.param("redis", marks=pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")),
], indirect=True)
def test_a_session_moves_between_two_servers(two_servers, request):
    a, b = two_servers
    # one browser: cookies are per host, not per port, like one domain behind a load balancer
    browser = requests.Session()
    browser.trust_env = False
    login_page = browser.get(f"{a}/login/")
    assert login_page.status_code == 200
    # the form from server A is posted to server B (the CSRF secret is not per process)
    signed_in = browser.post(f"{b}/login/", data={"username": "am1", "password": PASSWORD,
                                                  "csrfmiddlewaretoken": _csrf(login_page.text)},
                             allow_redirects=False)
    assert signed_in.status_code == 302, re.findall(r"(?s)<ul class=\"errorlist.*?</ul>|role=\"alert\".{0,300}", signed_in.text)
    session = browser.cookies.get("sessionid")
    assert session
    if request.node.callspec.params["two_servers"] == "redis":  # cached_db: the session is in Redis
        import redis

        assert redis.Redis.from_url(REDIS_URL).keys(f"*django.contrib.sessions.cached_db{session}")
    # the session made on B is known to A, and back to B
    for server in (a, b, a):
        page = browser.get(f"{server}/my-day/", allow_redirects=False)
        assert page.status_code == 200
        assert "am1" in page.text
    # signing out on A ends the session on B as well
    page = browser.get(f"{a}/my-day/")
    out = browser.post(f"{a}/logout/", data={"csrfmiddlewaretoken": _csrf(page.text)}, allow_redirects=False)
    assert out.status_code == 302
    browser.cookies.set("sessionid", session)  # even a browser that kept the old cookie
    after = browser.get(f"{b}/my-day/", allow_redirects=False)
    assert after.status_code == 302 and "/login/" in after.headers["Location"]
