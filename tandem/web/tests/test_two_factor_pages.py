"""Two-factor sign-in in the web UI: the code step after the password, setup, disable."""

from __future__ import annotations

import pyotp
import pytest

from tandem.org import services
from tandem.org.models import TotpDevice
from tandem.org.roles import Role
from tandem.testing.fixtures import PASSWORD


def current_code(user) -> str:
    return pyotp.TOTP(services.totp_secret(TotpDevice.objects.get(user=user))).now()


@pytest.fixture
def head_with_2fa(org):
    device = services.totp_setup_start(user=org.head.user)
    codes = services.totp_enable(user=org.head.user, code=pyotp.TOTP(services.totp_secret(device)).now())
    TotpDevice.objects.filter(pk=device.pk).update(last_step=0)  # the enabling code may be typed again
    return codes


def test_password_alone_does_not_sign_in_when_2fa_is_on(client, org, head_with_2fa):
    response = client.post("/login/?next=/clients/", {"username": "head", "password": PASSWORD, "next": "/clients/"})

    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/clients/").status_code == 302  # still anonymous


def test_the_code_completes_the_sign_in_and_goes_to_next(client, org, head_with_2fa):
    client.post("/login/", {"username": "head", "password": PASSWORD, "next": "/clients/"})

    response = client.post("/login/code/", {"code": current_code(org.head.user)})

    assert response.status_code == 302 and response["Location"] == "/clients/"
    assert client.session["_auth_user_id"] == str(org.head.user.pk)


def test_a_recovery_code_signs_in_once(client, org, head_with_2fa):
    client.post("/login/", {"username": "head", "password": PASSWORD})
    assert client.post("/login/code/", {"code": head_with_2fa[0]}).status_code == 302
    client.logout()

    client.post("/login/", {"username": "head", "password": PASSWORD})
    response = client.post("/login/code/", {"code": head_with_2fa[0]})

    assert response.status_code == 200
    assert "Неверный код" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_codes_lock_the_code_step(client, org, head_with_2fa):
    client.post("/login/", {"username": "head", "password": PASSWORD})
    for _ in range(services.TOTP_FAILURE_LIMIT):
        client.post("/login/code/", {"code": "000000"})

    response = client.post("/login/code/", {"code": current_code(org.head.user)})

    assert response.status_code == 429
    assert "Слишком много неверных кодов" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_code_step_without_a_password_step_goes_back_to_login(client, org):
    response = client.get("/login/code/")

    assert response.status_code == 302 and response["Location"] == "/login/"


def test_setup_page_shows_a_qr_code_and_the_manual_key_then_enables(org, web_client_for, django_assert_max_num_queries):
    web = web_client_for(org.am1)

    with django_assert_max_num_queries(12):
        page = web.get("/account/2fa/setup/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and "manual-key" in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]

    response = web.post("/account/2fa/setup/", {"code": current_code(org.am1.user)})

    assert response.status_code == 200
    assert "Коды восстановления" in response.content.decode()
    assert services.totp_enabled(org.am1.user)
    assert "Выключить" in web.get("/account/security/").content.decode()


def test_setup_with_a_wrong_code_shows_the_error_next_to_the_field(org, web_client_for):
    web = web_client_for(org.am1)
    web.get("/account/2fa/setup/")

    response = web.post("/account/2fa/setup/", {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not services.totp_enabled(org.am1.user)


def test_disable_needs_password_and_code(org, web_client_for, head_with_2fa):
    web = web_client_for(org.head)

    wrong = web.post("/account/2fa/disable/", {"password": "nope", "code": head_with_2fa[0]})
    assert wrong.status_code == 200 and wrong.context["form"].errors["password"]
    assert services.totp_enabled(org.head.user)

    response = web.post("/account/2fa/disable/", {"password": PASSWORD, "code": head_with_2fa[1]})

    assert response.status_code == 302
    assert not services.totp_enabled(org.head.user)


def test_a_required_role_is_sent_to_setup_until_it_is_enabled(client, org):
    org.agency.two_factor_roles = [Role.FINANCE]
    org.agency.save()

    response = client.post("/login/", {"username": "finance", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/account/2fa/setup/"
    assert client.get("/clients/")["Location"] == "/account/2fa/setup/"

    client.get("/account/2fa/setup/")
    client.post("/account/2fa/setup/", {"code": current_code(org.finance.user)})

    assert client.get("/clients/").status_code == 200


def test_agency_page_sets_the_required_roles(org, web_client_for):
    web = web_client_for(org.head)

    response = web.post("/team/agency/", {
        "name": "Тандем", "am_soft_client_limit": "20", "am_hard_client_limit": "25",
        "two_factor_roles": [Role.HEAD_OF_ACCOUNTS, Role.FINANCE],
    })

    org.agency.refresh_from_db()
    assert response.status_code == 302
    assert org.agency.two_factor_roles == [Role.HEAD_OF_ACCOUNTS, Role.FINANCE]
