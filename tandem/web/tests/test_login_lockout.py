"""Sign-in lockout (django-axes) on the web login page."""

from __future__ import annotations

import pytest

from tandem.testing.fixtures import PASSWORD


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


def test_web_login_locks_out_after_failures_with_a_page_in_the_layout(client, org, axes_on):
    for _ in range(2):
        response = client.post("/login/", {"username": "am1", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error

    client.post("/login/", {"username": "am1", "password": "wrong"})
    response = client.post("/login/", {"username": "am1", "password": PASSWORD})

    assert response.status_code == 429
    body = response.content.decode()
    assert "Вход временно закрыт" in body
    assert "topbar" in body  # the site's layout
    assert "_auth_user_id" not in client.session


def test_web_login_works_below_the_limit(client, org, axes_on):
    client.post("/login/", {"username": "am1", "password": "wrong"})

    response = client.post("/login/", {"username": "am1", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(org.am1.user.pk)
