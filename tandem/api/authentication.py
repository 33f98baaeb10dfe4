"""`Authorization: Token <key>` against Tandem's own API tokens (tandem.org.models.ApiToken).

Unknown, revoked and expired keys, and keys of a deactivated login, answer 401.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from tandem.org.models import ApiToken, User
from tandem.org.services import api_token_use


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:  # type: ignore[override]
        token = api_token_use(key=key)
        if token is None:
            raise AuthenticationFailed(_("Токен недействителен: неизвестен, отозван или истёк."))
        return token.user, token
